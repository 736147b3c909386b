import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';
import { TokenService } from '../auth/token.service';
import { AppConfig } from '../config/app-config';
import { CHAT_NAMESPACE } from './chat.events';
import { ChatRedisFanout } from './chat-redis.fanout';
import type { ChatServer, ChatSocket } from './chat.socket';

/** `auth: { token }` (what the web client sends) or an `Authorization: Bearer …` header. */
function handshakeToken(socket: ChatSocket): unknown {
  const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (fromAuth !== undefined) return fromAuth;
  const header = socket.handshake.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * Browsers send an Origin with every WebSocket handshake. Allowed: listed origins, the app's own origin
 * (the web client it serves, whatever host name it is reached by), and clients that send no Origin at
 * all (servers, mobile apps: not browsers, so no other site's page can be acting through them).
 */
function originAllowed(request: IncomingMessage, origins: string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || origins.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * The Socket.IO server of the app: frame size and allowed origins from config, Redis fan-out when
 * configured, and the JWT check on `/chat` at the handshake, so an unauthenticated socket never
 * connects and never joins a room (`connect_error` with message `Unauthorized`).
 */
export class ChatIoAdapter extends IoAdapter {
  constructor(private readonly app: INestApplication) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const config = this.app.get(AppConfig);
    const tokens = this.app.get(TokenService, { strict: false });
    const fanout = this.app.get(ChatRedisFanout, { strict: false });
    const origins = config.corsOrigins;
    const server: Server = super.createIOServer(port, {
      ...options,
      serveClient: false,
      maxHttpBufferSize: config.wsMaxPayloadBytes,
      cors: { origin: origins === '*' ? true : origins, credentials: false },
      // CORS headers only bind browsers' polling requests; WebSocket upgrades are checked here.
      allowRequest: (request: IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void) => {
        const allowed = origins === '*' || originAllowed(request, origins);
        callback(allowed ? null : 'Origin not allowed', allowed);
      },
    });
    const redisAdapter = fanout.createAdapter();
    if (redisAdapter) server.adapter(redisAdapter);
    (server.of(CHAT_NAMESPACE) as ChatServer).use((socket, next) => {
      try {
        socket.data.user = tokens.verifyAccessToken(handshakeToken(socket));
        next();
      } catch {
        const error = Object.assign(new Error('Unauthorized'), { data: { status: 401 } });
        next(error);
      }
    });
    return server;
  }
}
