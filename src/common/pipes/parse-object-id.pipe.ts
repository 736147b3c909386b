import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { canonicalId, toObjectId } from '../object-id';

/** Route-param pipe: `:id` must be a 24-hex ObjectId (400 otherwise); yields it in canonical (lower-case) form. */
@Injectable()
export class ParseObjectIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    const id = canonicalId(value);
    toObjectId(id, metadata.data ?? 'id');
    return id as string;
  }
}
