/** What anyone may see of a user. */
export interface PublicUserResponse {
  id: string;
  name: string;
  avatarUrl: string | null;
  online: boolean;
  lastSeenAt: string | null;
}

/** What the user sees of itself: the public view plus private fields. */
export interface UserResponse extends PublicUserResponse {
  email: string;
  createdAt: string;
}
