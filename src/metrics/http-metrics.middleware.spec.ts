import type { IncomingMessage } from 'node:http';
import { outcomeLabel, routeLabel, UNMATCHED_ROUTE } from './http-metrics.middleware';

const routed = (route?: { path?: unknown }, baseUrl = '') => ({ route, baseUrl }) as unknown as IncomingMessage;

describe('routeLabel', () => {
  it('is the matched route pattern, not the URL', () => {
    expect(routeLabel(routed({ path: '/api/v1/conversations/:id/messages' }))).toBe('/api/v1/conversations/:id/messages');
  });

  it('prefixes the mount path of a sub-router', () => {
    expect(routeLabel(routed({ path: '/:id' }, '/api/v1/users'))).toBe('/api/v1/users/:id');
  });

  it('is "unmatched" without a route, or with a non-string pattern (a RegExp route)', () => {
    expect(routeLabel(routed(undefined))).toBe(UNMATCHED_ROUTE);
    expect(routeLabel(routed({ path: /x/ }))).toBe(UNMATCHED_ROUTE);
  });

  it.each(['/{*path}', '{*path}', '/*path', '*', '/(.*)'])('is "unmatched" for the catch-all %s that module middleware is mounted on', (path) => {
    expect(routeLabel(routed({ path }))).toBe(UNMATCHED_ROUTE);
  });

  it('keeps a route that only ends in a wildcard', () => {
    expect(routeLabel(routed({ path: '/docs/{*path}' }))).toBe('/docs/{*path}');
  });
});

describe('outcomeLabel', () => {
  it('is "ok" for 2xx and the status otherwise', () => {
    expect([200, 201, 204, 400, 410, 429, 500, 503].map(outcomeLabel)).toEqual(['ok', 'ok', 'ok', '400', '410', '429', '500', '503']);
  });
});
