/**
 * Session resumption for typetls/node-compat: node:tls' session API over the engine's TLS 1.3
 * tickets (RFC 8446 §2.2) and TLS 1.2 session ids and tickets (RFC 5246 §7.3, RFC 5077).
 * - client: each new session becomes a `'session'` event with a Buffer (the engine's
 *   `encodeClientSession`: SECRET, it holds the PSK or master secret); `getSession()` returns the
 *   newest; `connect({ session })` / `setSession()` offer one until the ClientHello is built,
 *   which happens where node:tls starts its handshake (transport connected, or first write on a
 *   client made with `new TLSSocket()`);
 * - server: `ticketKeys` (48 bytes, node's size) key the engine's stateless ticketer for both
 *   versions (servers given the same keys resume each other's tickets). With `'newSession'` /
 *   `'resumeSession'` listeners the server behaves as node:tls' external session cache over
 *   OpenSSL: `'resumeSession'(id, cb)` for a ClientHello with a session id and no ticket (read
 *   before the version is chosen, as node's ClientHello parser), `'newSession'(id, data, done)`
 *   for each TLS 1.2 session id issued (not when a ticket is issued instead) and for each TLS 1.3
 *   ticket (informational: TLS 1.3 tickets stay stateless), the handshake waiting for `done`.
 */
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import {
  isTls12ClientSession, type ClientSession, type ClientSessionStore, type Tls12ClientSession, type Tls13ClientSession,
} from '../core/client/session-store.ts';
import type { IoState } from '../core/conn/api.ts';
import type { CryptoProvider } from '../core/crypto/provider.ts';
import type { ServerConfig } from '../core/server/config.ts';
import { ServerConnection } from '../core/server/connection.ts';
import type { ServerSessionStore } from '../core/server/session-store.ts';
import { createTicketer, type RotatingTicketer, type Ticketer } from '../core/server/ticketer.ts';

/**
 * A per-connection client store holding the one session node:tls would give OpenSSL
 * (`SSL_set_session`). The engine asks for it while building the ClientHello; until `start()`
 * (node's handshake start) that question waits, so `setSession()` can still change the answer.
 * `put`/`setTls12` report each new session (the 'session' event).
 */
export class CompatClientSessions implements ClientSessionStore {
  private given: ClientSession | null = null;
  /** The ClientHello is being (or was) built: the session is fixed. */
  private fixed = false;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  private readonly onSession: (session: ClientSession) => void;
  /** Called before a given session is offered; false drops it (e.g. its certificate no longer verifies). */
  private readonly accept: (session: ClientSession) => boolean;

  constructor(onSession: (session: ClientSession) => void, accept: (session: ClientSession) => boolean) {
    this.onSession = onSession;
    this.accept = accept;
  }

  /** Sets the session to offer; false once the ClientHello was built (node: no effect then). */
  setSession(s: ClientSession | null): boolean {
    if (this.fixed) return false;
    this.given = s;
    return true;
  }

  /** From now on the ClientHello may be built: the engine's question waits for this when `defer()` was called. */
  start(): void {
    const open = this.openGate;
    this.openGate = null;
    if (open !== null) open();
  }

  /** Makes the engine's question wait for `start()` (called before the connection is made). */
  defer(): void {
    if (this.gate !== null || this.fixed) return;
    this.gate = new Promise<void>((resolve) => { this.openGate = resolve; });
  }

  /** True while the ClientHello waits for `start()`. */
  get waiting(): boolean {
    return this.openGate !== null;
  }

  put(_serverName: string, session: Tls13ClientSession): void {
    this.onSession(session);
  }

  setTls12(_serverName: string, session: Tls12ClientSession): void {
    this.onSession(session);
  }

  removeTls12(_serverName: string): void {}

  take(serverName: string): Tls13ClientSession | null | Promise<Tls13ClientSession | null> {
    if (this.openGate !== null) return this.gate!.then(() => this.take(serverName));
    this.fixed = true;
    const s = this.given;
    if (s === null || isTls12ClientSession(s)) return null;
    this.given = null; // RFC 8446 C.4: a ticket is offered once
    return this.accept(s) ? s : null;
  }

  getTls12(serverName: string): Tls12ClientSession | null | Promise<Tls12ClientSession | null> {
    if (this.openGate !== null) return this.gate!.then(() => this.getTls12(serverName));
    this.fixed = true;
    const s = this.given;
    if (s === null || !isTls12ClientSession(s)) return null;
    return this.accept(s) ? s : null;
  }
}

/** The 32-byte ticketer key derived from node's 48-byte `ticketKeys` (SHA-256 with a label). */
function ticketKeyFrom(keys: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update('typetls node-compat ticket key\0').update(keys).digest());
}

/** The engine's stateless ticketer (TLS 1.3 and TLS 1.2 tickets) keyed by node-style 48-byte ticket keys. */
export function compatTicketer(provider: CryptoProvider, keys: Uint8Array): RotatingTicketer {
  return createTicketer({ provider, keys: [ticketKeyFrom(keys)] });
}

/** Re-keys a ticketer from 48-byte keys (tickets sealed under the previous keys no longer open, as in node). */
export function setCompatTicketKeys(t: RotatingTicketer, keys: Uint8Array): void {
  t.setKeys([ticketKeyFrom(keys)]);
}

/** What a tls.Server looks like to the session events. */
export interface SessionEventTarget {
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

/** First byte of the engine's TLS 1.2 session state (server/tls12-resumption.ts). */
const TLS12_STATE_FIRST_BYTE = 0x12;

/** What node's ClientHello parser reads: legacy_session_id and the session_ticket extension. */
interface HelloFacts {
  readonly sessionId: Uint8Array;
  /** session_ticket's contents, or null when the extension is absent. */
  readonly ticket: Uint8Array | null;
}

/** RFC 5077 §3.2 / RFC 8446 §4.2: extension type 35. */
const EXT_SESSION_TICKET = 35;
/** node's ClientHelloParser gives up on a first record longer than this (2^14 + 5). */
const MAX_FIRST_RECORD = 16384 + 5;

/**
 * Reads legacy_session_id and session_ticket from the first record when it holds a whole
 * ClientHello (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2), as node's ClientHelloParser; null when it
 * does not parse (the engine then reports the real problem).
 */
function parseHello(rec: Uint8Array): HelloFacts | null {
  // TLSPlaintext header: type(1)=22, version(2), length(2); Handshake: type(1)=1, length(3).
  if (rec.length < 9 || rec[0] !== 22 || rec[5] !== 1) return null;
  const end = 9 + ((rec[6]! << 16) | (rec[7]! << 8) | rec[8]!);
  if (end > rec.length) return null; // the hello continues in another record: node gives up too
  let p = 9 + 2 + 32; // legacy_version, random
  if (p + 1 > end) return null;
  const idLen = rec[p]!;
  if (idLen > 32 || p + 1 + idLen > end) return null;
  const sessionId = rec.slice(p + 1, p + 1 + idLen);
  p += 1 + idLen;
  if (p + 2 > end) return null;
  p += 2 + ((rec[p]! << 8) | rec[p + 1]!); // cipher_suites
  if (p + 1 > end) return null;
  p += 1 + rec[p]!; // legacy_compression_methods
  if (p === end) return { sessionId, ticket: null }; // no extensions (RFC 5246 §7.4.1.2)
  if (p + 2 > end) return null;
  const extEnd = p + 2 + ((rec[p]! << 8) | rec[p + 1]!);
  if (extEnd > end) return null;
  p += 2;
  while (p + 4 <= extEnd) {
    const type = (rec[p]! << 8) | rec[p + 1]!;
    const len = (rec[p + 2]! << 8) | rec[p + 3]!;
    if (p + 4 + len > extEnd) return null;
    if (type === EXT_SESSION_TICKET) return { sessionId, ticket: rec.slice(p + 4, p + 4 + len) };
    p += 4 + len;
  }
  return { sessionId, ticket: null };
}

/**
 * One server connection's view of the session events. `store` is the engine's session store
 * for TLS 1.2 session ids (null without `'newSession'`/`'resumeSession'` listeners, as node
 * enables its session callbacks only then); `ticketer` wraps the server's ticketer to report
 * TLS 1.3 tickets as `'newSession'`.
 */
export class CompatServerSessions {
  readonly store: ServerSessionStore | null;
  readonly ticketer: Ticketer;
  private readonly server: SessionEventTarget;
  private readonly fail: (err: Error) => void;
  /** From the ClientHello (null until read, or when it did not parse). */
  hello: HelloFacts | null = null;
  /**
   * The first record while it is incomplete: 5 bytes until its header is in, then exactly the
   * record's size (at most MAX_FIRST_RECORD), so bytes are copied once however they arrive.
   */
  private first: Uint8Array | null = new Uint8Array(5);
  /** Bytes of `first` filled so far. */
  private firstLength = 0;
  /** What 'resumeSession' handed back, and for which id. */
  private loaded: { id: Uint8Array; data: Uint8Array } | null = null;
  /** The engine took the loaded session: its put-back is not a new session. */
  private resumedById = false;
  /** Non-null while 'resumeSession' has not called back. */
  pending: Promise<void> | null = null;

  /** False with SSL_OP_NO_TICKET: TLS 1.2 sessions always go by id, even when the client offers session_ticket. */
  private readonly tls12Tickets: boolean;

  constructor(server: SessionEventTarget, inner: Ticketer, fail: (err: Error) => void, tls12Tickets = true) {
    this.server = server;
    this.tls12Tickets = tls12Tickets;
    this.fail = fail;
    const enabled = server.listenerCount('newSession') > 0 || server.listenerCount('resumeSession') > 0;
    this.store = enabled ? { put: (id, state) => this.put(id, state), take: (id) => this.take(id) } : null;
    if (!enabled) this.first = null;
    this.ticketer = {
      encrypt: (state) => {
        // TLS 1.3: node:tls (OpenSSL) reports every ticket's session; TLS 1.2 tickets are not reported.
        if (state[0] === TLS12_STATE_FIRST_BYTE || server.listenerCount('newSession') === 0) return inner.encrypt(state);
        const announced = this.announce(randomBytes(32), state);
        return announced === null ? inner.encrypt(state) : announced.then(() => inner.encrypt(state));
      },
      decrypt: (ticket) => inner.decrypt(ticket),
    };
  }

  /** True while the ClientHello is still being collected or 'resumeSession' is pending. */
  get inspecting(): boolean {
    return this.first !== null || this.pending !== null;
  }

  /** Sees the bytes the engine accepted until the first record (the ClientHello) is complete. */
  feed(bytes: Uint8Array): void {
    let off = 0;
    while (this.first !== null && off < bytes.length) {
      const buf = this.first;
      const take = Math.min(bytes.length - off, buf.length - this.firstLength);
      buf.set(bytes.subarray(off, off + take), this.firstLength);
      this.firstLength += take;
      off += take;
      if (this.firstLength < buf.length) return;
      if (buf.length === 5) {
        // The header is in: TLSPlaintext.length says how much more to collect.
        const recordEnd = 5 + ((buf[3]! << 8) | buf[4]!);
        if (recordEnd > MAX_FIRST_RECORD) {
          this.first = null; // not something node's parser reads
          return;
        }
        const whole = new Uint8Array(recordEnd);
        whole.set(buf);
        this.first = whole;
        if (recordEnd > 5) continue;
      }
      const record = this.first;
      this.first = null;
      this.hello = parseHello(record);
      this.maybeResume();
    }
  }

  /**
   * node:tls' loadSession: 'resumeSession'(id, cb) for a hello with a session id and no ticket
   * ("sessions with tickets can be resumed directly from the ticket"); cb(err) destroys the
   * socket, cb(null, data) loads data for the handshake, no data means a full handshake.
   */
  private maybeResume(): void {
    const h = this.hello;
    if (h === null || h.sessionId.length === 0 || (h.ticket !== null && h.ticket.length > 0)) return;
    if (this.server.listenerCount('resumeSession') === 0) return;
    let resolve: () => void = () => undefined;
    let called = false;
    const id = h.sessionId;
    const cb = (err: Error | null, data?: Uint8Array | null): void => {
      if (called) {
        this.fail(Object.assign(new Error('Callback called multiple times'), { code: 'ERR_MULTIPLE_CALLBACK' }));
        return;
      }
      called = true;
      this.pending = null;
      if (err) {
        this.fail(err);
        return;
      }
      if (data !== undefined && data !== null && ArrayBuffer.isView(data)) {
        this.loaded = { id, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() };
      }
      resolve();
    };
    const p = new Promise<void>((r) => { resolve = r; });
    this.pending = p;
    this.server.emit('resumeSession', Buffer.from(id), cb);
    if (called) this.pending = null;
  }

  private take(id: Uint8Array): Uint8Array | null {
    const l = this.loaded;
    if (l === null || !sameBytes(l.id, id)) return null;
    this.loaded = null;
    this.resumedById = true;
    return l.data;
  }

  private put(id: Uint8Array, state: Uint8Array): void | Promise<void> {
    // The engine puts a session back after resuming it by id: not a new session (OpenSSL
    // reports new sessions of full handshakes only).
    if (this.resumedById) return undefined;
    // OpenSSL issues a ticket instead of a session id when the client offers session_ticket
    // (ServerHello then has an empty id): no 'newSession' then.
    if (this.tls12Tickets && this.hello !== null && this.hello.ticket !== null) return undefined;
    if (state[0] !== TLS12_STATE_FIRST_BYTE || this.server.listenerCount('newSession') === 0) return undefined;
    return this.announce(id, state) ?? undefined;
  }

  /**
   * 'newSession'(id, data, done): the engine waits for `done` before it goes on; null when
   * `done` was called at once (the handshake then goes on synchronously, as in node:tls).
   */
  private announce(id: Uint8Array, state: Uint8Array): Promise<void> | null {
    let resolve: (() => void) | null = null;
    let called = false;
    const done = (): void => {
      if (called) return;
      called = true;
      if (resolve !== null) resolve();
    };
    if (!this.server.emit('newSession', Buffer.from(id), Buffer.from(state), done)) done();
    if (called) return null;
    return new Promise<void>((r) => { resolve = r; });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const IDLE: IoState = { tlsBytesToWrite: 0, plaintextBytesToRead: 0, peerHasClosed: false };

/**
 * A server connection that shows the first record to `CompatServerSessions` before the engine
 * handles it, and holds the handshake while 'resumeSession' is pending (node's ClientHello
 * parser pauses OpenSSL the same way).
 */
export class CompatServerConnection extends ServerConnection {
  private readonly sessions: CompatServerSessions;

  constructor(config: ServerConfig, sessions: CompatServerSessions) {
    super(config);
    this.sessions = sessions;
  }

  override readTls(data: Uint8Array): number {
    const n = super.readTls(data);
    if (n > 0 && this.sessions.inspecting) this.sessions.feed(n === data.length ? data : data.subarray(0, n));
    return n;
  }

  override lendTls(data: Uint8Array): number {
    // While the first record is inspected, a copy (readTls feeds it); lending starts after.
    return this.sessions.inspecting ? this.readTls(data) : super.lendTls(data);
  }

  override processNewPackets(): IoState {
    if (this.sessions.pending !== null) return IDLE;
    return super.processNewPackets();
  }

  override blockedOn(): Promise<void> | null {
    return this.sessions.pending ?? super.blockedOn();
  }
}
