/**
 * A strict mock for unit specs: every listed method is a `jest.fn` whose default implementation
 * throws, so a call the test did not arrange fails it; touching a method that was not listed throws too.
 * Arrange expected calls with `mockResolvedValueOnce` / `mockImplementationOnce`.
 */
export type StrictMock<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? jest.Mock<R, A> : T[K] };

// Properties that Jest, promises and util.inspect probe on any object: not calls by the code under test.
const INSPECTED = new Set(['then', 'asymmetricMatch', 'toJSON', '$$typeof', 'nodeType', 'tagName', 'constructor', 'inspect', '_isMockFunction']);

export function strictMock<T extends object>(name: string, methods: (keyof T & string)[]): StrictMock<T> {
  const target: Record<string, jest.Mock> = {};
  for (const method of methods) {
    target[method] = jest.fn((...args: unknown[]) => {
      throw new Error(`unexpected call: ${name}.${method}(${args.map((arg) => JSON.stringify(arg)).join(', ')})`);
    });
  }
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === 'string' && !(property in object) && !INSPECTED.has(property)) {
        throw new Error(`unexpected access: ${name}.${property} is not part of the mock`);
      }
      return Reflect.get(object, property);
    },
  }) as unknown as StrictMock<T>;
}
