import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUrl, Length, MaxLength, ValidateIf } from 'class-validator';

export const trimString = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

export class UpdateUserDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 64 })
  // Absent means "unchanged"; null is not a name (IsOptional would let it through to the database).
  @ValidateIf((_object, value) => value !== undefined)
  @trimString()
  @IsString()
  @Length(1, 64)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'http(s) URL, or null to clear' })
  @ValidateIf((_object, value) => value !== null)
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  avatarUrl?: string | null;
}
