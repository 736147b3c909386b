import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptedRequestId, assignRequestId } from './request-id';

describe('acceptedRequestId', () => {
  it.each(['a', 'edge-7f3a.1_b', 'A'.repeat(64), '550e8400-e29b-41d4-a716-446655440000'])('keeps the sane token %s', (id) => {
    expect(acceptedRequestId(id)).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['65 characters', 'A'.repeat(65)],
    ['a space', 'has space'],
    ['a newline', 'line\nbreak'],
    ['a quote', 'quote"d'],
    ['a slash', 'a/b'],
    ['non-ASCII', 'idé'],
  ])('refuses one with %s', (_reason, id) => {
    expect(acceptedRequestId(id)).toBeUndefined();
  });

  it('refuses a repeated header (an array) and a missing one', () => {
    expect(acceptedRequestId(['a', 'b'])).toBeUndefined();
    expect(acceptedRequestId(undefined)).toBeUndefined();
  });
});

describe('assignRequestId', () => {
  const response = () => ({ headersSent: false, setHeader: jest.fn() }) as unknown as ServerResponse & { setHeader: jest.Mock };
  const request = (header?: string) => ({ headers: header === undefined ? {} : { 'x-request-id': header } }) as unknown as IncomingMessage & { id?: unknown };

  it('uses the sane incoming id, on the request and in the response header', () => {
    const sut = request('abc-1');
    const res = response();
    expect(assignRequestId(sut, res)).toBe('abc-1');
    expect(sut.id).toBe('abc-1');
    expect(res.setHeader).toHaveBeenCalledWith('X-Request-Id', 'abc-1');
  });

  it('makes a random UUID otherwise, different each time', () => {
    const first = assignRequestId(request('bad id'), response());
    const second = assignRequestId(request(), response());
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toMatch(/^[0-9a-f-]{36}$/);
    expect(first).not.toBe(second);
  });

  it('keeps an id already given (pino-http asks again)', () => {
    const sut = request('abc-1');
    const res = response();
    assignRequestId(sut, res);
    expect(assignRequestId(sut, res)).toBe('abc-1');
    expect(res.setHeader).toHaveBeenCalledTimes(1);
  });
});
