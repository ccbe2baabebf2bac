/**
 * Ways into programs that do not call `tls.connect` themselves: an `https.Agent` subclass,
 * an undici connector (`new undici.Agent({ connect: typetlsConnector() })`, for `fetch` with a
 * dispatcher, HTTP/2 included with `allowH2`) and a `createConnection` for `ws`, `http.request`
 * and `http2.connect` (give it `ALPNProtocols: ['h2']`). Node's own `https`, `http2` and global
 * `fetch` otherwise always use the builtin tls.
 */
import * as https from 'node:https';
import * as net from 'node:net';
import type { Buffer } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { connect, type ConnectionOptions } from './connect.ts';
import type { TLSSocket } from './tls-socket.ts';

/** Options of request layers carry `path` (the URL path) and `socketPath`; only the latter is a transport path. */
function transportOptions(options: Record<string, unknown>): ConnectionOptions {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (v !== undefined) o[k] = v;
  delete o['path'];
  if (typeof options['socketPath'] === 'string') o['path'] = options['socketPath'];
  // RFC 6066 §3: no SNI for IP literals; ws and https compute servername the same way.
  if (o['servername'] === undefined && typeof o['host'] === 'string' && net.isIP(o['host']) === 0) o['servername'] = o['host'];
  if (typeof o['hostname'] === 'string' && o['host'] === undefined) o['host'] = o['hostname'];
  return o as ConnectionOptions;
}

/**
 * An `https.Agent` whose connections are typetls (pooling and keep-alive as https.Agent).
 * Per-agent TLS options (ca, cert, key, ciphers, ...) go in the constructor, as with https.Agent.
 * @example
 * https.get('https://example.com/', { agent: new Agent({ keepAlive: true }) }, (res) => res.resume());
 */
export class Agent extends https.Agent {
  override createConnection(options: Record<string, unknown>, callback?: (err: Error | null, socket: Duplex) => void): Duplex {
    // As https.Agent's own createConnection: resume with the session cached under the
    // request's agent key (host, port and TLS options), cache each new one, evict on error.
    const key = typeof options['_agentKey'] === 'string' ? options['_agentKey'] : '';
    const cache = this as unknown as AgentSessionCache;
    const o = transportOptions(options);
    if (key !== '' && o.session === undefined) {
      const session = cache._getSession(key);
      if (session !== undefined) o.session = session;
    }
    const socket = connect(o);
    if (key !== '') {
      socket.on('session', (session: Buffer) => cache._cacheSession(key, session));
      // https.Agent evicts when the socket closes with an error (a stale or refused session).
      socket.once('close', () => {
        if (socket.errored !== null) cache._evictSession(key);
      });
    }
    // https.Agent ignores the callback when a socket is returned synchronously.
    void callback;
    return socket as unknown as Duplex;
  }
}

/** https.Agent's session cache (bounded by `maxCachedSessions`; undocumented but stable since Node 0.11). */
interface AgentSessionCache {
  _getSession(key: string): Buffer | undefined;
  _cacheSession(key: string, session: Buffer): void;
  _evictSession(key: string): void;
}

/** What undici passes to a connector. */
export interface UndiciConnectOptions {
  hostname: string;
  host?: string;
  protocol: string;
  port: string | number;
  servername?: string | null;
  localAddress?: string | null;
  httpSocket?: Duplex;
}

/** Options of `typetlsConnector` (TLS options as for `connect()`, plus undici's). */
export interface TypetlsConnectorOptions extends ConnectionOptions {
  /** Offer h2 as well as http/1.1 in ALPN (undici then speaks HTTP/2 when the server picks it). Default false. */
  allowH2?: boolean;
  /** Abort the TCP+TLS setup after this many ms. Default 10000 (undici's). */
  connectTimeout?: number;
  /** Sessions kept for resumption, one per server name (undici's default 100); 0 disables. */
  maxCachedSessions?: number;
}

type UndiciCallback = (err: Error | null, socket: Duplex | null) => void;

/**
 * An undici connector over typetls: `new Agent({ connect: typetlsConnector({ ca }) })` then
 * `fetch(url, { dispatcher })`. Calls back after the handshake (and its verification).
 * @example
 * import { Agent, fetch } from 'undici';
 * const dispatcher = new Agent({ connect: typetlsConnector() });
 * const res = await fetch('https://example.com/', { dispatcher });
 */
export function typetlsConnector(options: TypetlsConnectorOptions = {}): (o: UndiciConnectOptions, cb: UndiciCallback) => Duplex {
  const { allowH2 = false, connectTimeout = 10_000, maxCachedSessions = 100, ...tlsOptions } = options;
  const sessions = new SessionCache(maxCachedSessions);
  return (o, callback) => {
    let socket: Duplex;
    if (o.protocol === 'https:') {
      const host = o.hostname.startsWith('[') ? o.hostname.slice(1, -1) : o.hostname;
      const servername = o.servername ?? (net.isIP(host) === 0 ? host : undefined);
      // undici keys its cache by servername || hostname; the port matters too (another server).
      const sessionKey = `${servername ?? host}:${String(o.port)}`;
      const session = tlsOptions.session ?? sessions.get(sessionKey);
      const tls = connect({
        highWaterMark: 16384,
        ...tlsOptions,
        host,
        port: Number(o.port) || 443,
        ...(servername ? { servername } : {}),
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
        ...(o.httpSocket ? { socket: o.httpSocket } : {}),
        ...(session !== undefined ? { session } : {}),
        // RFC 7301 §3.1: the server picks; undici speaks HTTP/2 when it picked h2 (RFC 9113 §3.2).
        ALPNProtocols: allowH2 ? ['h2', 'http/1.1'] : ['http/1.1'],
      });
      tls.setNoDelay(true);
      if (maxCachedSessions > 0) tls.on('session', (s: Buffer) => sessions.set(sessionKey, s));
      socket = tls as unknown as Duplex;
    } else {
      socket = net.connect({ host: o.hostname, port: Number(o.port) || 80, ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
      (socket as net.Socket).setNoDelay(true);
    }
    const event = o.protocol === 'https:' ? 'secureConnect' : 'connect';
    const timer = connectTimeout > 0 ? setTimeout(() => {
      const err = Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' });
      socket.destroy(err);
    }, connectTimeout) : null;
    timer?.unref?.();
    const onError = (err: Error): void => {
      if (timer !== null) clearTimeout(timer);
      socket.removeListener(event, onConnect);
      callback(err, null);
    };
    const onConnect = (): void => {
      if (timer !== null) clearTimeout(timer);
      socket.removeListener('error', onError);
      callback(null, socket);
    };
    socket.once(event, onConnect);
    socket.once('error', onError);
    return socket;
  };
}

/** Newest session per key, oldest key dropped first when full (SECRET: resumption PSKs). */
class SessionCache {
  private readonly max: number;
  private readonly map = new Map<string, Buffer>();

  constructor(max: number) {
    this.max = max;
  }

  get(key: string): Buffer | undefined {
    return this.map.get(key);
  }

  set(key: string, session: Buffer): void {
    if (this.max <= 0) return;
    this.map.delete(key);
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    this.map.set(key, session);
  }
}

/**
 * A `createConnection` for `ws` (`new WebSocket(url, { createConnection })`), `http.request`
 * options and `http2.connect(url, { createConnection: () => createConnection({ ..., ALPNProtocols: ['h2'] }) })`:
 * opens a typetls connection from the request's options.
 */
export function createConnection(options: Record<string, unknown>): TLSSocket {
  return connect(transportOptions(options));
}
