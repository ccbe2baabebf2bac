/**
 * TLS 1.2 session resumption on the server: the abbreviated handshake (RFC 5246 §7.3, figure 2)
 * for a session found by its id in `ServerConfig.sessionStore` or sealed in an RFC 5077 ticket by
 * `ServerConfig.ticketer`, and issuing both after a full handshake (RFC 5077 §3.3
 * NewSessionTicket). Only sessions with the extended master secret are issued or resumed
 * (RFC 7627 §5.3).
 */
import { type ClientHello, decodeClientHello } from '../codec/client-hello.ts';
import { CipherSuite, ProtocolVersion } from '../codec/codepoints.ts';
import type { HandshakeMessage } from '../codec/handshake.ts';
import { Reader } from '../codec/reader.ts';
import { DOWNGRADE_SENTINEL_TLS12, emptyServerHelloExtensions, encodeServerHello } from '../codec/server-hello.ts';
import { encodeNewSessionTicket12 } from '../codec/tls12.ts';
import { Writer } from '../codec/writer.ts';
import type { Tls12CipherSuite } from '../crypto/provider.ts';
import { Transcript } from '../crypto/transcript.ts';
import { TlsError, TlsProtocolError } from '../errors.ts';
import type { HandshakeContext } from '../conn/context.ts';
import { type HandshakeState, type Step, withResult } from '../conn/state.ts';
import { encodeMessage } from '../conn/tls13-shared.ts';
import { EC_POINT_FORMAT_UNCOMPRESSED, Tls12Exporter, Tls12Traffic, checkPeerFinished, makeFinished } from '../conn/tls12-shared.ts';
import { TLS12_MAX_SESSION_LIFETIME_SECONDS, tls12KeysFromMaster } from '../conn/tls12-session.ts';
import { isPromiseLike, fromUtf8, utf8 } from '../util.ts';
import type { ServerConfig } from './config.ts';
import { chooseAlpn, startTls12Server } from './tls12.ts';

/** A TLS 1.2 session as the server remembers it (in the session store, or sealed in a ticket). */
export interface Tls12ServerSessionState {
  readonly cipherSuite: number;
  /** The 48-byte master secret (RFC 5246 §8.1). Secret. */
  readonly masterSecret: Uint8Array;
  /** The session's master secret is the extended one (RFC 7627). */
  readonly extendedMasterSecret: boolean;
  /** ms since the Unix epoch. */
  readonly issuedAt: number;
  readonly lifetimeSeconds: number;
  /** The server_name of the original handshake; RFC 6066 §3 ties the session to it. */
  readonly sni: string | null;
  /** The client's certificate chain of the original handshake (client authentication carries over). */
  readonly peerCertificates: readonly Uint8Array[];
}

/** First byte of a TLS 1.2 state; TLS 1.3 states (server/resumption.ts) start with 1. */
const TLS12_STATE_VERSION = 0x12;

/** Encodes TLS 1.2 session state for the store or the ticketer. */
export function encodeTls12SessionState(s: Tls12ServerSessionState): Uint8Array {
  const w = new Writer(128);
  w.u8(TLS12_STATE_VERSION).u16(s.cipherSuite).opaque8(s.masterSecret).u8(s.extendedMasterSecret ? 1 : 0);
  w.u32(Math.floor(s.issuedAt / 0x100000000)).u32(s.issuedAt >>> 0).u32(s.lifetimeSeconds);
  w.opaque8(s.sni === null ? new Uint8Array(0) : utf8(s.sni));
  const m = w.start24();
  for (const c of s.peerCertificates) w.opaque24(c);
  w.end24(m);
  return w.toBytes();
}

/** Decodes TLS 1.2 session state; null for anything malformed, of another version or TLS 1.3. */
export function decodeTls12SessionState(b: Uint8Array): Tls12ServerSessionState | null {
  try {
    const r = new Reader(b);
    if (r.u8('state12.version') !== TLS12_STATE_VERSION) return null;
    const cipherSuite = r.u16('state12.suite');
    const masterSecret = r.opaque8('state12.master', 48, 48).slice();
    const emsByte = r.u8('state12.ems');
    const issuedAt = r.u32('state12.issued_hi') * 0x100000000 + r.u32('state12.issued_lo');
    const lifetimeSeconds = r.u32('state12.lifetime');
    const sni = r.opaque8('state12.sni', 0, 255);
    const certs = r.vec24('state12.certs', 0, 0xffffff);
    const peerCertificates: Uint8Array[] = [];
    while (certs.remaining() > 0) peerCertificates.push(certs.opaque24('state12.cert', 1, 0xffffff).slice());
    certs.finish('state12.certs');
    r.finish('state12');
    if (emsByte > 1) return null;
    return { cipherSuite, masterSecret, extendedMasterSecret: emsByte === 1, issuedAt, lifetimeSeconds, sni: sni.length === 0 ? null : fromUtf8(sni), peerCertificates };
  } catch (e) {
    if (e instanceof TlsError) return null;
    throw e;
  }
}

/** How a session was found: by session id (store) or by ticket (ticketer). */
type Found = { readonly via: 'id' | 'ticket'; readonly raw: Uint8Array | null };

/**
 * RFC 5077 §3.4: a ticket first; when it does not open, the session id ("the server MAY use
 * the Session ID in the ClientHello to perform stateful session resumption").
 */
function lookup(config: ServerConfig, ticket: Uint8Array | null, sessionId: Uint8Array): Found | null | PromiseLike<Found | null> {
  const byId = (): Found | null | PromiseLike<Found | null> => {
    if (config.sessionStore === null || sessionId.length === 0) return null;
    const raw = config.sessionStore.take(sessionId);
    return isPromiseLike(raw) ? Promise.resolve(raw).then((v) => ({ via: 'id' as const, raw: v })) : { via: 'id', raw };
  };
  if (ticket === null || config.ticketer === null || !config.tls12Tickets) return byId();
  const opened = config.ticketer.decrypt(ticket);
  const after = (raw: Uint8Array | null): Found | null | PromiseLike<Found | null> => (raw !== null ? { via: 'ticket', raw } : byId());
  return isPromiseLike(opened) ? Promise.resolve(opened).then(after) : after(opened);
}

/**
 * Handles a ClientHello for which `chooseServerVersion` chose TLS 1.2: when it offers a session
 * (a non-empty session id or session_ticket) that we issued and can resume, the abbreviated
 * handshake; otherwise the full one (`startTls12Server`).
 */
export function startTls12ServerWithResumption(cx: HandshakeContext, config: ServerConfig, ch: ClientHello, encoding: Uint8Array): Step {
  const ticket = ch.extensions.sessionTicket;
  const offered = (ticket !== null && ticket.length > 0 && config.ticketer !== null && config.tls12Tickets) || (ch.legacySessionId.length > 0 && config.sessionStore !== null);
  if (!offered) return startTls12Server(cx, config, ch, encoding);
  const found = lookup(config, ticket === null || ticket.length === 0 ? null : ticket.slice(), ch.legacySessionId.slice());
  // Answered at once (the default ticketer, a memory store): the decoded ClientHello and its
  // buffer are still valid, so use them as they are.
  if (!isPromiseLike(found)) return resumeOrFull12(cx, config, found, ch, encoding);
  // An async lookup: the message buffer is reused meanwhile, so keep a copy of the ClientHello
  // (made now, while the buffer is intact) and decode it again when the answer comes.
  const copy = encoding.slice();
  return withResult(cx, found, (cx2, f) => resumeOrFull12(cx2, config, f, decodeClientHello(copy.subarray(4)), copy));
}

/** After the lookup: the abbreviated handshake for a session we can resume, else the full one. */
function resumeOrFull12(cx: HandshakeContext, config: ServerConfig, f: Found | null, ch: ClientHello, encoding: Uint8Array): Step {
  const st = f === null || f.raw === null ? null : decodeTls12SessionState(f.raw);
  if (f === null || st === null) return startTls12Server(cx, config, ch, encoding);
  const suite = resumableSuite(cx, config, ch, st);
  if (suite === null) return startTls12Server(cx, config, ch, encoding);
  // RFC 7627 §5.3: "If the original session used the extension but the new ClientHello does
  // not contain it, the server MUST abort the abbreviated handshake."
  if (!ch.extensions.extendedMasterSecret) {
    throw new TlsProtocolError('ERR_TLS_PEER_EMS_MISMATCH', 'ClientHello resumes a session that used the extended master secret but does not offer it (RFC 7627 §5.3)');
  }
  if (f.via === 'id') {
    // The store hands each entry out once; a TLS 1.2 session id stays resumable for its
    // lifetime, so put it back before anything the client sends can fail the handshake.
    // The put may be async: keep the ClientHello across it as above.
    const put = config.sessionStore!.put(ch.legacySessionId.slice(), f.raw!);
    if (!isPromiseLike(put)) return resumeTls12(cx, config, ch, encoding, st, suite);
    const copy = encoding.slice();
    return withResult(cx, put, (cx3) => resumeTls12(cx3, config, decodeClientHello(copy.subarray(4)), copy, st, suite));
  }
  return resumeTls12(cx, config, ch, encoding, st, suite);
}

/**
 * The session's suite when it may be resumed now, else null (a full handshake):
 * lifetime; the suite still ours and offered (RFC 5246 §7.4.1.2); the same server name
 * (RFC 6066 §3); the extended master secret (RFC 7627 §5.3: a non-EMS session is never
 * resumed); a client certificate when we now require one.
 */
function resumableSuite(cx: HandshakeContext, config: ServerConfig, ch: ClientHello, st: Tls12ServerSessionState): Tls12CipherSuite | null {
  const now = cx.now();
  const lifetime = Math.min(st.lifetimeSeconds, TLS12_MAX_SESSION_LIFETIME_SECONDS) * 1000;
  if (now - st.issuedAt > lifetime || now < st.issuedAt - 60_000) return null;
  if (!st.extendedMasterSecret) return null;
  if (st.sni !== ch.extensions.serverName) return null;
  const verifier = config.clientVerifier;
  if (verifier !== null && verifier.offerClientAuth() && verifier.clientAuthMandatory() && st.peerCertificates.length === 0) return null;
  if (!ch.cipherSuites.includes(st.cipherSuite)) return null;
  return config.cipherSuites.find((s): s is Tls12CipherSuite => s.version === 'TLSv1.2' && s.suite === st.cipherSuite) ?? null;
}

/**
 * RFC 5246 §7.3 figure 2: ServerHello echoing the session id, ChangeCipherSpec, Finished; then
 * the client's ChangeCipherSpec and Finished.
 */
function resumeTls12(cx: HandshakeContext, config: ServerConfig, ch: ClientHello, encoding: Uint8Array, st: Tls12ServerSessionState, suite: Tls12CipherSuite): Step {
  const e = ch.extensions;
  // The checks of a full handshake that do not depend on certificates (server/tls12.ts).
  if (!ch.legacyCompressionMethods.includes(0)) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'ClientHello.compression_methods lacks null (RFC 5246 §7.4.1.2)');
  }
  if (e.renegotiationInfo !== null && e.renegotiationInfo.length !== 0) {
    throw new TlsProtocolError('ERR_TLS_PEER_BAD_RENEGOTIATION_INFO', `ClientHello renegotiation_info carries ${e.renegotiationInfo.length} bytes on an initial handshake: expected none (RFC 5746 §3.6)`);
  }
  if (e.ecPointFormats !== null && !e.ecPointFormats.includes(EC_POINT_FORMAT_UNCOMPRESSED)) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'ClientHello ec_point_formats lacks uncompressed (RFC 8422 §5.1.2)');
  }
  const secureRenegotiation = e.renegotiationInfo !== null || ch.cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
  // RFC 7301 §3.1: ALPN is negotiated per connection, resumed or not.
  const alpnBytes = chooseAlpn(config, ch);
  cx.noteServerName(e.serverName);
  const clientRandom = ch.random.slice();
  const serverRandom = cx.random(32);
  // RFC 8446 §4.1.3: the downgrade sentinel goes in every TLS 1.2 ServerHello of a TLS 1.3 server.
  if (config.cipherSuites.some((s) => s.version === 'TLSv1.3')) serverRandom.set(DOWNGRADE_SENTINEL_TLS12, 24);
  const ext = emptyServerHelloExtensions();
  if (secureRenegotiation) ext.renegotiationInfo = new Uint8Array(0);
  ext.extendedMasterSecret = true; // RFC 7627 §5.3: the session and the hello both have it
  if (e.ecPointFormats !== null) ext.ecPointFormats = [EC_POINT_FORMAT_UNCOMPRESSED];
  if (alpnBytes !== null) ext.alpn = alpnBytes;
  // RFC 6066 §3: "When resuming a session, the server MUST NOT include a server_name extension".
  const transcript = new Transcript(suite.hash);
  transcript.add(encoding);
  const sh = encodeMessage(encodeServerHello, {
    legacyVersion: ProtocolVersion.TLSv1_2, random: serverRandom, legacySessionIdEcho: ch.legacySessionId.slice(), // §7.4.1.3: the same id
    cipherSuite: suite.suite, legacyCompressionMethod: 0, extensionsAbsent: false, extensions: ext,
  });
  transcript.add(sh);
  cx.sendHandshake(sh);
  cx.allowCompatCcs(false);
  const keys = tls12KeysFromMaster(cx, suite, st.masterSecret, clientRandom, serverRandom);
  cx.sendTls12ChangeCipherSpec(suite, keys.serverWriteKey, keys.serverWriteIv);
  const fin = makeFinished(suite, st.masterSecret, 'server', transcript);
  cx.noteFinished('local', fin.subarray(4)); // after the 4-byte handshake header
  cx.sendHandshake(fin);
  cx.expectTls12ChangeCipherSpec(suite, keys.clientWriteKey, keys.clientWriteIv);
  return new ExpectResumedClientFinished12({
    suite, transcript, master: st.masterSecret, clientRandom, serverRandom, sni: e.serverName,
    alpn: alpnBytes === null ? null : (fromUtf8(alpnBytes) ?? ''), peerCertificates: st.peerCertificates.slice(),
  });
}

interface ResumedServer12 {
  readonly suite: Tls12CipherSuite;
  readonly transcript: Transcript;
  readonly master: Uint8Array;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  readonly sni: string | null;
  readonly alpn: string | null;
  readonly peerCertificates: Uint8Array[];
}

/** Waiting for the client's Finished in an abbreviated handshake (RFC 5246 §7.3, figure 2). */
class ExpectResumedClientFinished12 implements HandshakeState {
  readonly name = 'ExpectResumedFinished12';
  readonly established = false;
  readonly hs: ResumedServer12;
  constructor(hs: ResumedServer12) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    cx.noteFinished('peer', checkPeerFinished(m, hs.suite, hs.master, 'client', hs.transcript));
    cx.handshakeComplete({
      protocolVersion: 'TLSv1.2',
      cipherSuite: hs.suite.name,
      cipherSuiteId: hs.suite.suite,
      group: null,
      groupId: null,
      alpn: hs.alpn,
      serverName: hs.sni,
      peerCertificates: hs.peerCertificates,
      peerSignatureScheme: null,
      resumed: true,
      helloRetried: false,
    });
    return new Tls12Traffic('server', new Tls12Exporter(hs.suite, hs.master, hs.clientRandom, hs.serverRandom, true));
  }
}

/** What a full TLS 1.2 handshake needs to issue its session (set by server/tls12.ts). */
export interface Tls12SessionIssue {
  /** The session id of our ServerHello; stored under it when `store` (RFC 5246 §7.4.1.3). */
  readonly sessionId: Uint8Array;
  /** Put the session in `ServerConfig.sessionStore`. */
  readonly store: boolean;
  /** We acknowledged session_ticket: a NewSessionTicket goes before our CCS (RFC 5077 §3.3). */
  readonly ticket: boolean;
}

/**
 * What a full handshake issues (RFC 5246 §7.3, RFC 5077 §3.3): a session id in the store and/or
 * a ticket, only with the extended master secret (RFC 7627 §5.3). `ServerHello.session_id`:
 * random, and stored only with a store.
 */
export function planTls12Session(cx: HandshakeContext, config: ServerConfig, ch: ClientHello): Tls12SessionIssue {
  const ems = ch.extensions.extendedMasterSecret;
  return {
    sessionId: cx.random(32),
    store: ems && config.sessionStore !== null,
    ticket: ems && config.ticketer !== null && config.tls12Tickets && ch.extensions.sessionTicket !== null,
  };
}

/**
 * After the client's Finished in a full handshake: stores the session and seals a ticket as
 * planned; returns the ticket (to send in NewSessionTicket) or null. The store and the ticketer
 * may be async.
 */
export function issueTls12Session(cx: HandshakeContext, config: ServerConfig, plan: Tls12SessionIssue, suite: Tls12CipherSuite, master: Uint8Array, sni: string | null, peerCertificates: readonly Uint8Array[]): Uint8Array | null | PromiseLike<Uint8Array | null> {
  if (!plan.store && !plan.ticket) return null;
  const state = encodeTls12SessionState({
    cipherSuite: suite.suite, masterSecret: master, extendedMasterSecret: true, issuedAt: cx.now(),
    lifetimeSeconds: Math.min(config.ticketLifetimeSeconds, TLS12_MAX_SESSION_LIFETIME_SECONDS), sni, peerCertificates,
  });
  const seal = (): Uint8Array | null | PromiseLike<Uint8Array | null> => (plan.ticket ? config.ticketer!.encrypt(state) : null);
  if (!plan.store) return seal();
  const put = config.sessionStore!.put(plan.sessionId.slice(), state.slice());
  return isPromiseLike(put) ? Promise.resolve(put).then(seal) : seal();
}

/** Sends NewSessionTicket (RFC 5077 §3.3) with `ticket` and adds it to the transcript. */
export function sendNewSessionTicket12(cx: HandshakeContext, transcript: Transcript, ticket: Uint8Array, lifetimeSeconds: number): void {
  if (ticket.length > 0xffff) throw new TlsError('ERR_TLS_INTERNAL', `ticket of ${ticket.length} bytes: expected at most 65535`);
  const w = new Writer(ticket.length + 16);
  // RFC 5077 §3.3: ticket_lifetime_hint in seconds.
  encodeNewSessionTicket12(w, { ticketLifetimeHint: Math.min(lifetimeSeconds, TLS12_MAX_SESSION_LIFETIME_SECONDS), ticket });
  const bytes = w.toBytes();
  transcript.add(bytes);
  cx.sendHandshake(bytes);
}
