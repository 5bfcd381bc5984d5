import type { EventLoop } from '../loop/event-loop.js';
import type { RawStream } from '../loop/raw-stream.js';
import type { StreamDriver, TlsSettings } from '../loop/stream-driver.js';
import { describeValue } from '../sync/describe-value.js';
import { codeError } from './addresses.js';
import { driverCall } from './driver-call.js';
import { upgradeRecorded } from './record/record-mode.js';

/** asyncio's default TLS handshake timeout (SSL_HANDSHAKE_TIMEOUT), in ms. */
export const DEFAULT_SSL_HANDSHAKE_TIMEOUT = 60_000;

/**
 * The `ssl` argument as TLS settings, or null for none (`undefined`, `null`,
 * `false`). A server side needs a certificate, so `true` is a TypeError
 * there (asyncio: "ssl argument must be an SSLContext or None").
 */
export function checkSsl(value: unknown, where: string, serverSide: boolean): TlsSettings | null {
  if (value === undefined || value === null || value === false) return null;
  if (value === true) {
    if (serverSide) throw new TypeError(`${where}: ssl must be TLS options (key, cert, ...) or a SecureContext for a server, not true`);
    return true;
  }
  if (typeof value !== 'object') throw new TypeError(`${where}: ssl must be true, TLS options or a SecureContext, got ${describeValue(value)}`);
  return value as TlsSettings;
}

/** `sslHandshakeTimeout` in ms (default 60 s); a RangeError without TLS or when not positive. */
export function checkHandshakeTimeout(value: unknown, ssl: TlsSettings | null, where: string): number {
  if (value === undefined || value === null) return DEFAULT_SSL_HANDSHAKE_TIMEOUT;
  if (ssl === null) throw new RangeError(`${where}: sslHandshakeTimeout is only meaningful with ssl`);
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${where}: sslHandshakeTimeout must be a number of milliseconds, got ${describeValue(value)}`);
  }
  if (value <= 0) throw new RangeError(`${where}: sslHandshakeTimeout must be a positive number of milliseconds, got ${value}`);
  return value;
}

/** What a handshake that outlasted its timeout rejects with (asyncio's ConnectionAbortedError). */
export function handshakeTimeoutError(ms: number): Error {
  return codeError('ECONNABORTED', `TLS handshake is taking longer than ${ms} ms: aborting the connection`);
}

/** How `upgradeTls` runs the handshake. */
export interface UpgradeOptions {
  serverSide: boolean;
  ssl: TlsSettings;
  serverHostname?: string | null;
  pending?: readonly Uint8Array[];
  timeoutMs: number;
  /** Aborts the handshake from elsewhere (a server closing its clients). */
  controller?: AbortController;
}

/**
 * Run the TLS handshake over `raw` through the driver, timed on the loop's
 * clock (`ECONNABORTED` when it outlasts `timeoutMs`) and cancellable by
 * the awaiting task. On failure the driver has closed the connection.
 */
export function upgradeTls(loop: EventLoop, driver: StreamDriver, raw: RawStream, opts: UpgradeOptions): Promise<RawStream> {
  const { timeoutMs } = opts;
  // Record mode hands the driver the connection under its recording (only the plaintext is recorded).
  return upgradeRecorded(raw, opts.pending, (stream) =>
    driverCall(
      loop,
      (signal) =>
        driver.startTls(stream, {
          serverSide: opts.serverSide,
          ssl: opts.ssl,
          serverHostname: opts.serverHostname ?? null,
          pending: opts.pending,
          signal,
        }),
      {
        label: 'TLS handshake',
        discard: (s) => s.abort(),
        timeoutMs,
        onTimeout: () => handshakeTimeoutError(timeoutMs),
        controller: opts.controller,
      },
    ),
  );
}
