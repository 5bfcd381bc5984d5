/**
 * Promises the loop's own code settles later, made without a closure per
 * promise: the executor is one module function that hands the settlers over
 * through module state. A closure made per promise (per await, per run)
 * also loses its optimized code at every full GC once the last one dies,
 * so V8 compiles it again after each.
 */

/** Where a promise's settlers go: fields of the object that will settle it. */
export interface Settlers<T> {
  _resolve: ((value: T) => void) | null;
  _reject: ((error: unknown) => void) | null;
}

let capturedResolve: ((value: any) => void) | null = null;
let capturedReject: ((error: unknown) => void) | null = null;

function captureSettlers(resolve: (value: any) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** A new pending promise whose settlers are put in `into._resolve` and `into._reject`. */
export function settleablePromise<T>(into: Settlers<T>): Promise<T> {
  const p = new Promise<T>(captureSettlers);
  into._resolve = capturedResolve;
  into._reject = capturedReject;
  capturedResolve = capturedReject = null;
  return p;
}
