import { describe, expect, it } from 'vitest';
import { DEFAULT_CLI_RUNS, parseCommand } from '../../src/cli/args.js';
import { UsageError } from '../../src/explore/usage-error.js';
import { encodeToken } from '../../src/schedule/replay-token.js';

const TOKEN = encodeToken({ strategy: 'random', depth: 3, seed: '1#0', world: {}, decisions: { picks: [1], draws: {} } });

function usage(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseCommand(argv, env);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`parseCommand(${JSON.stringify(argv)}) did not throw`);
}

describe('parseCommand: explore', () => {
  it('takes every option of the contract, with their defaults', () => {
    expect(parseCommand(['explore', 'm.ts'], {})).toEqual({
      kind: 'explore', module: 'm.ts', runs: DEFAULT_CLI_RUNS, seed: undefined, strategy: 'random', depth: undefined,
      jobs: 1, trace: undefined, selfCheck: false, replay: undefined,
    });
    expect(parseCommand(['explore', 'm.ts', '--runs', '7', '--seed', 'abc', '--strategy', 'pct', '--depth', '4', '--jobs=3', '--trace', 'out.json', '--self-check'], {})).toEqual({
      kind: 'explore', module: 'm.ts', runs: 7, seed: 'abc', strategy: 'pct', depth: 4, jobs: 3, trace: 'out.json', selfCheck: true, replay: undefined,
    });
  });

  it('lets SIMLOOP_SEED, SIMLOOP_RUNS and SIMLOOP_REPLAY override the options', () => {
    const cmd = parseCommand(['explore', 'm.ts', '--runs', '7', '--seed', 'abc'], { SIMLOOP_SEED: '99', SIMLOOP_RUNS: '12', SIMLOOP_REPLAY: TOKEN });
    expect(cmd).toMatchObject({ kind: 'explore', runs: 12, seed: '99', replay: TOKEN });
  });

  it('ignores empty SIMLOOP_ variables', () => {
    expect(parseCommand(['explore', 'm.ts', '--runs', '7'], { SIMLOOP_RUNS: '', SIMLOOP_SEED: '' })).toMatchObject({ runs: 7, seed: undefined });
  });

  it('says a bad value in one line, naming the option or the variable', () => {
    expect(usage(['explore', 'm.ts', '--runs', '0'])).toBe('--runs must be an integer >= 1, got "0"');
    expect(usage(['explore', 'm.ts', '--jobs', '1.5'])).toBe('--jobs must be an integer >= 1, got "1.5"');
    expect(usage(['explore', 'm.ts', '--strategy', 'fifo'])).toBe('--strategy must be random or pct, got "fifo"');
    expect(usage(['explore', 'm.ts', '--strategy', 'pct', '--depth', '-1'])).toBe('--depth must be an integer >= 1, got "-1"');
    expect(usage(['explore', 'm.ts', '--strategy', 'pct', '--depth', 'x'])).toBe('--depth must be an integer >= 1, got "x"');
    expect(usage(['explore', 'm.ts'], { SIMLOOP_RUNS: 'lots' })).toBe('SIMLOOP_RUNS must be an integer >= 1, got "lots"');
    expect(usage(['explore', 'm.ts'], { SIMLOOP_REPLAY: 'sl3_garbage' })).toMatch(/^SIMLOOP_REPLAY: the replay token is damaged/);
  });

  it('refuses --depth without --strategy pct', () => {
    expect(usage(['explore', 'm.ts', '--depth', '2'])).toBe("--depth is PCT's setting: add --strategy pct");
  });

  it('says an unknown option, a missing value and an option of another command in one line', () => {
    expect(usage(['explore', 'm.ts', '--fast'])).toBe('unknown option --fast (try simloop --help)');
    expect(usage(['explore', 'm.ts', '-x'])).toBe('unknown option -x (try simloop --help)');
    expect(usage(['explore', 'm.ts', '--trace'])).toBe('--trace needs a value');
    expect(usage(['explore', 'm.ts', '--trace', '--runs', '3'])).toBe('--trace needs a value');
    expect(usage(['explore', 'm.ts', '--self-check=yes'])).toBe('--self-check takes no value');
    expect(usage(['explore', 'm.ts', '--replay', TOKEN])).toBe('simloop explore takes no --replay (try simloop --help)');
  });

  it('says a missing command, an unknown command, a missing module and an extra argument in one line', () => {
    expect(usage([])).toBe('missing command: explore, replay or run (try simloop --help)');
    expect(usage(['fuzz', 'm.ts'])).toBe('unknown command "fuzz" (try simloop --help)');
    expect(usage(['explore'])).toBe('simloop explore: missing <module>');
    expect(usage(['explore', 'm.ts', 'n.ts'])).toBe('simloop explore: unexpected argument "n.ts"');
  });
});

describe('parseCommand: replay and run', () => {
  it('takes replay <module> --replay TOKEN [--trace]', () => {
    expect(parseCommand(['replay', 'm.ts', '--replay', TOKEN, '--trace', 't.json'], {})).toEqual({ kind: 'replay', module: 'm.ts', replay: TOKEN, trace: 't.json' });
  });

  it('takes the token from SIMLOOP_REPLAY, which wins over --replay', () => {
    expect(parseCommand(['replay', 'm.ts'], { SIMLOOP_REPLAY: TOKEN })).toMatchObject({ replay: TOKEN });
    expect(parseCommand(['replay', 'm.ts', '--replay', 'sl3_x'], { SIMLOOP_REPLAY: TOKEN })).toMatchObject({ replay: TOKEN });
  });

  it('refuses a replay without a token, or with a damaged one, in one line', () => {
    expect(usage(['replay', 'm.ts'])).toBe('simloop replay: missing --replay TOKEN (the token a failing run printed)');
    expect(usage(['replay', 'm.ts', '--replay', 'hello'])).toMatch(/^--replay: not a simloop replay token/);
    expect(usage(['replay', 'm.ts', '--replay', TOKEN, '--runs', '3'])).toBe('simloop replay takes no --runs (try simloop --help)');
  });

  it('keeps simloop run <module> [--seed] [--strategy fifo|random] [--timeline]', () => {
    expect(parseCommand(['run', 'm.ts'], {})).toEqual({ kind: 'run', module: 'm.ts', seed: undefined, strategy: 'fifo', timeline: false });
    expect(parseCommand(['run', 'm.ts', '--seed', '5'], { SIMLOOP_SEED: '6' })).toMatchObject({ seed: '6' });
    expect(parseCommand(['run', 'm.ts', '--seed', '5', '--strategy', 'random', '--timeline'], {})).toEqual({ kind: 'run', module: 'm.ts', seed: '5', strategy: 'random', timeline: true });
    expect(usage(['run', 'm.ts', '--strategy', 'pct'])).toBe('--strategy must be fifo or random, got "pct"');
  });

  it('answers --help and --version before anything else', () => {
    expect(parseCommand(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseCommand(['explore', '-v'], {})).toEqual({ kind: 'version' });
  });
});
