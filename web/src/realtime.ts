/**
 * The Socket.IO connection to the `/chat` namespace, typed by the shared event contract.
 *
 * Reconnection: Socket.IO retries dropped transports by itself. A handshake refused with `Unauthorized`
 * (expired access token) is not retried by Socket.IO, so we refresh the token, put it in `socket.auth`
 * and connect again. When the browser reports it went offline the socket is closed at once (rather than
 * waiting for the ping timeout) and reopened when it comes back; every (re)connect triggers a catch-up.
 *
 * Back-off: the server advertises its policy on every connection (`reconnect:policy`), applied to
 * Socket.IO's own retries; a refused handshake may name the wait (`data.retryAfterMs`, already
 * jittered), and a server-side close (a shutdown, an expired token) waits a random part of the first
 * delay, so that the clients of one instance do not all come back in the same instant.
 */
import type { Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ReconnectPolicy, ServerToClientEvents, SyncRequiredEvent } from '../../src/contract';
import { SessionExpiredError, type Session } from './session.js';
import { io } from './vendor/socket.io.esm.min.js';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ConnectionState = 'connecting' | 'online' | 'offline';

type Emits = ClientToServerEvents;
type PayloadOf<E extends keyof Emits> = Parameters<Emits[E]>[0];
type AckDataOf<E extends keyof Emits> = Parameters<Emits[E]>[1] extends (answer: Ack<infer T>) => void ? T : never;

/** A failed socket request: the server's `{ ok: false }` answer, or status 0 when there was no answer. */
export class SocketRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RealtimeHandlers {
  /** After every successful (re)connect; `first` is true only for the first one. */
  onConnect(first: boolean): void;
  /** The server may have missed events for us (`sync:required`): catch up now. */
  onSyncRequired(event: SyncRequiredEvent): void;
  onStateChange(state: ConnectionState): void;
}

const REQUEST_TIMEOUT_MS = 10_000;
/** Until the first connection tells us the server's policy. */
const DEFAULT_POLICY: ReconnectPolicy = { delayMs: 1_000, maxDelayMs: 10_000, randomizationFactor: 0.5 };

export class Realtime {
  private socket: ChatSocket | null = null;
  private connectedOnce = false;
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private authFailures = 0;
  private policy: ReconnectPolicy = DEFAULT_POLICY;
  private unsubscribeSession: (() => void) | null = null;
  private readonly onOffline = () => this.browserWentOffline();
  private readonly onOnline = () => this.browserCameOnline();

  constructor(
    private readonly session: Session,
    private readonly handlers: RealtimeHandlers,
  ) {}

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Opens the connection; `register` adds the server → client event listeners to the new socket. */
  async start(register: (socket: ChatSocket) => void): Promise<void> {
    this.stopped = false;
    this.handlers.onStateChange('connecting');
    // A fresh token if we can get one; otherwise the stored one (a refused handshake refreshes it later).
    const token = await this.session.accessToken().catch(() => this.session.get()?.accessToken ?? '');
    if (this.stopped) return;
    const socket: ChatSocket = io('/chat', {
      auth: { token },
      transports: ['websocket'],
      reconnectionDelay: this.policy.delayMs,
      reconnectionDelayMax: this.policy.maxDelayMs,
      randomizationFactor: this.policy.randomizationFactor,
      autoConnect: false,
    });
    this.socket = socket;
    register(socket);

    socket.on('connect', () => {
      this.authFailures = 0;
      const first = !this.connectedOnce;
      this.connectedOnce = true;
      this.handlers.onStateChange('online');
      this.handlers.onConnect(first);
    });
    socket.on('reconnect:policy', (policy) => this.applyPolicy(socket, policy));
    socket.on('sync:required', (event) => {
      // Every client got this at once: catch up at a random moment within the server's spread.
      const spreadMs = Math.min(Math.max(Number(event?.spreadMs) || 0, 0), 30_000);
      setTimeout(() => {
        if (!this.stopped && this.socket === socket) this.handlers.onSyncRequired(event);
      }, Math.random() * spreadMs);
    });
    socket.on('disconnect', (reason) => {
      if (this.stopped) return;
      this.handlers.onStateChange(navigator.onLine ? 'connecting' : 'offline');
      // The server closed us (e.g. it is shutting down, or the access token expired): Socket.IO will
      // not retry by itself. Every client of that server got the same close: spread them out.
      if (reason === 'io server disconnect') {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => void this.reconnectWithFreshToken(null), Math.random() * this.policy.delayMs);
      }
    });
    socket.on('connect_error', (error) => {
      if (this.stopped) return;
      this.handlers.onStateChange(navigator.onLine ? 'connecting' : 'offline');
      if (socket.active) return; // a transport error: Socket.IO retries on its own
      if (/unauthori[sz]ed/i.test(error.message)) void this.reconnectWithFreshToken(this.handshakeToken());
      else this.retryLater(retryAfter(error) ?? this.jitteredDelay());
    });
    // Keep the handshake token current for Socket.IO's own reconnection attempts.
    this.unsubscribeSession = this.session.onChange((next) => {
      if (next && this.socket) this.socket.auth = { token: next.accessToken };
    });
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
    if (navigator.onLine) socket.connect();
    else this.handlers.onStateChange('offline');
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    this.unsubscribeSession?.();
    this.unsubscribeSession = null;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.connectedOnce = false;
  }

  /** Emits a client → server event and resolves with the ack's data; rejects with SocketRequestError. */
  async request<E extends keyof Emits>(event: E, payload: PayloadOf<E>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<AckDataOf<E>> {
    const socket = this.socket;
    if (!socket?.connected) throw new SocketRequestError(0, 'Not connected');
    let answer: Ack<AckDataOf<E>>;
    try {
      // The generic event map cannot be narrowed through `E` here; the public signature keeps callers typed.
      const timed = socket.timeout(timeoutMs);
      // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(timed, …) below
      const emitWithAck = timed.emitWithAck as unknown as (event: E, payload: PayloadOf<E>) => Promise<Ack<AckDataOf<E>>>;
      answer = await emitWithAck.call(timed, event, payload);
    } catch {
      throw new SocketRequestError(0, 'The server did not answer in time');
    }
    if (answer.ok) return answer.data;
    const message = Array.isArray(answer.error.message) ? answer.error.message.join('. ') : answer.error.message;
    // 401: the token this socket was opened with expired; the server drops the socket and the
    // 'disconnect' handler reconnects with the current token.
    throw new SocketRequestError(answer.error.status, message);
  }

  private handshakeToken(): string | undefined {
    const auth = this.socket?.auth;
    return auth && typeof auth === 'object' && 'token' in auth && typeof auth.token === 'string' ? auth.token : undefined;
  }

  /**
   * `rejectedToken`: the token a handshake was refused with (refresh unless another tab or the timer
   * already did); `null`: the server dropped us, so just make sure the token is not about to expire.
   */
  private async reconnectWithFreshToken(rejectedToken: string | undefined | null): Promise<void> {
    const socket = this.socket;
    if (!socket || this.stopped) return;
    this.authFailures += 1;
    if (this.authFailures > 3) {
      // Refreshing did not help three times in a row: back off instead of hammering the server.
      this.authFailures = 0;
      this.retryLater(10_000);
      return;
    }
    try {
      const token = rejectedToken === null ? await this.session.accessToken() : (await this.session.refresh(rejectedToken)).accessToken;
      if (this.stopped || socket !== this.socket) return;
      socket.auth = { token };
      if (navigator.onLine) socket.connect();
    } catch (error) {
      if (error instanceof SessionExpiredError) return; // the app shows the login form
      this.retryLater();
    }
  }

  private applyPolicy(socket: ChatSocket, policy: ReconnectPolicy): void {
    if (!(policy.delayMs > 0 && policy.maxDelayMs >= policy.delayMs && policy.randomizationFactor >= 0 && policy.randomizationFactor <= 1)) return;
    this.policy = policy;
    socket.io.reconnectionDelay(policy.delayMs);
    socket.io.reconnectionDelayMax(policy.maxDelayMs);
    socket.io.randomizationFactor(policy.randomizationFactor);
  }

  /** The first delay of the policy, within ± its randomization. */
  private jitteredDelay(): number {
    const { delayMs, randomizationFactor } = this.policy;
    return delayMs * (1 + randomizationFactor * (2 * Math.random() - 1));
  }

  private retryLater(delay = 2_000): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped && this.socket && !this.socket.connected && navigator.onLine) this.socket.connect();
    }, delay);
  }

  private browserWentOffline(): void {
    if (!this.socket || this.stopped) return;
    // The connection is gone anyway; closing it now marks pending sends and starts catch-up on return.
    this.socket.disconnect();
    this.handlers.onStateChange('offline');
  }

  private browserCameOnline(): void {
    if (!this.socket || this.stopped || this.socket.connected) return;
    this.handlers.onStateChange('connecting');
    void this.session
      .accessToken()
      .then((token) => {
        if (!this.socket || this.stopped) return;
        this.socket.auth = { token };
        this.socket.connect();
      })
      .catch(() => this.retryLater());
  }
}

/** The wait a refused handshake asked for (`connect_error` with `data.retryAfterMs`), if any. */
function retryAfter(error: Error): number | undefined {
  const data = (error as Error & { data?: { retryAfterMs?: unknown } }).data;
  const ms = data?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 60_000) : undefined;
}
