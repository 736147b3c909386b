import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetricsService } from './metrics.service';

/** The route label of requests no route matched (unknown paths, the web client's files, answers given before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

/** The catch-up route, counted on its own as well (`chatify_sync_requests_total`). */
export const SYNC_ROUTE = '/api/v1/sync';

/** What Express leaves on a request it routed: the matched route's pattern, under the router's mount path. */
interface RoutedRequest extends IncomingMessage {
  route?: { path?: unknown };
  baseUrl?: string;
}

/**
 * A pattern that is only a wildcard (`/{*path}`): Nest mounts module middleware (pino-http) on every
 * path that way, and Express then reports it as the request's route when no real route matched.
 */
const CATCH_ALL = /^\/?(\{\*\w*\}|\*\w*|\(\.\*\))$/;

/**
 * The route pattern a request matched (`/api/v1/conversations/:id/messages`), never its raw URL: ids
 * and query strings would make a series per request. `unmatched` when no route matched.
 */
export function routeLabel(request: RoutedRequest): string {
  const path = request.route?.path;
  if (typeof path !== 'string' || CATCH_ALL.test(path)) return UNMATCHED_ROUTE;
  return request.baseUrl ? request.baseUrl + path : path;
}

/** The outcome label of an answer: "ok" for 2xx, else its status. */
export function outcomeLabel(status: number): string {
  return status >= 200 && status < 300 ? 'ok' : String(status);
}

/**
 * Express middleware, installed before everything else: counts every answered request by method, route
 * pattern and status, and times it, once the answer is written (the route is known by then).
 */
export function httpMetricsMiddleware(metrics: MetricsService) {
  return (request: RoutedRequest, response: ServerResponse, next: () => void): void => {
    const start = performance.now();
    response.once('finish', () => {
      const route = routeLabel(request);
      const method = request.method ?? 'UNKNOWN';
      const status = response.statusCode;
      metrics.httpRequests.inc({ method, route, status: String(status) });
      metrics.httpSeconds.observe({ method, route }, (performance.now() - start) / 1000);
      if (route === SYNC_ROUTE) metrics.syncRequests.inc({ outcome: outcomeLabel(status) });
    });
    next();
  };
}
