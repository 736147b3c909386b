import { BadRequestException } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { Matches } from 'class-validator';
import { Types } from 'mongoose';

/**
 * The one form of an id inside Chatify: 24 lower-case hex digits. Ids from requests are brought to
 * it at the edge (`@ObjectIdField()` in DTOs, `ParseObjectIdPipe` on route params), so services can
 * compare ids as strings. `IsMongoId` is not used: it lets `0x…` through (validator's hex check takes
 * a prefix), which the driver then refuses with a 500.
 */
const OBJECT_ID = /^[0-9a-f]{24}$/;

/** A string lower-cased (ids are hex: case carries no meaning); anything else unchanged, for the validator to refuse. */
export function canonicalId(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

/** True for an id in canonical form. */
export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID.test(value);
}

/** Parses a canonical id or throws 400: a malformed id is the caller's error, never a 500. */
export function toObjectId(value: unknown, field = 'id'): Types.ObjectId {
  if (!isObjectId(value)) {
    throw new BadRequestException(`${field} must be a valid id`);
  }
  return new Types.ObjectId(value);
}

/**
 * DTO field holding an id (or, with `each`, an array of ids): lower-cased, then required to be 24 hex
 * digits (a 400 with `message` otherwise). Use it for every id a request carries.
 */
export function ObjectIdField(message: string, options: { each?: boolean } = {}): PropertyDecorator {
  const transform = Transform(({ value }) => (options.each && Array.isArray(value) ? value.map(canonicalId) : canonicalId(value)));
  const validate = Matches(OBJECT_ID, { each: options.each, message });
  return (target, property) => {
    transform(target, property);
    validate(target, property);
  };
}
