import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { etagOnlyForReads, fixedHeaders, helmetOptions, inSequence } from './app.setup';

/** A response that records the header operations made on it, in order. */
function recordingResponse() {
  const operations: unknown[][] = [];
  const response = {
    setHeader: (name: string, value: unknown) => operations.push(['set', name, value]),
    removeHeader: (name: string) => operations.push(['remove', name]),
  } as unknown as Response;
  return { response, operations };
}

describe('fixedHeaders(helmet)', () => {
  const requests = [
    { method: 'GET', url: '/', headers: {} },
    { method: 'POST', url: '/api/v1/messages', headers: { origin: 'http://localhost:3000', 'content-type': 'application/json' } },
    { method: 'OPTIONS', url: '/api/v1/users?q=x', headers: { origin: 'https://elsewhere.example', 'x-forwarded-proto': 'https' } },
  ] as unknown as Request[];

  it.each([false, true])('sets exactly what helmet sets, in the same order, on any request (production: %s)', (isProduction) => {
    const real = helmet(helmetOptions({ isProduction }));
    const sut = fixedHeaders(real);
    for (const req of requests) {
      const byHelmet = recordingResponse();
      const byReplay = recordingResponse();
      const helmetNext = jest.fn();
      const replayNext = jest.fn();
      real(req, byHelmet.response, helmetNext);
      sut(req, byReplay.response, replayNext);
      expect(byReplay.operations).toEqual(byHelmet.operations);
      expect(byReplay.operations.length).toBeGreaterThan(10);
      expect(replayNext).toHaveBeenCalledWith();
      expect(helmetNext).toHaveBeenCalledWith();
    }
  });

  it('refuses, at start-up, a middleware that does not finish at once', () => {
    expect(() => fixedHeaders(() => undefined)).toThrow(/did not finish/);
  });
});

describe('inSequence', () => {
  const req = {} as Request;
  const res = {} as Response;

  it('calls each middleware in order, then the next layer', () => {
    const calls: string[] = [];
    const step = (name: string) => (_q: Request, _s: Response, next: NextFunction) => (calls.push(name), next());
    const next = jest.fn(() => calls.push('next'));
    inSequence([step('a'), step('b'), step('c')])(req, res, next);
    expect(calls).toEqual(['a', 'b', 'c', 'next']);
    expect(next).toHaveBeenCalledWith();
  });

  it('hands an error to Express and skips the rest', () => {
    const error = new Error('bad body');
    const last = jest.fn();
    const next = jest.fn();
    inSequence([(_q, _s, n) => n(), (_q, _s, n) => n(error), last])(req, res, next);
    expect(last).not.toHaveBeenCalled();
    expect(next).toHaveBeenCalledWith(error);
  });

  it('stops where a middleware answers without calling next, also asynchronously', async () => {
    const last = jest.fn();
    const next = jest.fn();
    let resume: NextFunction = () => undefined;
    inSequence([(_q, _s, n) => (resume = n), (_q, _s) => undefined, last])(req, res, next);
    resume();
    await Promise.resolve();
    expect(last).not.toHaveBeenCalled();
    expect(next).not.toHaveBeenCalled();
  });

  it('hands a thrown error to Express as next(error), also from a step that runs later', () => {
    const error = new Error('thrown');
    const next = jest.fn();
    inSequence([
      () => {
        throw error;
      },
    ])(req, res, next);
    expect(next).toHaveBeenCalledWith(error);

    const later = jest.fn();
    let resume: NextFunction = () => undefined;
    inSequence([
      (_q, _s, n) => (resume = n),
      () => {
        throw error;
      },
    ])(req, res, later);
    expect(later).not.toHaveBeenCalled();
    // A body parser calls its `next` once the body is read, outside Express's call of the layer.
    expect(() => resume()).not.toThrow();
    expect(later).toHaveBeenCalledWith(error);
  });
});

describe('etagOnlyForReads', () => {
  const app = express();
  app.use(etagOnlyForReads(app));
  const body = { id: 'm1', text: 'hello' };
  app.get('/thing', (_q, s) => s.json(body));
  app.post('/thing', (_q, s) => s.status(201).json(body));
  app.put('/thing', (_q, s) => s.json(body));

  it('keeps the ETag (and revalidation) of GET and HEAD answers', async () => {
    const got = await request(app).get('/thing').expect(200);
    expect(got.headers.etag).toMatch(/^W\/"/);
    const head = await request(app).head('/thing').expect(200);
    expect(head.headers.etag).toBe(got.headers.etag);
    await request(app).get('/thing').set('If-None-Match', got.headers.etag).expect(304);
  });

  it('answers other methods with the same body and headers, without an ETag', async () => {
    const got = await request(app).get('/thing');
    for (const answer of [await request(app).post('/thing').expect(201), await request(app).put('/thing').expect(200)]) {
      expect(answer.headers.etag).toBeUndefined();
      expect(answer.body).toEqual(body);
      expect(answer.headers['content-type']).toBe(got.headers['content-type']);
      expect(answer.headers['content-length']).toBe(got.headers['content-length']);
    }
  });

  it("leaves the app's own setting alone", async () => {
    expect(typeof app.get('etag fn')).toBe('function');
  });
});
