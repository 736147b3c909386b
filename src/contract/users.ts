/**
 * What anyone may see of a user. `online` and `lastSeenAt` are as the viewer may see them: a block
 * between the two hides them (offline, no last-seen time), so a client never learns of a block from them.
 */
export interface PublicUser {
  id: string;
  name: string;
  avatarUrl: string | null;
  online: boolean;
  /** ISO 8601; `null` while hidden or when the user was never seen. */
  lastSeenAt: string | null;
}

/** The caller's own profile (`/users/me`, `AuthResult.user`): a user's e-mail reaches no one but that user. */
export interface User extends PublicUser {
  email: string;
  createdAt: string;
}

/**
 * One user's presence, as the `presence` event, the `presence:subscribe` ack and `/sync` carry it.
 * Hidden (offline, no last-seen time) while a block stands between the viewer and the user.
 */
export interface PresenceState {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
}
