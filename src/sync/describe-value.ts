/**
 * A short, readable rendering of a value for argument-error messages
 * (`Semaphore: value must be an integer, got "x"`): strings are quoted so
 * that `"1"` and `1` read differently, objects are named by their kind
 * rather than dumped.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return value.toString();
    case 'function':
      return 'a function';
    default: {
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      const ctor = (value as { constructor?: { name?: unknown } }).constructor;
      const name = typeof ctor?.name === 'string' && ctor.name !== '' && ctor.name !== 'Object' ? ctor.name : null;
      return name === null ? 'an object' : `a ${name}`;
    }
  }
}
