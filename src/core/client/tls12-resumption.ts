/**
 * TLS 1.2 session resumption on the client: offering a remembered session by its id
 * (RFC 5246 §7.4.1.2) and/or its RFC 5077 ticket, the abbreviated handshake when the server
 * echoes our session id (RFC 5246 §7.3 figure 2, RFC 5077 §3.4), and remembering sessions after
 * a handshake. Only extended-master-secret sessions are kept or offered (RFC 7627 §5.3).
 */
import { CipherSuite, HandshakeType, codePointName } from '../codec/codepoints.ts';
import { expectMessage, type HandshakeMessage } from '../codec/handshake.ts';
import type { ServerHello } from '../codec/server-hello.ts';
import { decodeNewSessionTicket12 } from '../codec/tls12.ts';
import type { Tls12KeyBlock } from '../crypto/tls12-prf.ts';
import type { Tls12CipherSuite } from '../crypto/provider.ts';
import type { Transcript } from '../crypto/transcript.ts';
import { TlsProtocolError } from '../errors.ts';
import type { HandshakeContext } from '../conn/context.ts';
import type { HandshakeState, Step } from '../conn/state.ts';
import { Tls12Exporter, Tls12Traffic, checkPeerFinished, makeFinished } from '../conn/tls12-shared.ts';
import { TLS12_MAX_SESSION_LIFETIME_SECONDS, tls12KeysFromMaster } from '../conn/tls12-session.ts';
import { isPromiseLike } from '../util.ts';
import type { ClientConfig } from './config.ts';
import type { ClientHandshakeData } from './handshake-data.ts';
import type { Tls12ClientSession } from './session-store.ts';

/** The session's suite if it is still a configured TLS 1.2 suite, else null. */
function sessionSuite(config: ClientConfig, s: Tls12ClientSession): Tls12CipherSuite | null {
  for (const c of config.cipherSuites) if (c.version === 'TLSv1.2' && c.suite === s.cipherSuite) return c;
  return null;
}

/** True when `s` may be offered now with this config. */
function usable(config: ClientConfig, s: Tls12ClientSession, now: number): boolean {
  const age = now - s.receivedAt;
  const lifetime = Math.min(s.lifetimeSeconds, TLS12_MAX_SESSION_LIFETIME_SECONDS) * 1000;
  const offerable = s.sessionId.length > 0 || (s.ticket !== null && s.ticket.length > 0 && config.tls12SessionTickets);
  return age >= 0 && age <= lifetime && s.extendedMasterSecret && s.masterSecret.length === 48 && offerable && sessionSuite(config, s) !== null;
}

/**
 * The TLS 1.2 session to offer to `serverName` from the config's store, or null (no store, no
 * TLS 1.2, nothing usable). May return a Promise.
 */
export function getTls12Session(config: ClientConfig, serverName: string): Tls12ClientSession | null | PromiseLike<Tls12ClientSession | null> {
  const store = config.sessionStore;
  if (store === null || store.getTls12 === undefined || config.minVersion !== 'TLSv1.2' || !config.cipherSuites.some((s) => s.version === 'TLSv1.2')) return null;
  const got = store.getTls12(serverName);
  const check = (s: Tls12ClientSession | null): Tls12ClientSession | null => (s !== null && usable(config, s, config.now()) ? s : null);
  return isPromiseLike(got) ? Promise.resolve(got).then(check) : check(got);
}

/**
 * ClientHello.legacy_session_id when offering `s`: with a ticket a fresh random id, which a
 * server accepting the ticket echoes (RFC 5077 §3.4); else the session's id (RFC 5246 §7.4.1.2).
 */
export function tls12OfferedSessionId(cx: HandshakeContext, config: ClientConfig, s: Tls12ClientSession): Uint8Array {
  if (s.ticket !== null && s.ticket.length > 0 && config.tls12SessionTickets) return cx.random(32);
  return s.sessionId.slice();
}

/** The ticket to put in session_ticket when offering `s`, or null. */
export function tls12OfferedTicket(config: ClientConfig, s: Tls12ClientSession): Uint8Array | null {
  return s.ticket !== null && s.ticket.length > 0 && config.tls12SessionTickets ? s.ticket : null;
}

/**
 * RFC 5246 §7.4.1.3: the server resumes when it echoes the non-empty session id we offered with
 * a session (with a ticket, the id we made up for it: RFC 5077 §3.4).
 */
export function serverResumesTls12(hs: ClientHandshakeData, sh: ServerHello): boolean {
  if (hs.tls12Offer === null || sh.legacySessionIdEcho.length === 0 || sh.legacySessionIdEcho.length !== hs.sessionId.length) return false;
  for (let i = 0; i < hs.sessionId.length; i++) if (hs.sessionId[i] !== sh.legacySessionIdEcho[i]) return false;
  return true;
}

/** What the parts of a TLS 1.2 handshake that makes or refreshes a session know. */
export interface Tls12SessionFacts {
  readonly suite: Tls12CipherSuite;
  /** ServerHello.session_id (may be empty). */
  readonly sessionId: Uint8Array;
  /** The ticket of a NewSessionTicket, or null (none, or an empty one). */
  readonly ticket: Uint8Array | null;
  readonly ticketLifetimeHint: number;
  readonly master: Uint8Array;
  readonly ems: boolean;
  readonly peerCertificates: readonly Uint8Array[];
}

/**
 * After a TLS 1.2 handshake: keeps its session in the store under `storeKey` (replacing any
 * older one), or forgets the old one when this one cannot be resumed (no id, no ticket, no EMS).
 * A store that returns a Promise is not waited for: the cache is best effort.
 */
export function rememberTls12Session(cx: HandshakeContext, config: ClientConfig, storeKey: string, f: Tls12SessionFacts): void {
  const store = config.sessionStore;
  if (store === null || store.setTls12 === undefined || storeKey === '') return;
  const ticket = f.ticket !== null && f.ticket.length > 0 ? f.ticket : null;
  let result: void | PromiseLike<void>;
  if (!f.ems || (f.sessionId.length === 0 && ticket === null)) {
    result = store.removeTls12?.(storeKey);
  } else {
    // RFC 5077 §3.3: a hint of 0 means unspecified; RFC 5246 F.1.4 bounds it to 24 hours.
    const hint = f.ticketLifetimeHint === 0 || ticket === null ? TLS12_MAX_SESSION_LIFETIME_SECONDS : Math.min(f.ticketLifetimeHint, TLS12_MAX_SESSION_LIFETIME_SECONDS);
    result = store.setTls12(storeKey, {
      serverName: storeKey,
      cipherSuite: f.suite.suite,
      sessionId: f.sessionId.slice(),
      ticket: ticket === null ? null : ticket.slice(), // the message buffer is reused
      masterSecret: f.master.slice(),
      extendedMasterSecret: true,
      peerCertificates: f.peerCertificates.slice(),
      receivedAt: cx.now(),
      lifetimeSeconds: hint,
    });
  }
  if (isPromiseLike(result)) result.then(undefined, () => undefined);
}

/** What an abbreviated client handshake carries from state to state. */
class ResumedClient12 {
  readonly hs: ClientHandshakeData;
  readonly session: Tls12ClientSession;
  readonly suite: Tls12CipherSuite;
  readonly serverRandom: Uint8Array;
  readonly keys: Tls12KeyBlock;
  readonly alpn: string | null;
  readonly transcript: Transcript;
  /** From a NewSessionTicket in this handshake (RFC 5077 §3.1 figure 2), else null. */
  newTicket: Uint8Array | null;
  newTicketHint: number;
  constructor(hs: ClientHandshakeData, session: Tls12ClientSession, suite: Tls12CipherSuite, serverRandom: Uint8Array, keys: Tls12KeyBlock, alpn: string | null) {
    this.hs = hs;
    this.session = session;
    this.suite = suite;
    this.serverRandom = serverRandom;
    this.keys = keys;
    this.alpn = alpn;
    this.transcript = hs.transcript;
    this.newTicket = null;
    this.newTicketHint = 0;
  }
}

/**
 * The server echoed our session id: the abbreviated handshake (RFC 5246 §7.3 figure 2). The
 * caller checked the rest of the ServerHello (client/tls12.ts) and added it to the transcript.
 * @throws ERR_TLS_PEER_ILLEGAL_PARAMETER for another suite than the session's;
 *   ERR_TLS_PEER_EMS_MISMATCH (handshake_failure) when the ServerHello's extended_master_secret
 *   differs from the session's (RFC 7627 §5.3).
 */
export function resumeTls12Client(cx: HandshakeContext, hs: ClientHandshakeData, suite: Tls12CipherSuite, alpn: string | null, sh: ServerHello): Step {
  const session = hs.tls12Offer!;
  // RFC 5246 §7.4.1.3: "For resumed sessions, this field is the value from the state of the
  // session being resumed."
  if (suite.suite !== session.cipherSuite) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `server resumes our session with ${codePointName(CipherSuite, suite.suite)}: expected the session's ${codePointName(CipherSuite, session.cipherSuite)} (RFC 5246 §7.4.1.3)`);
  }
  // RFC 7627 §5.3: "If the original session used the extension but the new ServerHello does
  // not contain the extension, the client MUST abort the handshake" (and the reverse).
  if (sh.extensions.extendedMasterSecret !== session.extendedMasterSecret) {
    throw new TlsProtocolError('ERR_TLS_PEER_EMS_MISMATCH', `server resumes a session ${session.extendedMasterSecret ? 'with' : 'without'} the extended master secret in a ServerHello ${sh.extensions.extendedMasterSecret ? 'with' : 'without'} it (RFC 7627 §5.3)`);
  }
  const serverRandom = sh.random.slice();
  const keys = tls12KeysFromMaster(cx, suite, session.masterSecret, hs.random, serverRandom);
  const r = new ResumedClient12(hs, session, suite, serverRandom, keys, alpn);
  // RFC 5077 §3.1: a server that acknowledged session_ticket sends NewSessionTicket first.
  if (sh.extensions.sessionTicket) return new ExpectResumedNewSessionTicket12(r);
  cx.expectTls12ChangeCipherSpec(suite, keys.serverWriteKey, keys.serverWriteIv);
  return new ExpectResumedServerFinished12(r);
}

/** Waiting for the NewSessionTicket of a resumed handshake (RFC 5077 §3.1 figure 2). */
class ExpectResumedNewSessionTicket12 implements HandshakeState {
  readonly name = 'ExpectNewSessionTicket12';
  readonly established = false;
  readonly r: ResumedClient12;
  constructor(r: ResumedClient12) {
    this.r = r;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const r = this.r;
    const t = expectMessage(m, HandshakeType.NewSessionTicket, decodeNewSessionTicket12);
    r.transcript.add(m.encoding);
    r.newTicket = t.ticket.length === 0 ? null : t.ticket.slice(); // the buffer is reused
    r.newTicketHint = t.ticketLifetimeHint;
    cx.expectTls12ChangeCipherSpec(r.suite, r.keys.serverWriteKey, r.keys.serverWriteIv);
    return new ExpectResumedServerFinished12(r);
  }
}

/** Waiting for the server's Finished; then our ChangeCipherSpec and Finished (RFC 5246 §7.3). */
class ExpectResumedServerFinished12 implements HandshakeState {
  readonly name = 'ExpectResumedFinished12';
  readonly established = false;
  readonly r: ResumedClient12;
  constructor(r: ResumedClient12) {
    this.r = r;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const r = this.r;
    const master = r.session.masterSecret;
    cx.noteFinished('peer', checkPeerFinished(m, r.suite, master, 'server', r.transcript));
    cx.sendTls12ChangeCipherSpec(r.suite, r.keys.clientWriteKey, r.keys.clientWriteIv);
    const fin = makeFinished(r.suite, master, 'client', r.transcript);
    cx.noteFinished('local', fin.subarray(4)); // after the 4-byte handshake header
    cx.sendHandshake(fin);
    cx.handshakeComplete({
      protocolVersion: 'TLSv1.2',
      cipherSuite: r.suite.name,
      cipherSuiteId: r.suite.suite,
      group: null,
      groupId: null,
      alpn: r.alpn,
      serverName: r.hs.sni,
      peerCertificates: r.session.peerCertificates.slice(),
      peerSignatureScheme: null,
      resumed: true,
      helloRetried: false,
    });
    // A new ticket replaces the old one; the session id stays.
    if (r.newTicket !== null) {
      rememberTls12Session(cx, r.hs.config, r.hs.sessionKey, {
        suite: r.suite, sessionId: r.session.sessionId, ticket: r.newTicket, ticketLifetimeHint: r.newTicketHint,
        master, ems: true, peerCertificates: r.session.peerCertificates,
      });
    }
    return new Tls12Traffic('client', new Tls12Exporter(r.suite, master, r.hs.random, r.serverRandom, true));
  }
}
