import { ArgumentMetadata, BadRequestException, PipeTransform, Type, ValidationError, ValidationPipe } from '@nestjs/common';

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) =>
      // class-validator phrases "property x should not exist" for unknown fields; keep its words.
      parent ? text.replace(error.property, path) : text,
    );
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/**
 * A hand-written check of a DTO's usual shape: the DTO exactly as the validation pipe would return
 * it, or `undefined` whenever the value is anything else (invalid, or merely unusual), so that the
 * full pipe decides and words the errors. It may decline anything; it must never accept what the
 * full pipe refuses, nor return a different DTO (the DTO's spec compares the two).
 */
export type ValidationShortcut<T extends object> = (value: unknown) => T | undefined;

/** A DTO class with its shortcut. */
export type ShortcutEntry = readonly [Type<object>, ValidationShortcut<object>];

/**
 * The validation pipe with shortcuts for the DTOs of hot paths (a `message:send` payload): class-
 * transformer and class-validator cost more per event than the rest of a handler's checks together.
 */
class ShortcutValidationPipe implements PipeTransform {
  private readonly shortcuts: Map<unknown, ValidationShortcut<object>>;

  constructor(
    private readonly full: ValidationPipe,
    shortcuts: readonly ShortcutEntry[],
  ) {
    this.shortcuts = new Map(shortcuts);
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const checked = metadata.metatype ? this.shortcuts.get(metadata.metatype)?.(value) : undefined;
    return checked !== undefined ? checked : this.full.transform(value, metadata);
  }
}

/**
 * The one validation pipe for HTTP and sockets: unknown fields and wrong types are a 400 with
 * every problem listed; values are transformed to the DTO's types. `shortcuts` answer the usual
 * shape of some DTOs without class-validator, with the same result.
 */
export function createValidationPipe(shortcuts: readonly ShortcutEntry[] = []): PipeTransform {
  const full = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(flatten(errors)),
  });
  return shortcuts.length > 0 ? new ShortcutValidationPipe(full, shortcuts) : full;
}
