import { HttpException, HttpStatus } from '@nestjs/common';
import { mongo } from 'mongoose';
import { STATUS_CODES } from 'node:http';
import type { ErrorBody } from '../../contract';

/** The contract's error shape, for REST responses and socket acks alike. */
export type { ErrorBody } from '../../contract';

// Driver errors that mean "no answer from the database". Checked with instanceof so subclasses count
// too: a pool cleared after a monitor timeout (PoolClearedOnNetworkError) is a MongoNetworkError.
const UNAVAILABLE_CLASSES = [
  mongo.MongoNetworkError,
  mongo.MongoServerSelectionError,
  mongo.MongoNotConnectedError,
  mongo.MongoTopologyClosedError,
  mongo.MongoOperationTimeoutError,
];
// Errors the driver does not export a class for, and Mongoose's own initial-connection error.
const UNAVAILABLE_NAMES = new Set(['MongoPoolClosedError', 'MongoWaitQueueTimeoutError', 'MongooseServerSelectionError']);

/** True for errors meaning "the database cannot be reached": answered 503, not 500. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return UNAVAILABLE_CLASSES.some((type) => error instanceof type) || UNAVAILABLE_NAMES.has(error.name);
}

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/**
 * Maps anything thrown to the contract's error body. Unknown errors become a bare 500:
 * `known` is false, and the caller logs them with an error id.
 */
export function toErrorBody(error: unknown): { body: ErrorBody; known: boolean } {
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    let message: string | string[] = error.message;
    if (typeof response === 'string') {
      message = response;
    } else if (response && typeof response === 'object' && 'message' in response) {
      const candidate = (response as { message: unknown }).message;
      if (typeof candidate === 'string' || Array.isArray(candidate)) message = candidate as string | string[];
    }
    return { body: { statusCode: status, error: reasonPhrase(status), message }, known: true };
  }
  if (isDatabaseUnavailable(error)) {
    const status = HttpStatus.SERVICE_UNAVAILABLE;
    return { body: { statusCode: status, error: reasonPhrase(status), message: 'The database is unavailable; try again shortly' }, known: true };
  }
  const status = HttpStatus.INTERNAL_SERVER_ERROR;
  return { body: { statusCode: status, error: reasonPhrase(status), message: 'Internal server error' }, known: false };
}
