import { STATUS_CODES } from 'node:http';
import type { Response } from 'supertest';

/** Asserts the contract's error shape `{ statusCode, error, message }` and nothing else. */
export function expectErrorBody(response: Response, status: number, message?: string | RegExp): void {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: { statusCode: status, error: STATUS_CODES[status], message: expect.anything() },
  });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const text = response.body.message;
  expect(typeof text === 'string' || (Array.isArray(text) && text.every((line: unknown) => typeof line === 'string'))).toBe(true);
  if (typeof message === 'string') expect(text).toBe(message);
  if (message instanceof RegExp) expect(Array.isArray(text) ? text.join('\n') : text).toMatch(message);
}

/** Field names and values of stored credentials: none may appear in any response. */
const SECRET_MARKERS = [/passwordHash/i, /tokenHash/i, /familyId/i, /rotatedAt/i, /revokedAt/i, /nameLower/, /\$2[aby]\$\d\d\$/];

/** Fails when the response text carries password or refresh-token data (field names, bcrypt hashes, or any of `values`). */
export function expectNoSecrets(response: Response, values: string[] = []): void {
  const text = response.text ?? '';
  for (const marker of SECRET_MARKERS) expect(text).not.toMatch(marker);
  for (const value of values) expect(text).not.toContain(value);
}

/** Fails when an error body shows stack frames, file paths or driver internals. */
export function expectNoInternals(response: Response): void {
  const text = response.text ?? '';
  expect(text).not.toMatch(/\s+at\s+\S+\s+\(|node_modules|\/work\/|\/src\/|\/dist\/|\.ts:\d+|\.js:\d+|Mongo\w*Error|E11000|stack/i);
}
