import type { ExecutionContext } from '@nestjs/common';
import { RouteMemo } from './route-memo';

const route = (handler: object, classRef: object) => ({ getHandler: () => handler, getClass: () => classRef }) as unknown as ExecutionContext;

describe('RouteMemo', () => {
  it("works a route's value out once, per handler and controller, also when it is falsy", () => {
    const compute = jest.fn((handler: object, classRef: object) => handler === classRef);
    const sut = new RouteMemo(compute);
    const [handlerA, handlerB, controllerA, controllerB] = [{}, {}, {}, {}];
    expect(sut.of(route(handlerA, controllerA))).toBe(false);
    expect(sut.of(route(handlerA, controllerA))).toBe(false);
    expect(sut.of(route(handlerA, handlerA))).toBe(true);
    sut.of(route(handlerB, controllerB));
    sut.of(route(handlerA, controllerB));
    expect(compute.mock.calls).toEqual([
      [handlerA, controllerA],
      [handlerA, handlerA],
      [handlerB, controllerB],
      [handlerA, controllerB],
    ]);
  });
});
