import type { Namespace, Socket } from 'socket.io';
import type { AuthUser } from '../common/decorators/current-user.decorator';
import type { ClientToServerEvents, ServerToClientEvents } from '../contract/socket-events';

/** What the handshake middleware stores on every socket of `/chat`: it is authenticated by construction. */
export interface ChatSocketData {
  user: AuthUser;
}

/** Server-side types of the `/chat` namespace and its sockets, bound to the shared event contract. */
export type ChatServer = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, ChatSocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, ChatSocketData>;

/** Every connection of a user joins this room: an event for the user reaches all their tabs and devices. */
export const userRoom = (userId: string): string => `user:${userId}`;

/** Every connection opened with an access token of a session joins this room: it closes with the session. */
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;

/** Sockets that asked for a user's presence (`presence:subscribe`) join this room. */
export const presenceRoom = (userId: string): string => `${PRESENCE_ROOM_PREFIX}${userId}`;

const PRESENCE_ROOM_PREFIX = 'presence:';

/** How many users' presence this connection follows. */
export function presenceRoomCount(socket: ChatSocket): number {
  let count = 0;
  for (const room of socket.rooms) if (room.startsWith(PRESENCE_ROOM_PREFIX)) count += 1;
  return count;
}
