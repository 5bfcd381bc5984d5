import type { SimContext, SimIo, SimOs, SimPart } from './sim-context.js';

/** The world's simulated child processes defined by handlers. (Being built: see the issue.) */
export class SimProcesses implements SimPart {
  /** @internal */ readonly _ctx: SimContext;

  constructor(ctx: SimContext) {
    this._ctx = ctx;
  }

  /** @internal */
  _install(_io: SimIo, _os: SimOs): void {}
}
