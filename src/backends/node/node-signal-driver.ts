import type { SignalDriver } from '../../loop/signal-driver.js';

/**
 * Signals on `process.on(signal)`. Node's signal watchers are unreferenced,
 * so a listener never keeps the process alive; while any listener of
 * `signal` is installed, the signal's default action (ending the process)
 * does not happen, and removing the last one restores it.
 */
export class NodeSignalDriver implements SignalDriver {
  add(signal: NodeJS.Signals, listener: () => void): void {
    process.on(signal, listener);
  }

  remove(signal: NodeJS.Signals, listener: () => void): void {
    process.off(signal, listener);
  }
}
