import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

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
 * The one validation pipe for HTTP and sockets: unknown fields and wrong types are a 400 with
 * every problem listed; values are transformed to the DTO's types.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(flatten(errors)),
  });
}
