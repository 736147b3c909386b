import { ApiProperty } from '@nestjs/swagger';
import type { PublicUser, User } from '../contract';

/** What anyone may see of a user. */
export class PublicUserResponse implements PublicUser {
  @ApiProperty({ example: '665f1c2e9b1e8a0012345678' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) avatarUrl: string | null;
  @ApiProperty() online: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSeenAt: string | null;
}

/** What the user sees of itself: the public view plus private fields. */
export class UserResponse extends PublicUserResponse implements User {
  @ApiProperty() email: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

/**
 * The public view of a stored user. `online` is what the viewer may see: false (and no last-seen
 * time) when `hidden`, i.e. there is a block between the viewer and this user.
 */
export function toPublicUserResponse(
  user: { _id: { toHexString(): string }; name: string; avatarUrl?: string | null; lastSeenAt?: Date | null },
  online: boolean,
  hidden = false,
): PublicUserResponse {
  return {
    id: user._id.toHexString(),
    name: user.name,
    avatarUrl: user.avatarUrl ?? null,
    online: online && !hidden,
    lastSeenAt: !hidden && user.lastSeenAt ? user.lastSeenAt.toISOString() : null,
  };
}
