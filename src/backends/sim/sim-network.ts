import type { SimContext, SimIo, SimOs, SimPart } from './sim-context.js';

/** The world's the in-memory network (TCP, unix sockets, UDP, TLS) with links and faults. (Being built: see the issue.) */
export class SimNetwork implements SimPart {
  /** @internal */ readonly _ctx: SimContext;

  constructor(ctx: SimContext) {
    this._ctx = ctx;
  }

  /** @internal */
  _install(_io: SimIo, _os: SimOs): void {}
}
