import { describe, expect, it, vi } from 'vitest';
import { EventLoop, type ExceptionContext } from '../../src/index.js';
import { collectReports, spyLogger, virtualLoop } from './support.js';

describe('guarantee 5: a callback that throws', () => {
  it('goes to the exception handler with { message, exception, handle }, and the loop goes on', async () => {
    const { loop } = virtualLoop();
    const reports = collectReports(loop);
    const boom = new Error('boom');
    const order: string[] = [];
    function failing(): void {
      throw boom;
    }
    const h = loop.callSoon(failing);
    loop.callSoon(() => order.push('after'));
    loop.callLater(1, () => {
      order.push('timer');
      loop.stop();
    });
    await loop.runForever();
    expect(order).toEqual(['after', 'timer']);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.exception).toBe(boom);
    expect(reports[0]!.handle).toBe(h);
    expect(reports[0]!.message).toMatch(/^Exception in callback .*failing/);
    loop.close();
  });

  it('is reported for a throwing timer callback too, with its TimerHandle', async () => {
    const { loop } = virtualLoop();
    const reports = collectReports(loop);
    const h = loop.callLater(5, () => {
      throw new TypeError('in timer');
    });
    loop.callLater(6, () => loop.stop());
    await loop.runForever();
    expect(reports.map((r) => r.handle)).toEqual([h]);
    expect(reports[0]!.exception).toBeInstanceOf(TypeError);
    loop.close();
  });

  it('reports a thrown non-Error value as it was thrown', async () => {
    const { loop } = virtualLoop();
    const reports = collectReports(loop);
    loop.callSoon(() => {
      throw 'a string';
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(reports[0]!.exception).toBe('a string');
    loop.close();
  });

  it('does not stop the loop when every callback of a batch throws', async () => {
    const { loop } = virtualLoop();
    const reports = collectReports(loop);
    for (let i = 0; i < 10; i++) {
      loop.callSoon(() => {
        throw new Error(String(i));
      });
    }
    loop.callSoon(() => loop.callSoon(() => loop.stop()));
    await loop.runForever();
    expect(reports.map((r) => (r.exception as Error).message)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    loop.close();
  });

  it('goes to the exception handler when an async callback rejects, instead of an unhandled rejection', async () => {
    const { loop } = virtualLoop();
    const reports = collectReports(loop);
    const boom = new Error('async boom');
    const h = loop.callSoon(async () => {
      await null;
      throw boom;
    });
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    expect(reports).toHaveLength(1);
    expect(reports[0]!.exception).toBe(boom);
    expect(reports[0]!.handle).toBe(h);
    loop.close();
  });

  it('in debug mode, adds where the callback was scheduled to the context', async () => {
    const { loop } = virtualLoop({ debug: true });
    const reports = collectReports(loop);
    loop.callSoon(function scheduledHere() {
      throw new Error('x');
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(typeof reports[0]!.sourceTraceback).toBe('string');
    loop.close();
  });
});

describe('setExceptionHandler', () => {
  it('sets and gets the handler, and null restores the default', () => {
    const { loop } = virtualLoop();
    expect(loop.getExceptionHandler()).toBeNull();
    const handler = (): void => {};
    loop.setExceptionHandler(handler);
    expect(loop.getExceptionHandler()).toBe(handler);
    loop.setExceptionHandler(null);
    expect(loop.getExceptionHandler()).toBeNull();
    loop.close();
  });

  it.each([42, 'spam', {}, undefined])('throws TypeError naming the handler for %s', (bad) => {
    const { loop } = virtualLoop();
    expect(() => loop.setExceptionHandler(bad as never)).toThrow(TypeError);
    expect(() => loop.setExceptionHandler(bad as never)).toThrow(/^setExceptionHandler: handler must be a function or null/);
    expect(loop.getExceptionHandler()).toBeNull();
    loop.close();
  });

  it('calls the handler with the loop and the context', () => {
    const { loop } = virtualLoop();
    const handler = vi.fn();
    loop.setExceptionHandler(handler);
    const ctx = { message: 'hello', exception: new Error('e') };
    loop.callExceptionHandler(ctx);
    expect(handler).toHaveBeenCalledWith(loop, ctx);
    loop.close();
  });

  it('does not call the default handler when a custom one is set', () => {
    const { loop } = virtualLoop();
    const logger = spyLogger(loop);
    loop.setExceptionHandler(() => {});
    loop.callExceptionHandler({ message: 'quiet' });
    expect(logger.error).not.toHaveBeenCalled();
    loop.close();
  });

  it('reports an error thrown by the custom handler through the default handler, with the original context', () => {
    const { loop } = virtualLoop();
    const logger = spyLogger(loop);
    const original: ExceptionContext = { message: 'original problem', exception: new Error('first') };
    const spy = vi.spyOn(loop, 'defaultExceptionHandler');
    loop.setExceptionHandler(() => {
      throw new Error('handler broke');
    });
    expect(() => loop.callExceptionHandler(original)).not.toThrow();
    expect(spy).toHaveBeenCalledTimes(1);
    const ctx = spy.mock.calls[0]![0];
    expect(ctx.message).toBe('Unhandled error in exception handler');
    expect((ctx.exception as Error).message).toBe('handler broke');
    expect(ctx.context).toBe(original);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(String(logger.error.mock.calls[0]![0])).toContain('Unhandled error in exception handler');
    loop.close();
  });

  it('keeps the loop running when the custom handler throws', async () => {
    const { loop } = virtualLoop();
    spyLogger(loop);
    loop.setExceptionHandler(() => {
      throw new Error('handler broke');
    });
    let after = false;
    loop.callSoon(() => {
      throw new Error('cb');
    });
    loop.callSoon(() => {
      after = true;
      loop.stop();
    });
    await loop.runForever();
    expect(after).toBe(true);
    loop.close();
  });

  it('logs through logger.error when a subclass\'s default handler itself throws', () => {
    class BrokenDefault extends EventLoop {
      override defaultExceptionHandler(): void {
        throw new Error('default broke');
      }
    }
    const { clock, selector } = virtualLoop();
    const loop = new BrokenDefault({ clock, selector, os: {} });
    const logger = spyLogger(loop);
    expect(() => loop.callExceptionHandler({ message: 'x' })).not.toThrow();
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(String(logger.error.mock.calls[0]![0])).toMatch(/Exception in default exception handler/);
    loop.close();
  });

  it('logs through logger.error when both the custom handler and the default one throw', () => {
    class BrokenDefault extends EventLoop {
      override defaultExceptionHandler(): void {
        throw new Error('default broke');
      }
    }
    const { clock, selector } = virtualLoop();
    const loop = new BrokenDefault({ clock, selector, os: {} });
    const logger = spyLogger(loop);
    loop.setExceptionHandler(() => {
      throw new Error('custom broke');
    });
    expect(() => loop.callExceptionHandler({ message: 'x' })).not.toThrow();
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(String(logger.error.mock.calls[0]![0])).toMatch(/Exception in default exception handler while handling .* custom exception handler/);
    loop.close();
  });

  it('survives a logger that throws', () => {
    const { loop } = virtualLoop();
    loop.logger = {
      warn() {
        throw new Error('no');
      },
      error() {
        throw new Error('no');
      },
    };
    expect(() => loop.callExceptionHandler({ message: 'x', exception: new Error('y') })).not.toThrow();
    loop.close();
  });
});

describe('defaultExceptionHandler', () => {
  it('writes the message, the other context keys and the exception stack through logger.error', async () => {
    const { loop } = virtualLoop();
    const logger = spyLogger(loop);
    const boom = new Error('kaboom');
    function zeroError(): void {
      throw boom;
    }
    loop.callSoon(zeroError);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(logger.error).toHaveBeenCalledTimes(1);
    const text = String(logger.error.mock.calls[0]![0]);
    expect(text).toMatch(/^Exception in callback .*zeroError/);
    expect(text).toMatch(/handle: .*zeroError/);
    expect(text).toContain(boom.stack!);
    loop.close();
  });

  it('falls back to a generic message when the context has none', () => {
    const { loop } = virtualLoop();
    const logger = spyLogger(loop);
    loop.defaultExceptionHandler({ message: '' });
    expect(String(logger.error.mock.calls[0]![0])).toBe('Unhandled exception in event loop');
    loop.close();
  });

  it('writes extra context keys in sorted order', () => {
    const { loop } = virtualLoop();
    const logger = spyLogger(loop);
    loop.defaultExceptionHandler({ message: 'm', zeta: 'last', alpha: { a: 1 } });
    expect(String(logger.error.mock.calls[0]![0])).toBe('m\nalpha: {"a":1}\nzeta: last');
    loop.close();
  });

  it('writes a non-Error exception as a string', () => {
    const { loop } = virtualLoop();
    const logger = spyLogger(loop);
    loop.defaultExceptionHandler({ message: 'm', exception: 42 });
    expect(String(logger.error.mock.calls[0]![0])).toBe('m\n42');
    loop.close();
  });

  it('is what callExceptionHandler uses without a custom handler', () => {
    const { loop } = virtualLoop();
    const logger = spyLogger(loop);
    loop.callExceptionHandler({ message: 'plain report' });
    expect(logger.error).toHaveBeenCalledWith('plain report');
    loop.close();
  });
});
