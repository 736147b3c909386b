import { applyDecorators, BadRequestException, BeforeApplicationShutdown, Logger, UseFilters, UseGuards } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { runWithSocketLog } from '../common/logging/log-context';
import { createValidationPipe } from '../common/pipes/validation';
import { AppConfig } from '../config/app-config';
import type { DeliveredMarkResponse, ReadMarkResponse } from '../receipts/receipts.response';
import { SEND_MESSAGE_SHORTCUT, SendMessageDto } from '../messages/dto/send-message.dto';
import type { MessageResponse } from '../messages/message.response';
import { MessagesService } from '../messages/messages.service';
import { ReceiptsService } from '../receipts/receipts.service';
import { SyncService } from '../messages/sync.service';
import { MetricsService } from '../metrics/metrics.service';
import { UsersService } from '../users/users.service';
import { ok } from './chat.ack';
import { ChatBroadcaster } from './chat.broadcaster';
import { Ack, CHAT_NAMESPACE, ClientEventName, PresenceState } from './chat.events';
import { ChatServer, ChatSocket, presenceRoom, presenceRoomCount, sessionRoom, userRoom } from '../realtime/chat.socket';
import { DeleteMessagePayloadDto, EditMessagePayloadDto, ReactPayloadDto } from './dto/message-payloads.dto';
import { MarkPayloadDto, TypingPayloadDto } from './dto/conversation-payloads.dto';
import { PRESENCE_MAX_SUBSCRIPTIONS, PresenceSubscribePayloadDto } from './dto/presence-payloads.dto';
import { AcceptingEventsGuard } from '../realtime/accepting-events.guard';
import { ChatInstrumentation } from '../realtime/instrumentation';
import { ChatRedisFanout } from '../realtime/redis-fanout';
import { jittered } from '../realtime/handshake-pacer';
import { InFlightWork } from '../realtime/in-flight-work';
import { handshakeError, SocketAdmission } from '../realtime/socket-admission';
import { SocketExpiry } from '../realtime/socket-expiry';
import { SocketRateLimit } from '../realtime/socket-rate-limit.guard';
import { TypingRelayService } from './typing-relay.service';
import { WsExceptionFilter } from './ws-exception.filter';
import { WsJwtGuard } from './ws-jwt.guard';

/** Over how long clients told to catch up (`sync:required`) spread their syncs. */
const SYNC_REQUIRED_SPREAD_MS = 10_000;

/**
 * `@SubscribeMessage` restricted to the contract's client → server event names, refusing events once
 * shutdown began. Put it above a handler's other decorators: it is applied last, so its guard runs
 * after the class's (token expiry) and the handler's own (rate limit).
 */
const OnClientEvent = (event: ClientEventName) => applyDecorators(SubscribeMessage(event), UseGuards(AcceptingEventsGuard));

/** The same validation as HTTP; its 400 becomes an `{ ok: false }` ack through the filter. */
const validPayload = createValidationPipe([SEND_MESSAGE_SHORTCUT]);

/**
 * The Socket.IO API on `/chat` (docs/API-NOTES.md, "Realtime (/chat)"). Sockets are authenticated at the handshake
 * (ChatIoAdapter); each handler validates its payload, takes the socket's user and calls one service.
 * Server → client events come from domain events (ChatPublisher), never from here.
 */
@WebSocketGateway({ namespace: CHAT_NAMESPACE })
@UseGuards(WsJwtGuard)
@UseFilters(WsExceptionFilter)
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown {
  private readonly logger = new Logger('ChatGateway');
  /** Closes each socket at its access token's expiry (one timer for all of them). */
  private readonly expiry = new SocketExpiry<ChatSocket>();

  @WebSocketServer()
  server: ChatServer;

  constructor(
    private readonly messages: MessagesService,
    private readonly receipts: ReceiptsService,
    private readonly users: UsersService,
    private readonly typingRelay: TypingRelayService,
    private readonly broadcaster: ChatBroadcaster,
    private readonly work: InFlightWork,
    private readonly admission: SocketAdmission,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly fanout: ChatRedisFanout,
    private readonly syncs: SyncService,
    private readonly instrumentation: ChatInstrumentation,
  ) {}

  afterInit(server: ChatServer): void {
    this.broadcaster.attach(server);
    const { delayMs, randomizationFactor } = this.config.wsReconnect;
    // Runs after the handshake's token check (registered by the adapter, before this).
    server.use((_socket, next) => {
      if (!this.work.closing) return next();
      this.metrics.handshakes.inc({ outcome: 'closing' });
      next(Object.assign(new Error('Server is shutting down'), { data: { status: 503, retryAfterMs: jittered(delayMs, randomizationFactor) } }));
    });
    // Last, so that a socket it admits connects: live session, and the per-user socket cap.
    server.use((socket, next) => {
      this.admission.admit(socket).then(
        () => {
          this.metrics.handshakes.inc({ outcome: 'accepted' });
          next();
        },
        (error: unknown) => {
          const refusal = handshakeError(error);
          const { status } = refusal.data;
          this.metrics.handshakes.inc({ outcome: status === 401 ? 'unauthorized' : status === 429 ? 'too_many' : 'unavailable' });
          // A database outage: come back later, spread out like any other refused handshake.
          if (status === 503) refusal.data.retryAfterMs = jittered(delayMs, randomizationFactor);
          next(refusal);
        },
      );
    });
    // After the middlewares above: the instrumentation's log-context middleware must be the last one.
    this.instrumentation.attach(server);
    // Redis was away: other instances' events did not reach these sockets (and ours not theirs).
    // Every client of every instance hears it at once: they spread their catch-ups over a few seconds.
    this.fanout.onRecovered(({ since }) => server.emit('sync:required', { spreadMs: SYNC_REQUIRED_SPREAD_MS, since: since.toISOString(), cursor: this.syncs.cursorSince(since) }));
  }

  /**
   * Joins the user's room and its session's room (logout and a revoked session close the socket
   * through it), tells the client how to back off when it has to reconnect, and closes the socket
   * when its access token expires: a silent socket must not keep receiving events on a token that no
   * longer holds. The client reconnects with a fresh token.
   */
  handleConnection(socket: ChatSocket): void {
    const { userId, sessionId, exp } = socket.data.user;
    void socket.join([userRoom(userId), sessionRoom(sessionId)]);
    this.metrics.socketConnections.inc();
    socket.emit('reconnect:policy', this.config.wsReconnect);
    this.expiry.add(socket, exp * 1000);
    void this.users.connectionOpened(userId);
  }

  /** What a socket holds here is let go in this one hook (no `disconnect` listener per socket). */
  handleDisconnect(socket: ChatSocket): void {
    const { userId, exp } = socket.data.user;
    this.expiry.remove(socket, exp * 1000);
    this.admission.release(userId);
    this.metrics.socketConnections.dec();
    // In the socket's log context: the lines of the last-seen write carry socketId and userId.
    void runWithSocketLog(socket, () =>
      this.work.track(this.users.connectionClosed(userId)).catch((error: unknown) => {
        this.logger.error({ err: error }, 'Could not record a closed connection');
      }),
    );
  }

  @OnClientEvent('message:send')
  @SocketRateLimit('send')
  async send(@ConnectedSocket() socket: ChatSocket, @MessageBody(validPayload) payload: SendMessageDto): Promise<Ack<MessageResponse>> {
    const { message } = await this.messages.send(socket.data.user.userId, payload);
    return ok(message);
  }

  @OnClientEvent('message:edit')
  @SocketRateLimit('edit')
  async edit(@ConnectedSocket() socket: ChatSocket, @MessageBody(validPayload) payload: EditMessagePayloadDto): Promise<Ack<MessageResponse>> {
    return ok(await this.messages.edit(socket.data.user.userId, payload.messageId, payload.text));
  }

  @OnClientEvent('message:delete')
  @SocketRateLimit('edit')
  async remove(@ConnectedSocket() socket: ChatSocket, @MessageBody(validPayload) payload: DeleteMessagePayloadDto): Promise<Ack<{ id: string }>> {
    await this.messages.remove(socket.data.user.userId, payload.messageId);
    return ok({ id: payload.messageId });
  }

  @OnClientEvent('message:react')
  @SocketRateLimit('reaction')
  async react(@ConnectedSocket() socket: ChatSocket, @MessageBody(validPayload) payload: ReactPayloadDto): Promise<Ack<MessageResponse>> {
    return ok(await this.messages.react(socket.data.user.userId, payload.messageId, payload.emoji, payload.on));
  }

  @OnClientEvent('conversation:delivered')
  @SocketRateLimit('mark')
  async delivered(@ConnectedSocket() socket: ChatSocket, @MessageBody(validPayload) payload: MarkPayloadDto): Promise<Ack<DeliveredMarkResponse>> {
    return ok(await this.receipts.markDelivered(socket.data.user.userId, payload.conversationId, payload.messageId));
  }

  @OnClientEvent('conversation:read')
  @SocketRateLimit('mark')
  async read(@ConnectedSocket() socket: ChatSocket, @MessageBody(validPayload) payload: MarkPayloadDto): Promise<Ack<ReadMarkResponse>> {
    return ok(await this.receipts.markRead(socket.data.user.userId, payload.conversationId, payload.messageId));
  }

  @OnClientEvent('typing')
  @SocketRateLimit('typing')
  async typing(@ConnectedSocket() socket: ChatSocket, @MessageBody(validPayload) payload: TypingPayloadDto): Promise<Ack<Record<string, never>>> {
    await this.typingRelay.relay(socket, payload);
    return ok({});
  }

  /** Joins the subscribed users' presence rooms first, then reads their state: no change falls in between. */
  @OnClientEvent('presence:subscribe')
  @SocketRateLimit('presence')
  async presenceSubscribe(@ConnectedSocket() socket: ChatSocket, @MessageBody(validPayload) payload: PresenceSubscribePayloadDto): Promise<Ack<PresenceState[]>> {
    const userIds = [...new Set(payload.userIds)];
    const rooms = userIds.map(presenceRoom).filter((room) => !socket.rooms.has(room));
    if (presenceRoomCount(socket) + rooms.length > PRESENCE_MAX_SUBSCRIPTIONS) {
      throw new BadRequestException(`A connection may follow the presence of at most ${PRESENCE_MAX_SUBSCRIPTIONS} users`);
    }
    await socket.join(rooms);
    // Users with a block between them and the caller are answered offline, and their events never come.
    return ok(await this.users.presenceOf(socket.data.user.userId, userIds));
  }

  /**
   * Graceful shutdown (SIGTERM; before Nest closes the servers and then the database): refuse new
   * connections and events, let accepted handler writes finish and their messages be announced (up
   * to SHUTDOWN_TIMEOUT_MS), then close this instance's sockets and wait for their last-seen writes.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.work.close();
    const deadline = Date.now() + this.config.shutdownTimeoutMs;
    if (!(await this.work.drain(deadline - Date.now()))) {
      this.logger.warn(`Shutting down with ${this.work.size} socket handler(s) still running`);
    }
    // Senders are answered before their messages are announced: the announcements go out before the sockets close.
    void this.work.track(this.messages.settled());
    await this.work.drain(Math.max(0, deadline - Date.now()));
    // `local`: with the Redis adapter a plain disconnectSockets() would close every instance's sockets.
    this.server?.local.disconnectSockets(true);
    await this.work.drain(Math.max(0, deadline - Date.now()));
  }
}
