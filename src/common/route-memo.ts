import type { ExecutionContext } from '@nestjs/common';

/**
 * A value worked out once per route (handler and controller class) from its metadata, which never
 * changes: guards that would otherwise read the same decorators on every request keep it here.
 */
export class RouteMemo<T> {
  private readonly byHandler = new WeakMap<object, WeakMap<object, T>>();

  constructor(private readonly compute: (handler: object, classRef: object) => T) {}

  of(context: ExecutionContext): T {
    const handler = context.getHandler();
    const classRef = context.getClass();
    let byClass = this.byHandler.get(handler);
    if (!byClass) this.byHandler.set(handler, (byClass = new WeakMap()));
    if (!byClass.has(classRef)) byClass.set(classRef, this.compute(handler, classRef));
    return byClass.get(classRef) as T;
  }
}
