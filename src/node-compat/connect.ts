/**
 * node:tls `connect()`: the same argument forms, defaults read late from the module object
 * (`DEFAULT_CIPHERS`, `checkServerIdentity`, `createSecureContext`), `NODE_TLS_REJECT_UNAUTHORIZED=0`
 * with Node's warning, SNI from `servername` else `host` (never for IP literals), and an existing
 * stream via `socket` (STARTTLS).
 */
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import process from 'node:process';
import { moduleObject, type PeerCertificate } from './binding.ts';
import { EXPECT_FUNCTION, EXPECT_NUMBER, EXPECT_OBJECT, EXPECT_STRING, invalidArgType, nodeTypeError } from './node-errors.ts';
import { isIpLiteral, kClientSetup, TLSSocket, type ClientSetup, type TLSSocketOptions } from './tls-socket.ts';

/** node:tls `ConnectionOptions` that typetls implements (plus the SecureContext options). */
export interface ConnectionOptions extends TLSSocketOptions {
  host?: string;
  port?: number;
  path?: string;
  servername?: string;
  socket?: Duplex;
  checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined;
  timeout?: number;
  signal?: AbortSignal;
  localAddress?: string;
  family?: number;
}

let warnedAllowUnauthorized = false;

/** Node's `getAllowUnauthorized()`: NODE_TLS_REJECT_UNAUTHORIZED=0 turns verification off, with a warning once. */
function allowUnauthorized(): boolean {
  const allow = process.env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0';
  if (allow && !warnedAllowUnauthorized) {
    warnedAllowUnauthorized = true;
    process.emitWarning("Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS connections and HTTPS requests insecure by disabling certificate verification.");
  }
  return allow;
}

/** net's normalizeConnectArgs for tls: (options[, cb]) | (port[, host][, options][, cb]) | (path[, options][, cb]). */
function normalizeArgs(args: unknown[]): [ConnectionOptions, (() => void) | undefined] {
  let cb: (() => void) | undefined;
  if (typeof args[args.length - 1] === 'function') cb = args.pop() as () => void;
  let options: ConnectionOptions = {};
  const first = args[0];
  if (typeof first === 'object' && first !== null) {
    options = { ...(first as ConnectionOptions) };
  } else if (typeof first === 'string' && Number.isNaN(Number(first))) {
    options = { path: first };
    if (typeof args[1] === 'object' && args[1] !== null) options = { ...(args[1] as ConnectionOptions), path: first };
  } else if (first !== undefined) {
    options = { port: first as number };
    let i = 1;
    if (typeof args[1] === 'string') {
      options.host = args[1];
      i = 2;
    }
    if (typeof args[i] === 'object' && args[i] !== null) options = { ...(args[i] as ConnectionOptions), ...options };
  }
  return [options, cb];
}

/**
 * node:tls `connect()`. Works without `this`; calls `createSecureContext` and
 * `checkServerIdentity` through the exported module object.
 * @throws TypeError ERR_INVALID_ARG_TYPE (and Node's other codes) for options of the wrong type;
 *   ERR_TYPETLS_UNSUPPORTED_OPTION for options typetls cannot honour.
 * @example
 * import tls from 'typetls/node-compat';
 * const s = tls.connect(443, 'example.com', { ALPNProtocols: ['http/1.1'] }, () => console.log(s.authorized));
 */
export function connect(...args: unknown[]): TLSSocket {
  const api = moduleObject();
  const [given, cb] = normalizeArgs(args);
  const options: ConnectionOptions = {
    rejectUnauthorized: !allowUnauthorized(),
    ciphers: api.DEFAULT_CIPHERS,
    checkServerIdentity: api.checkServerIdentity,
    ...given,
  };
  if (typeof options !== 'object') throw invalidArgType('options', EXPECT_OBJECT, options);
  if (typeof options.checkServerIdentity !== 'function') throw invalidArgType('options.checkServerIdentity', EXPECT_FUNCTION, options.checkServerIdentity);
  if (options.servername !== undefined && typeof options.servername !== 'string') throw invalidArgType('name', EXPECT_STRING, options.servername);
  if (options.host !== undefined && options.host !== null && typeof options.host !== 'string') throw invalidArgType('hostname', EXPECT_STRING, options.host);
  if (options.timeout !== undefined && typeof options.timeout !== 'number') throw invalidArgType('msecs', EXPECT_NUMBER, options.timeout);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw invalidArgType('signal', 'an instance of AbortSignal', options.signal);
  if (options.highWaterMark !== undefined && (typeof options.highWaterMark !== 'number' || options.highWaterMark < 0)) {
    throw nodeTypeError('ERR_INVALID_ARG_VALUE', `The property 'options.readableHighWaterMark' is invalid. Received ${String(options.highWaterMark)}`);
  }
  if (options.socket !== undefined && options.socket !== null && (typeof options.socket !== 'object' || typeof (options.socket as Duplex).pipe !== 'function')) {
    throw invalidArgType('options.socket', 'an instance of stream.Duplex', options.socket);
  }
  const host = options.host ?? 'localhost';
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  // lib/_tls_wrap.js: the identity check uses servername || host; SNI is servername, else host.
  const hostname = options.servername || bare;
  let sni: string | null;
  if (options.servername !== undefined) sni = options.servername === '' || isIpLiteral(options.servername) ? null : options.servername;
  else sni = isIpLiteral(bare) ? null : bare;
  const check = options.checkServerIdentity;
  const setup: ClientSetup = { hostname, sni, checkServerIdentity: (h, c) => check(h, c) };
  let transport: Duplex;
  if (options.socket) {
    transport = options.socket;
  } else if (options.path !== undefined) {
    transport = net.connect({ path: options.path, allowHalfOpen: true });
  } else {
    transport = net.connect({
      host: bare, port: options.port ?? 443, allowHalfOpen: true,
      ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
      ...(options.family !== undefined ? { family: options.family } : {}),
    });
  }
  let socket: TLSSocket;
  try {
    socket = new TLSSocket(transport, { ...options, isServer: false, [kClientSetup]: setup } as TLSSocketOptions);
  } catch (e) {
    if (!options.socket) transport.destroy();
    throw e;
  }
  if (cb !== undefined) socket.once('secureConnect', cb);
  if (options.timeout) {
    try {
      socket.setTimeout(options.timeout); // ERR_OUT_OF_RANGE for a negative timeout, as node
    } catch (e) {
      socket.destroy();
      if (!options.socket) transport.destroy();
      throw e;
    }
  }
  const signal = options.signal;
  if (signal !== undefined) {
    const abort = (): void => {
      socket.destroy(Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' }));
    };
    if (signal.aborted) process.nextTick(abort);
    else {
      signal.addEventListener('abort', abort, { once: true });
      socket.once('close', () => signal.removeEventListener('abort', abort));
    }
  }
  return socket;
}
