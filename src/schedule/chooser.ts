import { DRAW_RANGE, type Decisions, type DecisionLog } from './decisions.js';
import { Prng } from './prng.js';

/**
 * Where a run's choices come from: a seeded generator (`'random'`), or a
 * list of decisions (a replay, a schedule being shrunk, a `Schedule` value).
 * Every choice made is recorded in `log`, so any run can be replayed.
 */
export interface Chooser {
  readonly log: DecisionLog;
  /** Which of `n` >= 2 ready origins runs next: an index, 0 the oldest. */
  pick(n: number): number;
  /** A draw of stream `stream`, in [0, DRAW_RANGE); 0 is the target. */
  draw(stream: string): number;
}

/** Choices from the world's seed: each pick uniform over the ready origins, each draw uniform. */
export class RandomChooser implements Chooser {
  private streams: Map<string, Prng> | null = null;
  private picks: Prng | null = null;

  constructor(private readonly seed: string, readonly log: DecisionLog) {}

  pick(n: number): number {
    const i = (this.picks ??= new Prng(`${this.seed}/schedule`)).nextInt(n);
    this.log.pick(i);
    return i;
  }

  draw(stream: string): number {
    const v = this.streamOf(stream).nextInt(DRAW_RANGE);
    this.log.draw(stream, v);
    return v;
  }

  /** @internal a seeded generator per draw stream (PCT's own choices use one too) */
  streamOf(stream: string): Prng {
    const streams = (this.streams ??= new Map());
    let p = streams.get(stream);
    if (p === undefined) {
      p = new Prng(`${this.seed}/${stream}`);
      streams.set(stream, p);
    }
    return p;
  }
}

/**
 * Choices from a decision list; once a list runs out, every later choice
 * takes its target (the oldest ready origin, a zero draw). `strict` (a
 * replay token): a recorded pick out of range is an error, reported through
 * `onInvalid` (the run then fails with it) and replaced by the target.
 * Otherwise (a schedule being shrunk, or generated) a pick wraps around.
 */
export class ListChooser implements Chooser {
  private pickAt = 0;
  private drawAt: Map<string, number> | null = null;

  constructor(
    private readonly decisions: Decisions,
    readonly log: DecisionLog,
    private readonly strict: boolean,
    private readonly onInvalid: (error: RangeError) => void,
  ) {}

  pick(n: number): number {
    const k = this.pickAt++;
    let i = 0;
    if (k < this.decisions.picks.length) {
      const v = this.decisions.picks[k]!;
      if (v < n) i = v;
      else if (!this.strict) i = v % n;
      else this.onInvalid(new RangeError(`replay: the token's pick #${k} chose ready origin ${v}, but only ${n} were ready at that step: the token does not fit this scenario`));
    }
    this.log.pick(i);
    return i;
  }

  draw(stream: string): number {
    const list = this.decisions.draws[stream];
    const drawAt = (this.drawAt ??= new Map());
    const k = drawAt.get(stream) ?? 0;
    drawAt.set(stream, k + 1);
    let v = 0;
    if (list !== undefined && k < list.length) {
      v = list[k]!;
      if (v >= DRAW_RANGE) {
        if (this.strict) this.onInvalid(new RangeError(`replay: the token's ${stream} draw #${k} is ${v}, out of range [0, ${DRAW_RANGE})`));
        v = this.strict ? 0 : v % DRAW_RANGE;
      }
    }
    this.log.draw(stream, v);
    return v;
  }
}
