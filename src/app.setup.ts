import { HttpStatus, INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { ChatIoAdapter } from './chat/chat-io.adapter';
import { reasonPhrase } from './common/filters/error-body';
import { requestIdMiddleware } from './common/logging/request-id';
import { createValidationPipe } from './common/pipes/validation';
import { SEND_MESSAGE_SHORTCUT } from './messages/dto/send-message.dto';
import { AppConfig } from './config/app-config';
import { IndexReadiness } from './database/index-readiness';
import { httpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsService } from './metrics/metrics.service';

/** Where the built web client lives (`npm run build:web`). */
export const WEB_ROOT = join(__dirname, '..', 'dist', 'web');

function bodyParserErrors(error: { type?: string; status?: number }, _request: Request, response: Response, next: NextFunction) {
  // Only the body parsers run before this handler; a body that fails to decompress has a 4xx status but no `type`.
  const clientError = typeof error?.status === 'number' && error.status >= 400 && error.status < 500;
  if (!error || typeof error !== 'object' || !('type' in error || clientError)) return next(error);
  const status =
    error.type === 'entity.too.large' ? HttpStatus.PAYLOAD_TOO_LARGE
    : error.type === 'entity.parse.failed' ? HttpStatus.BAD_REQUEST
    : (error.status ?? HttpStatus.BAD_REQUEST);
  const message =
    status === HttpStatus.PAYLOAD_TOO_LARGE ? 'Request body is too large'
    : error.type === 'entity.parse.failed' ? 'Request body is not valid JSON'
    : 'Request body could not be read';
  response.status(status).json({ statusCode: status, error: reasonPhrase(status), message });
}

/** 503 for every request until the database indexes exist (see IndexReadiness); then out of the way. */
function readinessGate(readiness: IndexReadiness) {
  return (_request: Request, response: Response, next: NextFunction) => {
    if (readiness.ready) return next();
    const status = HttpStatus.SERVICE_UNAVAILABLE;
    response.status(status).set('retry-after', '1').json({ statusCode: status, error: reasonPhrase(status), message: 'Starting: database indexes are being built' });
  };
}

/**
 * Everything about the HTTP surface that is not a module: body limits, security headers, CORS,
 * validation, docs, the web client. Shared by `main.ts` and the e2e tests so they run the same app.
 */
export function configureApp(app: NestExpressApplication): void {
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // First, so that every answer has an id and is counted, even one given before routing (503, 413).
  app.use(requestIdMiddleware);
  app.use(httpMetricsMiddleware(app.get(MetricsService)));
  app.use(readinessGate(app.get(IndexReadiness)));
  app.use(express.json({ limit: config.bodyLimitBytes, strict: true, type: contentTypeIs(['application/json', 'application/*+json']) }));
  app.use(express.urlencoded({ limit: config.bodyLimitBytes, extended: false, type: contentTypeIs(['application/x-www-form-urlencoded']) }));
  app.use(bodyParserErrors);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // The web client talks to its own origin only (REST and the Socket.IO WebSocket; CSP 3 lets
          // 'self' cover ws/wss of the same host), and shows its own images and inline SVG data.
          'connect-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          // Development runs on plain http://localhost; production sits behind TLS anyway.
          'upgrade-insecure-requests': config.isProduction ? [] : null,
        },
      },
      strictTransportSecurity: config.isProduction,
    }),
  );
  app.enableCors({ origin: config.corsOrigins === '*' ? true : config.corsOrigins, credentials: false });
  app.useGlobalPipes(createValidationPipe([SEND_MESSAGE_SHORTCUT]));
  // Socket.IO: JWT at the handshake, frame size and origins from config, Redis fan-out when configured.
  app.useWebSocketAdapter(new ChatIoAdapter(app));
  // The stop signals only: by default Nest also hooks SIGUSR2 and SIGHUP, so `node --heapsnapshot-signal=SIGUSR2` ended the server.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  if (config.swaggerEnabled) setupSwagger(app);
  // The web client's files. REST routes (`/api/…`) skip it: no file of the client lives there, and
  // looking one up costs every GET a file-system stat before the route is reached.
  const webClient = express.static(WEB_ROOT, { index: 'index.html', fallthrough: true, maxAge: config.isProduction ? '1h' : 0 });
  app.use((request: Request, response: Response, next: NextFunction) => (request.path.startsWith(API_PREFIX) ? next() : webClient(request, response, next)));
}

/** Where the REST API lives; the web client has no files under it. */
const API_PREFIX = '/api/';

/**
 * A body parser's content-type check, as body-parser makes it (`Boolean(typeis(request, types))`, asked
 * only of requests that have a body, so the answer depends on the Content-Type header alone), remembered
 * per header value: both parsers check every request, and clients send the same few values.
 */
function contentTypeIs(types: string[]): (request: IncomingMessage) => boolean {
  const known = new Map<string, boolean>();
  // The parsers are mounted on the Express app, so the request is Express's (`is` = type-is).
  const check = (request: IncomingMessage) => Boolean((request as Request).is(types));
  return (request) => {
    const header = request.headers['content-type'];
    if (header === undefined) return check(request);
    let matches = known.get(header);
    if (matches === undefined) {
      matches = check(request);
      // Header values come from clients: keep a few, never an unbounded set.
      if (known.size >= 32) known.clear();
      known.set(header, matches);
    }
    return matches;
  };
}

function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chatify API')
      .setDescription('REST API of Chatify. Realtime events are on the Socket.IO namespace /chat (see README).')
      .setVersion('1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
