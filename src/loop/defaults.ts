import type { Clock } from './clock.js';
import type { OS } from './os.js';
import type { Selector } from './selector.js';

/** A backend: the three injected interfaces. */
export interface Backend {
  clock: Clock;
  selector: Selector;
  os: OS;
}

/**
 * The loop never imports a backend: the package entry registers the Node
 * backend here, and `new EventLoop()` without injected interfaces asks it.
 */
let defaultBackendFactory: (() => Backend) | null = null;

/** Register the factory `new EventLoop()` uses for what was not injected. */
export function setDefaultBackendFactory(factory: () => Backend): void {
  defaultBackendFactory = factory;
}

/** A fresh default backend; throws when none was registered (the loop was imported without the package entry). */
export function makeDefaultBackend(): Backend {
  if (defaultBackendFactory === null) {
    throw new TypeError('EventLoop: no clock/selector given and no default backend registered; import from "simloop"');
  }
  return defaultBackendFactory();
}
