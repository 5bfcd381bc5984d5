import type { SimContext, SimIo, SimOs, SimPart } from './sim-context.js';

/** The world's simulated signals to this process. (Being built: see the issue.) */
export class SimSignals implements SimPart {
  /** @internal */ readonly _ctx: SimContext;

  constructor(ctx: SimContext) {
    this._ctx = ctx;
  }

  /** @internal */
  _install(_io: SimIo, _os: SimOs): void {}
}
