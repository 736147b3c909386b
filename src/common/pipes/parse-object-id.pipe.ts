import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { toObjectId } from '../object-id';

/** Route-param pipe: `:id` must be a 24-hex ObjectId (400 otherwise); yields the string unchanged. */
@Injectable()
export class ParseObjectIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    toObjectId(value, metadata.data ?? 'id');
    return value as string;
  }
}
