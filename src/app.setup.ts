import { HttpStatus, INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { Logger } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { ChatIoAdapter } from './realtime/chat-io.adapter';
import { reasonPhrase } from './common/filters/error-body';
import { requestIdMiddleware } from './common/logging/request-id';
import { MAX_NESTING_DEPTH, nestedDeeperThan } from './common/nesting-depth';
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
    error.type === 'entity.too.large' ? HttpStatus.PAYLOAD_TOO_LARGE : error.type === 'entity.parse.failed' ? HttpStatus.BAD_REQUEST : (error.status ?? HttpStatus.BAD_REQUEST);
  const message =
    status === HttpStatus.PAYLOAD_TOO_LARGE
      ? 'Request body is too large'
      : error.type === 'entity.parse.failed'
        ? 'Request body is not valid JSON'
        : 'Request body could not be read';
  response.status(status).json({ statusCode: status, error: reasonPhrase(status), message });
}

/**
 * A parsed body nested deeper than MAX_NESTING_DEPTH is answered 400 here, after the parser and before
 * anything walks it (validation would overflow its stack: a 500). A client error: nothing is logged.
 */
function bodyNestingLimit(request: Request, response: Response, next: NextFunction) {
  if (!nestedDeeperThan(request.body, MAX_NESTING_DEPTH)) return next();
  const status = HttpStatus.BAD_REQUEST;
  response.status(status).json({ statusCode: status, error: reasonPhrase(status), message: `Request body is nested more than ${MAX_NESTING_DEPTH} levels deep` });
}

/** 503 for every request until the database indexes exist (see IndexReadiness); then out of the way. */
function readinessGate(readiness: IndexReadiness) {
  return (_request: Request, response: Response, next: NextFunction) => {
    if (readiness.ready) return next();
    const status = HttpStatus.SERVICE_UNAVAILABLE;
    response
      .status(status)
      .set('retry-after', '1')
      .json({ statusCode: status, error: reasonPhrase(status), message: 'Starting: database indexes are being built' });
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
  // Middleware that runs for every request shares a few Express layers (`inSequence`): the router's
  // walk costs every layer a few microseconds per request, the work inside is the same and in the same order.
  // First, so that every answer has an id and is counted, even one given before routing (503, 413).
  app.use(
    inSequence([
      requestIdMiddleware,
      httpMetricsMiddleware(app.get(MetricsService)),
      readinessGate(app.get(IndexReadiness)),
      etagOnlyForReads(app.getHttpAdapter().getInstance() as express.Express),
    ]),
  );
  app.use(
    inSequence([
      express.json({ limit: config.bodyLimitBytes, strict: true, type: contentTypeIs(['application/json', 'application/*+json']) }),
      express.urlencoded({ limit: config.bodyLimitBytes, extended: false, type: contentTypeIs(['application/x-www-form-urlencoded']) }),
      bodyNestingLimit,
    ]),
  );
  app.use(bodyParserErrors);
  app.use(fixedHeaders(helmet(helmetOptions(config))));
  app.enableCors({ origin: config.corsOrigins === '*' ? true : config.corsOrigins, credentials: false });
  app.useGlobalPipes(createValidationPipe([SEND_MESSAGE_SHORTCUT]));
  // Socket.IO: JWT at the handshake, frame size and origins from config, Redis fan-out when configured.
  app.useWebSocketAdapter(new ChatIoAdapter(app));
  // The stop signals only: by default Nest also hooks SIGUSR2 and SIGHUP, so `node --heapsnapshot-signal=SIGUSR2` ended the server.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  if (config.swaggerEnabled) setupSwagger(app);
  // The web client's files. REST routes (`/api/…`) skip it: no file of the client lives there, and
  // looking one up costs every GET a file-system stat before the route is reached.
  const webClient: RequestHandler = express.static(WEB_ROOT, { index: 'index.html', fallthrough: true, maxAge: config.isProduction ? '1h' : 0 });
  app.use((request: Request, response: Response, next: NextFunction) => (request.path.startsWith(API_PREFIX) ? next() : webClient(request, response, next)));
}

/** Helmet's options: the security headers of every answer. */
export function helmetOptions(config: Pick<AppConfig, 'isProduction'>): HelmetOptions {
  return {
    contentSecurityPolicy: {
      directives: {
        // The web client talks to its own origin only (REST and the Socket.IO WebSocket; CSP 3 lets
        // 'self' cover ws/wss of the same host), and shows its own images and inline SVG data.
        'connect-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        // Its own scripts and style sheet only: no inline script or style, no eval (helmet's defaults
        // keep 'script-src' to 'self' and 'script-src-attr' to 'none', but allow inline styles and any
        // https: style sheet or font). Styles the client sets from script (CSSOM: `element.style`,
        // `style.setProperty`) are not inline styles and need no exception; it loads no web font.
        'style-src': ["'self'"],
        'font-src': ["'self'"],
        // Development runs on plain http://localhost; production sits behind TLS anyway.
        'upgrade-insecure-requests': config.isProduction ? [] : null,
      },
    },
    strictTransportSecurity: config.isProduction,
  };
}

type Middleware = (request: Request, response: Response, next: NextFunction) => void;

/**
 * Several middleware functions as one Express layer, each called as Express would call it, in order:
 * anything passed to `next` (an error, or 'route' / 'router') leaves the sequence for Express to
 * handle, as does an error thrown; one that answers without calling `next` ends the chain.
 */
export function inSequence(middlewares: readonly Middleware[]): Middleware {
  return (request, response, next) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error) return next(error);
      const middleware = middlewares[index++];
      if (middleware === undefined) return next();
      // As Express's own layers: a throw becomes `next(error)`, also when this step runs later (a body
      // parser calls `step` once the body is read, outside Express's call of this layer).
      try {
        middleware(request, response, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}

/**
 * A header-setting middleware whose headers do not depend on the request (helmet with the options
 * above: no nonce, no directive computed per request), run once at start-up against a recording
 * response; each request then gets the recorded header operations replayed in the same order. The
 * spec checks that helmet sets exactly these on real requests.
 */
export function fixedHeaders(middleware: Middleware): Middleware {
  const operations: Array<readonly [name: string, value: string | number | readonly string[] | undefined]> = [];
  let nextCalled = false;
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => operations.push([name, value]),
    removeHeader: (name: string) => operations.push([name, undefined]),
  };
  middleware({ headers: {}, method: 'GET', url: '/' } as Request, recorder as unknown as Response, (error?: unknown) => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows whatever the middleware passed to next(), as Express would
    if (error) throw error;
    nextCalled = true;
  });
  if (!nextCalled) throw new Error('fixedHeaders: the middleware did not finish synchronously');
  return (_request, response, next) => {
    for (const [name, value] of operations) {
      if (value === undefined) response.removeHeader(name);
      else response.setHeader(name, value);
    }
    next();
  };
}

/**
 * Express hashes every answer's body for an ETag, but only answers to GET and HEAD can be revalidated
 * (`If-None-Match`: Express checks freshness for those two methods only), so the ETag of a 201 to a
 * POST is hashing nobody uses. Answers to other methods see the app through a view whose `etag fn`
 * is unset (Express reads it from `response.app`); GET and HEAD answers keep theirs.
 */
export function etagOnlyForReads(expressApp: express.Express): Middleware {
  const settings = Object.create(expressApp.settings as object, { 'etag fn': { value: undefined } }) as object;
  const withoutEtag = Object.create(expressApp, { settings: { value: settings } }) as express.Application;
  return (request, response, next) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') response.app = withoutEtag;
    next();
  };
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
