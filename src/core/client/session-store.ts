/**
 * Client-side TLS 1.3 session tickets (RFC 8446 §2.2, §4.6.1) and where they are kept.
 *
 * RFC 8446 Appendix C.4: "Clients SHOULD NOT reuse a ticket for multiple connections", so a
 * store hands a ticket out exactly once: `take` removes it. A server normally sends several
 * tickets per connection (OpenSSL and rustls send 2), which lets several later connections
 * resume.
 */
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { TlsDecodeError } from '../errors.ts';
import { fromUtf8, utf8 } from '../util.ts';

/** One TLS 1.3 ticket and what resuming with it needs. Contains a secret (`psk`). */
export interface Tls13ClientSession {
  /** The key the session is stored under: the server name the connection was made to. */
  readonly serverName: string;
  /** The cipher suite (code point) of the connection that got the ticket. */
  readonly cipherSuite: number;
  /** The opaque ticket (the PSK identity, §4.2.11). */
  readonly ticket: Uint8Array;
  /** PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
  readonly psk: Uint8Array;
  /** ticket_age_add (§4.6.1): added mod 2^32 to the age we send. */
  readonly ticketAgeAdd: number;
  /** ticket_lifetime in seconds (at most 604800). */
  readonly lifetimeSeconds: number;
  /** When the ticket arrived, ms since the Unix epoch (the config's clock). */
  readonly receivedAt: number;
  /** max_early_data_size from the ticket's early_data extension (§4.2.10); 0 = no 0-RTT. */
  readonly maxEarlyDataSize: number;
  /** The ALPN protocol of the original connection, or null; 0-RTT must use the same (§4.2.10). */
  readonly alpn: string | null;
  /** The server's certificate chain of the original connection (resumption re-uses its authentication). */
  readonly peerCertificates: readonly Uint8Array[];
}

/**
 * A TLS 1.2 session (RFC 5246 §7.3) and what resuming it needs: its id and/or an RFC 5077
 * ticket, and its master secret. Contains a secret (`masterSecret`). Unlike TLS 1.3 tickets a
 * TLS 1.2 session is offered again until it expires or a full handshake replaces it.
 */
export interface Tls12ClientSession {
  /** The key the session is stored under: the server name the connection was made to. */
  readonly serverName: string;
  /** The cipher suite (code point); a resuming ServerHello must repeat it (RFC 5246 §7.4.1.3). */
  readonly cipherSuite: number;
  /** The server's session id (1..32 bytes), or empty when the session has only a ticket. */
  readonly sessionId: Uint8Array;
  /** The RFC 5077 ticket, or null. */
  readonly ticket: Uint8Array | null;
  /** The 48-byte master secret (RFC 5246 §8.1). */
  readonly masterSecret: Uint8Array;
  /** The session used the extended master secret (RFC 7627); sessions without it are not kept. */
  readonly extendedMasterSecret: boolean;
  /** The server's certificate chain of the original connection. */
  readonly peerCertificates: readonly Uint8Array[];
  /** When the session was made, ms since the Unix epoch (the config's clock). */
  readonly receivedAt: number;
  /** Seconds it may be offered (the ticket's lifetime hint, at most 24 hours: RFC 5246 F.1.4). */
  readonly lifetimeSeconds: number;
}

/**
 * Where a client keeps tickets, keyed by server name. Replaceable by the user; either method
 * may return a Promise (the connection parks until it settles).
 */
export interface ClientSessionStore {
  /** Keeps a ticket for `serverName`. */
  put(serverName: string, session: Tls13ClientSession): void | PromiseLike<void>;
  /** Removes and returns one ticket for `serverName` (the newest), or null. Never returns a ticket twice. */
  take(serverName: string): Tls13ClientSession | null | PromiseLike<Tls13ClientSession | null>;
  /** Keeps the TLS 1.2 session for `serverName`, replacing any older one. Optional: without it no TLS 1.2 resumption. */
  setTls12?(serverName: string, session: Tls12ClientSession): void | PromiseLike<void>;
  /** The TLS 1.2 session for `serverName` (not removed: TLS 1.2 sessions are reusable), or null. */
  getTls12?(serverName: string): Tls12ClientSession | null | PromiseLike<Tls12ClientSession | null>;
  /** Forgets the TLS 1.2 session for `serverName` (after the server refused it or it failed). */
  removeTls12?(serverName: string): void | PromiseLike<void>;
}

export interface ClientSessionStoreOptions {
  /** Server names remembered; the least recently used is dropped first. Default 256. */
  maxServers?: number;
  /** Tickets kept per server name; the oldest is dropped first. Default 8. */
  maxTicketsPerServer?: number;
}

/** The in-memory store: synchronous, with a ticket count. */
export interface MemoryClientSessionStore extends ClientSessionStore {
  /** Tickets held (TLS 1.3). */
  readonly size: number;
  /** TLS 1.2 sessions held (at most one per server name, at most `maxServers`). */
  readonly tls12Size: number;
  put(serverName: string, session: Tls13ClientSession): void;
  take(serverName: string): Tls13ClientSession | null;
  setTls12(serverName: string, session: Tls12ClientSession): void;
  getTls12(serverName: string): Tls12ClientSession | null;
  removeTls12(serverName: string): void;
}

/**
 * An in-memory, bounded LRU `ClientSessionStore` (synchronous).
 * @example
 * const config = createClientConfig({ provider, verifier, sessionStore: createClientSessionStore() });
 */
export function createClientSessionStore(o: ClientSessionStoreOptions = {}): MemoryClientSessionStore {
  const maxServers = o.maxServers ?? 256;
  const maxTickets = o.maxTicketsPerServer ?? 8;
  if (!Number.isInteger(maxServers) || maxServers < 1 || !Number.isInteger(maxTickets) || maxTickets < 1) {
    throw new RangeError('createClientSessionStore: maxServers and maxTicketsPerServer must be positive integers');
  }
  // A Map iterates in insertion order: re-inserting on use makes the first key the LRU one.
  const byServer = new Map<string, Tls13ClientSession[]>();
  // TLS 1.2: one session per server name, LRU over names like the tickets.
  const tls12 = new Map<string, Tls12ClientSession>();
  return {
    get tls12Size(): number {
      return tls12.size;
    },
    setTls12(serverName: string, session: Tls12ClientSession): void {
      tls12.delete(serverName);
      tls12.set(serverName, session);
      while (tls12.size > maxServers) {
        const oldest = tls12.keys().next();
        if (oldest.done === true) break;
        tls12.delete(oldest.value);
      }
    },
    getTls12(serverName: string): Tls12ClientSession | null {
      const s = tls12.get(serverName);
      if (s === undefined) return null;
      tls12.delete(serverName); // most recently used last
      tls12.set(serverName, s);
      return s;
    },
    removeTls12(serverName: string): void {
      tls12.delete(serverName);
    },
    get size(): number {
      let n = 0;
      for (const l of byServer.values()) n += l.length;
      return n;
    },
    put(serverName: string, session: Tls13ClientSession): void {
      let list = byServer.get(serverName);
      if (list !== undefined) byServer.delete(serverName);
      else list = [];
      list.push(session);
      if (list.length > maxTickets) list.shift();
      byServer.set(serverName, list);
      while (byServer.size > maxServers) {
        const oldest = byServer.keys().next();
        if (oldest.done === true) break;
        byServer.delete(oldest.value);
      }
    },
    take(serverName: string): Tls13ClientSession | null {
      const list = byServer.get(serverName);
      if (list === undefined) return null;
      const s = list.pop() ?? null;
      byServer.delete(serverName);
      if (list.length > 0) byServer.set(serverName, list);
      return s;
    },
  };
}

// ---- serialisation (node:tls getSession() / connect({ session })) ----

/**
 * Format version of `encodeClientSession`; bump when the layout changes. Version 1 held a
 * TLS 1.3 ticket only; version 2 adds a kind byte (TLS 1.3 ticket or TLS 1.2 session).
 * Version 1 buffers still decode.
 */
const SESSION_FORMAT_VERSION = 2;
const SESSION_KIND_TLS13 = 0x13;
const SESSION_KIND_TLS12 = 0x12;

/** What `encodeClientSession` serialises: a TLS 1.3 ticket or a TLS 1.2 session. */
export type ClientSession = Tls13ClientSession | Tls12ClientSession;

/** True for a TLS 1.2 session (it has a master secret; a TLS 1.3 ticket has a PSK). */
export function isTls12ClientSession(s: ClientSession): s is Tls12ClientSession {
  return (s as Partial<Tls12ClientSession>).masterSecret !== undefined;
}

function writeReceivedAt(w: Writer, ms: number): void {
  w.u32(Math.floor(ms / 0x1_0000_0000));
  w.u32(ms >>> 0);
}

function readReceivedAt(r: Reader): number {
  return r.u32('session.received_at') * 0x1_0000_0000 + r.u32('session.received_at');
}

function writeCertificates(w: Writer, certificates: readonly Uint8Array[]): void {
  const certs = w.start24();
  for (const c of certificates) w.opaque24(c);
  w.end24(certs);
}

function readCertificates(r: Reader): Uint8Array[] {
  const list = r.vec24('session.certificates', 0, 0xffffff);
  const peerCertificates: Uint8Array[] = [];
  while (list.remaining() > 0) peerCertificates.push(list.opaque24('session.certificate', 1, 0xffffff).slice());
  list.finish('session.certificates');
  return peerCertificates;
}

function readServerName(r: Reader): string {
  const serverName = fromUtf8(r.opaque16('session.server_name', 0, 0xffff));
  if (serverName === null) throw new TlsDecodeError('ERR_TLS_DECODE_BAD_VALUE', 'session.server_name: not UTF-8');
  return serverName;
}

/**
 * Serialises a session for storage outside the process (node:tls `getSession()`), as
 * version(1) = 2 | kind(1) | body, where kind 0x13 (TLS 1.3 ticket) has the body
 * server_name<0..2^16-1> | cipher_suite(2) | ticket<1..2^16-1> | psk<1..255> |
 * ticket_age_add(4) | lifetime(4) | received_at_ms(8) | max_early_data(4) | alpn<0..255> with a
 * presence byte | certificates<0..2^24-1> of cert<1..2^24-1>,
 * and kind 0x12 (TLS 1.2 session, RFC 5246 §7.3 / RFC 5077) has the body
 * server_name<0..2^16-1> | cipher_suite(2) | session_id<0..32> | ticket<1..2^16-1> with a
 * presence byte | master_secret<48> | extended_master_secret(1) | received_at_ms(8) |
 * lifetime(4) | certificates.
 *
 * SECRET: the result contains the resumption PSK or the master secret; whoever holds it can
 * resume the session (and read 0-RTT data sent with it). Keep it as confidential as a private
 * key. The caller owns it.
 */
export function encodeClientSession(s: ClientSession): Uint8Array {
  const w = new Writer(256 + (s.ticket?.length ?? 0) + s.peerCertificates.reduce((n, c) => n + c.length + 3, 0));
  w.u8(SESSION_FORMAT_VERSION);
  if (isTls12ClientSession(s)) {
    w.u8(SESSION_KIND_TLS12);
    w.opaque16(utf8(s.serverName));
    w.u16(s.cipherSuite);
    w.opaque8(s.sessionId);
    if (s.ticket === null) w.u8(0);
    else w.u8(1).opaque16(s.ticket);
    w.opaque8(s.masterSecret);
    w.u8(s.extendedMasterSecret ? 1 : 0);
    writeReceivedAt(w, s.receivedAt);
    w.u32(s.lifetimeSeconds);
    writeCertificates(w, s.peerCertificates);
    return w.toBytes();
  }
  w.u8(SESSION_KIND_TLS13);
  writeTls13Body(w, s);
  return w.toBytes();
}

function writeTls13Body(w: Writer, s: Tls13ClientSession): void {
  w.opaque16(utf8(s.serverName));
  w.u16(s.cipherSuite);
  w.opaque16(s.ticket);
  w.opaque8(s.psk);
  w.u32(s.ticketAgeAdd >>> 0);
  w.u32(s.lifetimeSeconds);
  writeReceivedAt(w, s.receivedAt);
  w.u32(s.maxEarlyDataSize);
  if (s.alpn === null) w.u8(0);
  else w.u8(1).opaque8(utf8(s.alpn));
  writeCertificates(w, s.peerCertificates);
}

/** The TLS 1.3 body (also the whole of a version 1 buffer after its version byte). */
function readTls13Body(r: Reader): Tls13ClientSession {
  const serverName = readServerName(r);
  const cipherSuite = r.u16('session.cipher_suite');
  const ticket = r.opaque16('session.ticket', 1, 0xffff).slice();
  const psk = r.opaque8('session.psk', 1, 0xff).slice();
  const ticketAgeAdd = r.u32('session.ticket_age_add');
  const lifetimeSeconds = r.u32('session.lifetime');
  const receivedAt = readReceivedAt(r);
  const maxEarlyDataSize = r.u32('session.max_early_data');
  const hasAlpn = r.u8('session.alpn_present');
  if (hasAlpn > 1) throw new TlsDecodeError('ERR_TLS_DECODE_BAD_VALUE', `session.alpn_present: ${hasAlpn}, expected 0 or 1`);
  let alpn: string | null = null;
  if (hasAlpn === 1) {
    alpn = fromUtf8(r.opaque8('session.alpn', 1, 0xff));
    if (alpn === null) throw new TlsDecodeError('ERR_TLS_DECODE_BAD_VALUE', 'session.alpn: not UTF-8');
  }
  const peerCertificates = readCertificates(r);
  return { serverName, cipherSuite, ticket, psk, ticketAgeAdd, lifetimeSeconds, receivedAt, maxEarlyDataSize, alpn, peerCertificates };
}

function readTls12Body(r: Reader): Tls12ClientSession {
  const serverName = readServerName(r);
  const cipherSuite = r.u16('session.cipher_suite');
  // RFC 5246 §7.4.1.2: SessionID session_id<0..32>.
  const sessionId = r.opaque8('session.session_id', 0, 32).slice();
  const hasTicket = r.u8('session.ticket_present');
  if (hasTicket > 1) throw new TlsDecodeError('ERR_TLS_DECODE_BAD_VALUE', `session.ticket_present: ${hasTicket}, expected 0 or 1`);
  // RFC 5077 §3.3: opaque ticket<0..2^16-1>; an empty one is not kept (null instead).
  const ticket = hasTicket === 1 ? r.opaque16('session.ticket', 1, 0xffff).slice() : null;
  const masterSecret = r.opaque8('session.master_secret', 48, 48).slice(); // RFC 5246 §8.1
  const ems = r.u8('session.extended_master_secret');
  if (ems > 1) throw new TlsDecodeError('ERR_TLS_DECODE_BAD_VALUE', `session.extended_master_secret: ${ems}, expected 0 or 1`);
  const receivedAt = readReceivedAt(r);
  const lifetimeSeconds = r.u32('session.lifetime');
  const peerCertificates = readCertificates(r);
  return { serverName, cipherSuite, sessionId, ticket, masterSecret, extendedMasterSecret: ems === 1, peerCertificates, receivedAt, lifetimeSeconds };
}

/**
 * Parses what `encodeClientSession` made (this version or version 1); `isTls12ClientSession`
 * tells the two kinds apart. The returned session owns copies of its fields.
 * @throws TlsDecodeError (ERR_TLS_DECODE_*) for malformed or truncated input, or an unknown
 *   format version or kind (ERR_TLS_DECODE_BAD_VALUE).
 */
export function decodeClientSession(b: Uint8Array): ClientSession {
  const r = new Reader(b);
  const version = r.u8('session.version');
  let s: ClientSession;
  if (version === 1) {
    s = readTls13Body(r);
  } else if (version === SESSION_FORMAT_VERSION) {
    const kind = r.u8('session.kind');
    if (kind === SESSION_KIND_TLS13) s = readTls13Body(r);
    else if (kind === SESSION_KIND_TLS12) s = readTls12Body(r);
    else throw new TlsDecodeError('ERR_TLS_DECODE_BAD_VALUE', `session.kind: 0x${kind.toString(16)}, expected 0x13 (TLS 1.3) or 0x12 (TLS 1.2)`);
  } else {
    throw new TlsDecodeError('ERR_TLS_DECODE_BAD_VALUE', `session: format version ${version}, expected 1 or ${SESSION_FORMAT_VERSION}`);
  }
  r.finish('session');
  return s;
}
