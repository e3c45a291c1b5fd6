import { ExternalError } from '../../src/core/errors/index.js';

export interface FaultPlan<T> {
  /** The method whose call fails. */
  method: keyof T & string;
  /** Which call of it fails, counting from 1. */
  call: number;
  /** Every later call of any method fails too, as when a server goes away for good. */
  persist?: boolean;
}

/**
 * A fault-injecting wrapper around a real store (the FileStore tracking store or registry, or any other):
 * every method is passed through to the store, except that the planned call fails as a server that went
 * away fails, with an ExternalError, before reaching the store.
 */
export function faultInjecting<T extends object>(
  store: T,
  plan: FaultPlan<T>,
): { store: T; calls: string[] } {
  const calls: string[] = [];
  let count = 0;
  let broken = false;
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        if (property === plan.method) count += 1;
        if (broken || (property === plan.method && count === plan.call)) {
          broken = plan.persist ?? false;
          return Promise.reject(
            new ExternalError(
              'MLflow',
              `cannot reach http://127.0.0.1:5000 (${String(property)}): ECONNREFUSED`,
              {
                status: 'ECONNREFUSED',
              },
            ),
          );
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: wrapped, calls };
}
