import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import type { AppConfig } from '../../config/app-config';
import { assignRequestId } from './request-id';

/**
 * nestjs-pino's settings: one JSON line per log call; every line written while a request is handled
 * carries `req: { id, method, path }` (the id also answered as `X-Request-Id`), every line written while
 * a socket event, connection or disconnect is handled carries `socketId` and `userId` (log-context.ts).
 * `destination`: where lines go instead of stdout (tests read them).
 */
export function loggerParams(config: Pick<AppConfig, 'logLevel'>, destination?: DestinationStream): Params {
  const options: Options = {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
    autoLogging: { ignore: (request) => request.url === '/health' },
    // Set by requestIdMiddleware before anything else; this covers a request that bypassed it.
    genReqId: (request, response) => assignRequestId(request, response),
    // Query strings may carry search text; keep the path only. The serializers get the raw request and
    // response (`wrapSerializers: false`): pino-http would otherwise first build pino's full request
    // object for each one — headers, parsed query, socket address — only for these to pick three fields.
    // Express's `originalUrl` is the URL as it arrived (a mounted middleware sees `url` cut).
    wrapSerializers: false,
    serializers: {
      req: (request: { id: unknown; method: string; url: string; originalUrl?: string }) => ({
        id: request.id,
        method: request.method,
        path: pathOf(request.originalUrl || request.url),
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
    },
    // The access line ("request completed" / "request errored") is written at info: below that level it
    // is not built at all (pino-http would make its objects and message for a call that writes nothing).
    customLogLevel: (_request, response) => (response.log?.isLevelEnabled('info') === false ? 'silent' : 'info'),
  };
  return { pinoHttp: destination ? [options, destination] : options };
}

/** The path of a request URL, without its query string. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
