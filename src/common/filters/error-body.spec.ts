import { BadRequestException, NotFoundException } from '@nestjs/common';
import { Error as MongooseError, mongo } from 'mongoose';
import { toErrorBody } from './error-body';

// Not exported by the driver's entry point: the error it throws when a hung server's monitor times out.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PoolClearedOnNetworkError } = require('mongodb/lib/cmap/errors');

const UNAVAILABLE = { statusCode: 503, error: 'Service Unavailable', message: 'The database is unavailable; try again shortly' };

describe('toErrorBody', () => {
  const sut = toErrorBody;

  it('keeps an HttpException in the contract shape, message string or list', () => {
    expect(sut(new NotFoundException('User not found'))).toEqual({ body: { statusCode: 404, error: 'Not Found', message: 'User not found' }, known: true });
    expect(sut(new BadRequestException(['a must be a string', 'b should not exist'])).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['a must be a string', 'b should not exist'],
    });
  });

  it.each([
    ['a dropped connection', () => new mongo.MongoNetworkError('connection 3 to 127.0.0.1:27017 closed')],
    ['a socket timeout', () => new mongo.MongoNetworkTimeoutError('connection timed out')],
    ['no server to select', () => new mongo.MongoServerSelectionError('Server selection timed out after 5000 ms', { error: undefined } as never)],
    ['a pool cleared by a timed-out monitor (hung server)', () => new PoolClearedOnNetworkError({ address: '127.0.0.1:27017' })],
    ['a closed client', () => new mongo.MongoTopologyClosedError()],
    ['a client that never connected', () => new mongo.MongoNotConnectedError('Client must be connected before running operations')],
    ['Mongoose failing to reach the server', () => new MongooseError.MongooseServerSelectionError('connect ECONNREFUSED 127.0.0.1:27017')],
  ])('answers 503 with no driver detail for %s', (_case, build) => {
    const result = sut(build());
    expect(result).toEqual({ body: UNAVAILABLE, known: true });
    expect(JSON.stringify(result.body)).not.toMatch(/127\.0\.0\.1|connection|Mongo/);
  });

  it('answers anything else with a bare 500 and flags it for logging', () => {
    const error = new Error('E11000 duplicate key error collection: chatify.users at /srv/app/dist/x.js:1');
    expect(sut(error)).toEqual({ body: { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' }, known: false });
    expect(sut({ weird: true }).body.statusCode).toBe(500);
    expect(sut(new mongo.MongoServerError({ message: 'E11000 duplicate key', code: 11000 })).body.statusCode).toBe(500);
  });
});
