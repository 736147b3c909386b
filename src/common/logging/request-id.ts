import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** A caller's request id is kept when it is a plain token: no spaces, quotes or control characters in the log. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The incoming `X-Request-Id` when it is a sane token (≤ 64 of [A-Za-z0-9._-]), else undefined. */
export function acceptedRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : undefined;
}

/**
 * Gives the request its id (the caller's `X-Request-Id` when sane, else a random UUID) and answers it in
 * the `X-Request-Id` response header. pino-http keeps an id already set (`req.id`), so every log line of
 * the request carries this one as `req.id`. Idempotent.
 */
export function assignRequestId(request: IncomingMessage & { id?: unknown }, response: ServerResponse): string {
  if (typeof request.id === 'string') return request.id;
  const id = acceptedRequestId(request.headers['x-request-id']) ?? randomUUID();
  request.id = id;
  if (!response.headersSent) response.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** Express middleware: first of all, so that every answer (even a 503 or a 413 before routing) has an id. */
export function requestIdMiddleware(request: IncomingMessage & { id?: unknown }, response: ServerResponse, next: () => void): void {
  assignRequestId(request, response);
  next();
}
