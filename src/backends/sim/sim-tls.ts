import tls from 'node:tls';
import type { PeerAddress, RawStream } from '../../loop/raw-stream.js';
import type { StartTlsOptions } from '../../loop/stream-driver.js';
import type { SimContext } from './sim-context.js';
import { CipherDuplex } from './tls/cipher-duplex.js';
import { EngineWatch } from './tls/engine-watch.js';
import { SimTlsStream, type PlaintextCounter } from './tls/sim-tls-stream.js';
import { finishServerHandshake, tlsClientOptions, tlsServerOptions } from '../../io/tls-settings.js';

export type { PlaintextCounter } from './tls/sim-tls-stream.js';

function noop(): void {}

function describePeer(address: unknown): string {
  if (typeof address === 'string') return address === '' ? 'unix socket' : address;
  const a = address as PeerAddress | undefined;
  if (a === undefined || a === null || typeof a !== 'object') return 'unknown peer';
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/**
 * Run a real `node:tls` handshake over a simulated connection and give back
 * the plaintext RawStream (StreamDriver.startTls's contract, with the Node
 * stream driver's semantics: the same options, name checks and error codes,
 * `ERR_TLS_CERT_ALTNAME_INVALID` for a wrong `serverHostname`,
 * `DEPTH_ZERO_SELF_SIGNED_CERT` for an untrusted self-signed certificate, ...).
 *
 * `stream` carries the ciphertext; it must not be started yet: startSimTls
 * starts it and is its only listener from then on (`options.pending` are
 * bytes read before, fed to TLS first). On failure, or when
 * `options.signal` aborts, the connection is closed and the promise rejects
 * (with the TLS error, or the signal's reason). `plain` is told every
 * plaintext write handed to TLS (`sent(n)`) and every plaintext chunk
 * delivered (`received(n)`), for a trace of plaintext byte counts.
 *
 * While the TLS engine works on bytes given to it (a handshake step, a
 * record to encrypt or decrypt), the world's virtual time is held still
 * (SimContext.hold), so the handshake and the plaintext events happen at the
 * virtual instant their ciphertext arrived, the same on every run; time is
 * never held while waiting for the peer's bytes. The stream is handed over
 * once the engine is quiet after the handshake: on the simulated network,
 * the records it writes from then on are charged by their plaintext, those
 * before (the handshake, whose lengths vary from run to run) not at all
 * (RecordFramer), so timing under a bandwidth limit is the same on every run.
 */
export function startSimTls(ctx: SimContext, stream: RawStream, options: StartTlsOptions, plain?: PlaintextCounter): Promise<RawStream> {
  if (stream === null || typeof stream !== 'object' || typeof stream.start !== 'function') {
    return Promise.reject(new TypeError('startSimTls: stream must be a RawStream'));
  }
  if (options === null || typeof options !== 'object') {
    return Promise.reject(new TypeError('startSimTls: options must be StartTlsOptions'));
  }
  const { serverSide, signal } = options;
  const side = serverSide ? 'server' : 'client';
  const watch = new EngineWatch(ctx, `tls ${side} with ${describePeer(stream.getExtraInfo('peername'))}`);
  return new Promise<RawStream>((resolve, reject) => {
    const duplex = new CipherDuplex(stream, watch);
    // Errors reach the TLS socket through its wrapper; this only keeps an early one from being unhandled.
    duplex.on('error', noop);
    let socket: tls.TLSSocket | undefined;
    let secureContext: tls.SecureContext | undefined;
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      cleanup();
      if (socket !== undefined) {
        socket.on('error', noop);
        socket.destroy();
      }
      duplex.destroy();
      watch.stop();
      reject(error);
    };
    const onClose = (): void => {
      fail(duplex.rawError ?? Object.assign(new Error('TLS handshake failed: the connection closed before it completed'), { code: 'ECONNRESET' }));
    };
    const onAbort = (): void => fail(signal!.reason);
    const onSecure = (): void => {
      if (settled) return;
      if (serverSide) {
        const error = finishServerHandshake(socket!);
        if (error !== null) {
          fail(error);
          return;
        }
      }
      settled = true;
      cleanup();
      const tlsStream = new SimTlsStream(socket!, duplex, stream, watch, secureContext!, plain);
      const protocol = socket!.getProtocol();
      const cipher = socket!.getCipher()?.name;
      watch.pulse();
      // The engine may still be writing its last handshake records (a
      // client's Certificate, CertificateVerify and Finished come after its
      // 'secureConnect'; a server's session tickets after its 'secure'):
      // once it is quiet, everything it writes is the application's.
      watch.whenQuiet(() => {
        duplex.secured(protocol, cipher);
        resolve(tlsStream);
      });
    };
    const cleanup = (): void => {
      signal?.removeEventListener('abort', onAbort);
      if (socket === undefined) return;
      socket.off(serverSide ? 'secure' : 'secureConnect', onSecure);
      socket.off('error', fail);
      socket.off('_tlsError', fail);
      socket.off('close', onClose);
      socket.off('end', onClose);
    };
    if (signal?.aborted === true) {
      fail(signal.reason);
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    watch.pulse();
    duplex.open(options.pending ?? []);
    if (settled) return;
    if (duplex.rawClosed) {
      // Closed before the handshake could begin (the Node driver's EPIPE for a closed stream).
      fail(duplex.rawError ?? Object.assign(new Error('startTls: the connection is closed'), { code: 'EPIPE' }));
      return;
    }
    try {
      if (serverSide) {
        const opts = tlsServerOptions(options.ssl);
        secureContext = opts.secureContext;
        socket = new tls.TLSSocket(duplex, { ...opts, isServer: true });
      } else {
        const opts = tlsClientOptions(options.ssl, options.serverHostname);
        secureContext = opts.secureContext;
        socket = tls.connect({ ...opts, socket: duplex });
      }
    } catch (e) {
      fail(e);
      return;
    }
    socket.on(serverSide ? 'secure' : 'secureConnect', onSecure);
    socket.on('error', fail);
    // A server-side TLSSocket reports handshake errors as '_tlsError' until it releases control.
    socket.on('_tlsError', fail);
    socket.on('close', onClose);
    // Half-open sockets do not close on the peer's EOF by themselves.
    socket.on('end', onClose);
  });
}
