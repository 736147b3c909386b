import { BadRequestException } from '@nestjs/common';
import { Types } from 'mongoose';

const OBJECT_ID = /^[0-9a-f]{24}$/i;

export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID.test(value);
}

/** Parses a 24-hex id or throws 400: a malformed id is the caller's error, never a 500. */
export function toObjectId(value: unknown, field = 'id'): Types.ObjectId {
  if (!isObjectId(value)) {
    throw new BadRequestException(`${field} must be a valid id`);
  }
  return new Types.ObjectId(value);
}
