import { ApiProperty } from '@nestjs/swagger';

/** What anyone may see of a user. */
export class PublicUserResponse {
  @ApiProperty({ example: '665f1c2e9b1e8a0012345678' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) avatarUrl: string | null;
  @ApiProperty() online: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSeenAt: string | null;
}

/** What the user sees of itself: the public view plus private fields. */
export class UserResponse extends PublicUserResponse {
  @ApiProperty() email: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
