import type { User } from './users';

/**
 * Answer of signup, login and refresh. Refresh tokens rotate: after a refresh only the new
 * `refreshToken` works, and presenting an old one ends that whole token family.
 */
export interface AuthResult {
  user: User;
  /** A JWT for `Authorization: Bearer` and the socket handshake's `auth.token`. */
  accessToken: string;
  /** Opaque. */
  refreshToken: string;
  /** Access token lifetime in seconds: refresh shortly before it runs out. */
  expiresIn: number;
}
