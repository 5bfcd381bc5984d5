import net from 'node:net';
import tls from 'node:tls';
import type { TlsSettings } from '../loop/stream-driver.js';

/**
 * Secure contexts made from TLS option objects, by the object: a server
 * builds one context per options object, not one per connection (as the Node
 * stream driver does). A context depends on nothing in a world, so every
 * world shares the cache.
 */
const contexts = new WeakMap<object, tls.SecureContext>();

/** The key the default client context (`ssl: true`) is cached under. */
const defaultClientKey = {};

function contextFor(key: object, options: tls.SecureContextOptions): tls.SecureContext {
  let context = contexts.get(key);
  if (context === undefined) {
    context = tls.createSecureContext(options);
    contexts.set(key, context);
  }
  return context;
}

/** Node's SecureContext class: exported by `node:tls` at runtime, though not in its types. */
const SecureContextClass = (tls as unknown as { SecureContext?: abstract new (...args: never[]) => tls.SecureContext }).SecureContext;

/** True when `x` is a `tls.SecureContext` (what `tls.createSecureContext` returns). */
export function isSecureContext(x: unknown): x is tls.SecureContext {
  if (SecureContextClass !== undefined) return x instanceof SecureContextClass;
  const context = (x as { context?: { constructor?: { name?: string } } } | null)?.context;
  return context?.constructor?.name === 'SecureContext';
}

/**
 * `tls.connect` options for a client with `ssl` that checks `serverHostname`
 * exactly as the Node stream driver does: the name is sent as SNI unless it
 * is an IP address and the certificate must match it; `''` checks no name
 * (the chain still is); null or undefined takes `ssl.servername` or `ssl.host`.
 */
export function tlsClientOptions(ssl: TlsSettings, serverHostname: string | null | undefined): tls.ConnectionOptions & { secureContext: tls.SecureContext } {
  let opts: tls.ConnectionOptions;
  if (ssl === true) opts = { secureContext: contextFor(defaultClientKey, {}) };
  else if (isSecureContext(ssl)) opts = { secureContext: ssl };
  else {
    const o = ssl as tls.ConnectionOptions;
    opts = { ...o, secureContext: o.secureContext ?? contextFor(o, o) };
  }
  const name = serverHostname ?? opts.servername ?? opts.host;
  if (name === '') {
    // asyncio: server_hostname='' checks no name.
    opts.checkServerIdentity = () => undefined;
    delete opts.servername;
  } else if (name !== undefined && name !== null) {
    // tls.connect checks the certificate against `host`; SNI must not be an IP address.
    opts.host = name;
    if (net.isIP(name) === 0) opts.servername = name;
    else delete opts.servername;
  }
  return opts as tls.ConnectionOptions & { secureContext: tls.SecureContext };
}

/**
 * The options of a server-side `TLSSocket` for `ssl`, as `tls.Server` would
 * make them (a requested client certificate must verify unless
 * `rejectUnauthorized: false`). `TypeError` for `true`: a server needs a certificate.
 */
export function tlsServerOptions(ssl: TlsSettings): tls.TLSSocketOptions & { secureContext: tls.SecureContext } {
  if (ssl === true) throw new TypeError('ssl: a TLS server needs a certificate: pass TLS options (key, cert) or a SecureContext, not true');
  if (isSecureContext(ssl)) return { secureContext: ssl };
  const o = ssl as tls.TlsOptions;
  const requestCert = o.requestCert === true;
  return {
    secureContext: o.secureContext ?? contextFor(o, o),
    requestCert,
    rejectUnauthorized: requestCert && o.rejectUnauthorized !== false,
    ...(o.ALPNProtocols !== undefined ? { ALPNProtocols: o.ALPNProtocols } : {}),
    ...(o.SNICallback !== undefined ? { SNICallback: o.SNICallback } : {}),
    ...(o.enableTrace !== undefined ? { enableTrace: o.enableTrace } : {}),
  };
}

/** The internals of a TLSSocket that a server-side handshake outside tls.Server needs. */
interface TlsSocketInternals {
  _requestCert?: boolean;
  _rejectUnauthorized?: boolean;
  _releaseControl?(): boolean;
  _handle?: { verifyError?(): Error | null } | null;
}

/**
 * What `tls.Server` does for its sockets once their handshake is done (a
 * server-side TLSSocket made directly gets none of it): check the client's
 * certificate when one was requested (setting `authorized` or
 * `authorizationError`), then hand errors to the 'error' event. Returns the
 * error that must fail the handshake (an unverified certificate that must be
 * rejected), else null.
 */
export function finishServerHandshake(socket: tls.TLSSocket): Error | null {
  const internals = socket as unknown as TlsSocketInternals;
  if (internals._requestCert === true) {
    const verify = internals._handle?.verifyError;
    // Fail closed: a Node without the check cannot vouch for the certificate.
    const verifyError = typeof verify === 'function' ? verify.call(internals._handle) : new Error('startTls: this Node cannot verify client certificates here');
    if (verifyError != null) {
      socket.authorizationError = verifyError;
      if (internals._rejectUnauthorized === true) return verifyError;
    } else {
      socket.authorized = true;
    }
  }
  internals._releaseControl?.();
  return null;
}
