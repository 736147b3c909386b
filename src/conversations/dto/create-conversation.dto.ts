import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, Length, ValidateIf } from 'class-validator';
import { ObjectIdField } from '../../common/object-id';

const trim = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** `{ type: "direct", userId }` or `{ type: "group", title, memberIds }`. */
export class CreateConversationDto {
  @ApiProperty({ enum: ['direct', 'group'] })
  @IsIn(['direct', 'group'])
  type: 'direct' | 'group';

  @ApiPropertyOptional({ description: 'direct: the other user' })
  @ValidateIf((dto: CreateConversationDto) => dto.type === 'direct')
  @ObjectIdField('userId must be a valid id')
  userId?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 100, description: 'group: its title' })
  @ValidateIf((dto: CreateConversationDto) => dto.type === 'group')
  @trim()
  @IsString()
  @Length(1, 100)
  title?: string;

  @ApiPropertyOptional({ type: [String], description: 'group: the other members (the creator is added as admin)' })
  @ValidateIf((dto: CreateConversationDto) => dto.type === 'group')
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @ObjectIdField('memberIds must hold valid ids', { each: true })
  memberIds?: string[];
}

export class RenameConversationDto {
  @ApiProperty({ minLength: 1, maxLength: 100 })
  @trim()
  @IsString()
  @Length(1, 100)
  title: string;
}

export class AddMembersDto {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @ObjectIdField('userIds must hold valid ids', { each: true })
  userIds: string[];
}
