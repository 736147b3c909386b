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
    // Query strings may carry search text; keep the path only.
    serializers: {
      req: (request: { id: unknown; method: string; url: string }) => ({ id: request.id, method: request.method, path: request.url.split('?')[0] }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
    },
  };
  return { pinoHttp: destination ? [options, destination] : options };
}
