import { Injectable, Logger } from '@nestjs/common';
import type { ServerEventName, ServerToClientEvents } from './chat.events';
import { ChatServer, userRoom } from '../realtime/chat.socket';

/**
 * Emits server → client events to rooms of `/chat` (through Redis when configured, so every instance's
 * sockets get them). The gateway attaches the namespace once it exists.
 */
@Injectable()
export class ChatBroadcaster {
  private readonly logger = new Logger('ChatBroadcaster');
  private server: ChatServer | null = null;

  attach(server: ChatServer): void {
    this.server = server;
  }

  /** One emit reaching every connection of every user in `userIds`. */
  toUsers<E extends ServerEventName>(userIds: Iterable<string>, event: E, payload: Parameters<ServerToClientEvents[E]>[0]): void {
    this.toRooms([...new Set(userIds)].map(userRoom), event, payload);
  }

  /** Closes every socket in `rooms`, on every instance (through Redis when configured). */
  disconnectRooms(rooms: string[]): void {
    if (!this.server || rooms.length === 0) return;
    try {
      this.server.in(rooms).disconnectSockets(true);
    } catch (error) {
      this.logger.error({ err: error, rooms }, 'Could not disconnect sockets');
    }
  }

  /**
   * One emit reaching only those connections of `userId` that are in `room` (e.g. its sockets that
   * follow someone's presence), on every instance. Asks the adapter which sockets those are (one
   * request to the other instances through Redis): for rare events only. Never rejects: a failure is
   * logged, as for every emit.
   */
  async toUserInRoom<E extends ServerEventName>(userId: string, room: string, event: E, payload: Parameters<ServerToClientEvents[E]>[0]): Promise<void> {
    if (!this.server) return;
    try {
      const ids = (await this.server.in(userRoom(userId)).fetchSockets()).filter((socket) => socket.rooms.has(room)).map((socket) => socket.id);
      if (ids.length > 0) this.server.to(ids).emit(event, ...([payload] as Parameters<ServerToClientEvents[E]>));
    } catch (error) {
      this.logger.error({ err: error, event }, `Could not emit "${event}"`);
    }
  }

  /** One emit reaching every connection in `rooms`, except those of `exceptUserIds`. */
  toRooms<E extends ServerEventName>(rooms: string[], event: E, payload: Parameters<ServerToClientEvents[E]>[0], exceptUserIds: string[] = []): void {
    // `to([])` would address the whole namespace: an event for nobody must reach nobody.
    if (!this.server || rooms.length === 0) return;
    try {
      const args = [payload] as Parameters<ServerToClientEvents[E]>;
      const target = this.server.to(rooms);
      (exceptUserIds.length > 0 ? target.except(exceptUserIds.map(userRoom)) : target).emit(event, ...args);
    } catch (error) {
      // Emitting follows a stored write; failing it must not fail the write (domain events run in its call).
      this.logger.error({ err: error, event }, `Could not emit "${event}"`);
    }
  }
}
