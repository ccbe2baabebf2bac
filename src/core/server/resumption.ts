/**
 * TLS 1.3 resumption on the server (RFC 8446 §2.2, §4.2.9–§4.2.11, §4.6.1) and 0-RTT (§4.2.10):
 * finding the session of an offered ticket, checking its binder, the PSK flight, EndOfEarlyData,
 * and issuing NewSessionTickets after the handshake.
 */
import type { ClientHello } from '../codec/client-hello.ts';
import { ExtensionType, HandshakeType, ProtocolVersion, PskKeyExchangeMode } from '../codec/codepoints.ts';
import { decodeEndOfEarlyData } from '../codec/end-of-early-data.ts';
import { expectMessage, type HandshakeMessage } from '../codec/handshake.ts';
import { emptyNewSessionTicketExtensions, encodeNewSessionTicket } from '../codec/new-session-ticket.ts';
import { Reader } from '../codec/reader.ts';
import { emptyServerHelloExtensions, encodeServerHello } from '../codec/server-hello.ts';
import type { Writer } from '../codec/writer.ts';
import { EarlySecret, resumptionPsk } from '../crypto/key-schedule.ts';
import type { Tls13CipherSuite } from '../crypto/provider.ts';
import { TlsError, TlsProtocolError } from '../errors.ts';
import type { HandshakeContext } from '../conn/context.ts';
import { Tls13Exporter } from '../conn/exporter.ts';
import { type HandshakeState, type Step, withResult } from '../conn/state.ts';
import type { Tls13Traffic } from '../conn/tls13-traffic.ts';
import { encodeMessage } from '../conn/tls13-shared.ts';
import { constantTimeEqual, fromUtf8, utf8 } from '../util.ts';
import type { ServerConfig } from './config.ts';
import type { ServerHandshakeData } from './handshake-data.ts';
import type { ServerSessionStore } from './session-store.ts';
import { ExpectClientFinished, sendEncryptedExtensions, sendServerFinished } from './tls13.ts';

/** What a ticket carries back to us (sealed by the ticketer, or kept in the session store). */
export interface ServerSessionState {
  readonly cipherSuite: number;
  readonly psk: Uint8Array;
  readonly ticketAgeAdd: number;
  /** ms since the Unix epoch. */
  readonly issuedAt: number;
  readonly lifetimeSeconds: number;
  readonly maxEarlyDataSize: number;
  readonly alpn: Uint8Array | null;
  readonly sni: string | null;
  /** The client's certificate chain of the original handshake (client authentication carries over). */
  readonly peerCertificates: readonly Uint8Array[];
}

const STATE_VERSION = 1;

/** Encodes session state (version 1). */
export function encodeSessionState(s: ServerSessionState): Uint8Array {
  // The shared scratch writer (zeroed after use, so no PSK copy lingers in it).
  return encodeMessage(writeSessionState, s);
}

function writeSessionState(w: Writer, s: ServerSessionState): void {
  w.u8(STATE_VERSION).u16(s.cipherSuite).opaque8(s.psk).u32(s.ticketAgeAdd >>> 0);
  w.u32(Math.floor(s.issuedAt / 0x100000000)).u32(s.issuedAt >>> 0);
  w.u32(s.lifetimeSeconds).u32(s.maxEarlyDataSize);
  w.opaque8(s.alpn ?? new Uint8Array(0));
  w.opaque8(s.sni === null ? new Uint8Array(0) : utf8(s.sni));
  const m = w.start24();
  for (const c of s.peerCertificates) w.opaque24(c);
  w.end24(m);
}

/** Decodes session state; null for anything malformed or of another version. */
export function decodeSessionState(b: Uint8Array): ServerSessionState | null {
  try {
    const r = new Reader(b);
    if (r.u8('state.version') !== STATE_VERSION) return null;
    const cipherSuite = r.u16('state.suite');
    const psk = r.opaque8('state.psk', 32, 64).slice();
    const ticketAgeAdd = r.u32('state.age_add');
    const issuedAt = r.u32('state.issued_hi') * 0x100000000 + r.u32('state.issued_lo');
    const lifetimeSeconds = r.u32('state.lifetime');
    const maxEarlyDataSize = r.u32('state.max_early_data');
    const alpn = r.opaque8('state.alpn', 0, 255);
    const sni = r.opaque8('state.sni', 0, 255);
    const certs = r.vec24('state.certs', 0, 0xffffff);
    const peerCertificates: Uint8Array[] = [];
    while (certs.remaining() > 0) peerCertificates.push(certs.opaque24('state.cert', 1, 0xffffff).slice());
    certs.finish('state.certs');
    r.finish('state');
    return {
      cipherSuite, psk, ticketAgeAdd, issuedAt, lifetimeSeconds, maxEarlyDataSize,
      alpn: alpn.length === 0 ? null : alpn.slice(),
      sni: sni.length === 0 ? null : fromUtf8(sni),
      peerCertificates,
    };
  } catch (e) {
    if (e instanceof TlsError) return null;
    throw e;
  }
}

/** The PSK accepted for this handshake (on `ServerHandshakeData.resumption`). */
export class ServerResumption {
  readonly state: ServerSessionState;
  readonly earlySecret: EarlySecret;
  earlyDataAccepted: boolean;
  constructor(state: ServerSessionState, earlySecret: EarlySecret) {
    this.state = state;
    this.earlySecret = earlySecret;
    this.earlyDataAccepted = false;
  }
}

/** RFC 8446 §8.3: how far the client's ticket age may be from ours for 0-RTT (ms). */
const MAX_EARLY_AGE_SKEW_MS = 10_000;

/**
 * How much rejected 0-RTT we skip (§4.2.10 "up to the configured max_early_data_size"). With
 * 0-RTT off we still skip up to 16384 bytes, as OpenSSL does, so a client that tries 0-RTT falls
 * back to 1-RTT cleanly.
 */
function skipBudget(config: ServerConfig): number {
  return Math.max(config.maxEarlyDataSize, 16384);
}

/** The store for TLS 1.3 tickets: `sessionStore` unless `tls13SessionStore` is false. */
function tls13Store(config: ServerConfig): ServerSessionStore | null {
  return config.tls13SessionStore === false ? null : config.sessionStore;
}

function resumptionConfigured(config: ServerConfig): boolean {
  return tls13Store(config) !== null || config.ticketer !== null;
}

/** How many NewSessionTickets `sendTickets` sends after this handshake (full or resumed). */
function ticketCount(hs: ServerHandshakeData): number {
  const config = hs.config;
  if (!resumptionConfigured(config)) return 0;
  return hs.resumption !== null ? config.ticketsAfterResumption : config.ticketsToSend;
}

/** True when `sendTickets` will send at least one NewSessionTicket (so needs the resumption secret). */
export function ticketsWanted(hs: ServerHandshakeData): boolean {
  return ticketCount(hs) > 0;
}

/**
 * Call for every ClientHello that gets a ServerHello, before it enters the transcript: ends
 * the 0-RTT skipping a HelloRetryRequest started, and returns the binder transcript hash
 * Transcript-Hash(earlier messages, Truncate(ClientHello)) (§4.2.11.2), or null without a usable offer.
 */
export function pskBinderHash(cx: HandshakeContext, hs: ServerHandshakeData, ch: ClientHello, encoding: Uint8Array): Uint8Array | null {
  if (hs.helloRetried) cx.skipEarlyData('none', 0);
  if (ch.extensions.preSharedKey === null || !resumptionConfigured(hs.config)) return null;
  return hs.transcript.currentWith(encoding.subarray(0, encoding.length - ch.bindersLength));
}

/** After sending a HelloRetryRequest to a hello with early_data: skip its 0-RTT records (§4.2.10). */
export function skipEarlyDataAfterRetry(cx: HandshakeContext, hs: ServerHandshakeData, ch: ClientHello): void {
  if (ch.extensions.earlyData) cx.skipEarlyData('application-data', skipBudget(hs.config));
}

/** Finds the state of a ticket: the single-use store first, then the ticketer. */
function lookup(config: ServerConfig, identity: Uint8Array): { raw: Uint8Array | null | PromiseLike<Uint8Array | null>; singleUse: boolean } | null {
  const store = tls13Store(config);
  if (store !== null) {
    const taken = store.take(identity);
    if (config.ticketer === null) return { raw: taken, singleUse: true };
    // Both: a store hit is single-use; otherwise ask the ticketer.
    const ticketer = config.ticketer;
    const orTicketer = (v: Uint8Array | null): Promise<Uint8Array | null> | Uint8Array | null => (v !== null ? v : (ticketer.decrypt(identity) as Uint8Array | null));
    if (taken !== null && typeof (taken as PromiseLike<unknown>).then === 'function') {
      return { raw: Promise.resolve(taken).then(orTicketer), singleUse: false };
    }
    if (taken !== null) return { raw: taken as Uint8Array, singleUse: true };
    return { raw: ticketer.decrypt(identity), singleUse: false };
  }
  if (config.ticketer !== null) return { raw: config.ticketer.decrypt(identity), singleUse: false };
  return null;
}

/**
 * Decides between resumption and a full handshake (`full`). Unknown, undecryptable, expired or
 * unsuitable tickets and psk_ke-only offers are ignored (§4.2.11, §4.2.9); a wrong binder for a
 * ticket we would accept is decrypt_error (§4.2.11).
 */
export function resumeOrFull(cx: HandshakeContext, hs: ServerHandshakeData, ch: ClientHello, binderHash: Uint8Array | null, peerShare: Uint8Array, full: (cx: HandshakeContext) => Step): Step {
  const e = ch.extensions;
  const earlyOffered = e.earlyData && !hs.helloRetried;
  const offer = e.preSharedKey;
  // §4.2.9: we do only psk_dhe_ke (forward secrecy); a psk_ke-only client gets a full handshake.
  if (binderHash === null || offer === null || e.pskKeyExchangeModes === null || !e.pskKeyExchangeModes.includes(PskKeyExchangeMode.PskDheKe)) {
    return fullHandshake(cx, hs, earlyOffered, full);
  }
  // We try the first identity only: clients offer one ticket (OpenSSL, rustls, us), and
  // §4.2.10 allows 0-RTT only with the first. The views alias the message buffer: copy.
  const identity = offer.identities[0]!.identity.slice();
  const obfuscatedAge = offer.identities[0]!.obfuscatedTicketAge;
  const binder = offer.binders[0]!.slice();
  const alpnOffered = hs.alpn;
  const found = lookup(hs.config, identity);
  if (found === null) return fullHandshake(cx, hs, earlyOffered, full);
  return withResult(cx, found.raw, (cx2, raw) => {
    const st = raw === null ? null : decodeSessionState(raw);
    const suite = hs.suite!;
    const ticketSuite = st === null ? null : tls13SuiteById(hs.config, st.cipherSuite);
    const now = cx2.now();
    // §4.6.1: lifetime; §4.2.11: "the server MUST ensure that it selects a compatible PSK (if
    // any) and cipher suite" (same hash); the SNI must match the original (as rustls checks).
    if (st === null || ticketSuite === null || ticketSuite.hash.name !== suite.hash.name
      || now - st.issuedAt > st.lifetimeSeconds * 1000 || now < st.issuedAt - MAX_EARLY_AGE_SKEW_MS
      || st.sni !== hs.sni || st.psk.length !== suite.hash.outputLength) {
      return fullHandshake(cx2, hs, earlyOffered, full);
    }
    const early = new EarlySecret(suite.hash, st.psk);
    // §4.2.11.2: the binder proves the client holds the PSK; constant-time comparison.
    if (!early.verifyBinder('resumption', binderHash, binder)) {
      throw new TlsProtocolError('ERR_TLS_PEER_BAD_BINDER', 'the PSK binder of the offered ticket does not match the ClientHello (RFC 8446 §4.2.11.2)');
    }
    const r = new ServerResumption(st, early);
    hs.resumption = r;
    hs.peerCertificates = st.peerCertificates.slice();
    if (earlyOffered) {
      // §4.2.10 / §8: accept 0-RTT only with a single-use ticket, the same suite and ALPN, a
      // fresh-enough ticket age, and when both the ticket and our config allow it.
      const clientAge = (obfuscatedAge - st.ticketAgeAdd) >>> 0;
      const serverAge = now - st.issuedAt;
      const sameAlpn = (alpnOffered === null && st.alpn === null)
        || (alpnOffered !== null && st.alpn !== null && constantTimeEqual(alpnOffered, st.alpn));
      r.earlyDataAccepted = found.singleUse && hs.config.maxEarlyDataSize > 0 && st.maxEarlyDataSize > 0
        && st.cipherSuite === suite.suite && sameAlpn && Math.abs(clientAge - serverAge) <= MAX_EARLY_AGE_SKEW_MS;
      if (!r.earlyDataAccepted) cx2.skipEarlyData('undecryptable', skipBudget(hs.config));
    }
    return sendResumedServerFlight(cx2, hs, peerShare);
  });
}

/** Our configured TLS 1.3 suite with code point `id`, or null. */
function tls13SuiteById(config: ServerConfig, id: number): Tls13CipherSuite | null {
  for (const s of config.cipherSuites) if (s.version === 'TLSv1.3' && s.suite === id) return s;
  return null;
}

/** No resumption: skip any 0-RTT records the client sent (§4.2.10), then the full handshake. */
function fullHandshake(cx: HandshakeContext, hs: ServerHandshakeData, earlyOffered: boolean, full: (cx: HandshakeContext) => Step): Step {
  if (earlyOffered) cx.skipEarlyData('undecryptable', skipBudget(hs.config));
  return full(cx);
}

/**
 * The PSK flight (§2.2): ServerHello with pre_shared_key, EncryptedExtensions (with early_data
 * when 0-RTT is accepted) and Finished; no Certificate or CertificateVerify.
 */
function sendResumedServerFlight(cx: HandshakeContext, hs: ServerHandshakeData, clientShare: Uint8Array): Step {
  const suite = hs.suite!;
  const group = hs.group!;
  const r = hs.resumption!;
  const kx = group.startAndComplete(clientShare);
  const chHash = hs.transcript.current();
  // §7.5: early exporter; §7.1 client_early_traffic_secret when 0-RTT is accepted.
  cx.setEarlyExporter(new Tls13Exporter(suite.hash, r.earlySecret.earlyExporterMasterSecret(chHash)));
  let earlyTraffic: Uint8Array | null = null;
  if (r.earlyDataAccepted) {
    earlyTraffic = r.earlySecret.clientEarlyTrafficSecret(chHash);
    cx.keyLog('CLIENT_EARLY_TRAFFIC_SECRET', hs.clientRandom, earlyTraffic);
  }

  const shExt = emptyServerHelloExtensions();
  shExt.supportedVersions = ProtocolVersion.TLSv1_3;
  shExt.keyShare = { group: group.group, keyExchange: kx.publicShare };
  shExt.preSharedKey = 0; // §4.2.11: selected_identity
  // NSS's order, as in RFC 8448 §4's resumed ServerHello.
  shExt.order = [ExtensionType.KeyShare, ExtensionType.PreSharedKey, ExtensionType.SupportedVersions];
  const shBytes = encodeMessage(encodeServerHello, {
    legacyVersion: ProtocolVersion.TLSv1_2,
    random: cx.random(32),
    legacySessionIdEcho: hs.sessionIdEcho,
    cipherSuite: suite.suite,
    legacyCompressionMethod: 0,
    extensionsAbsent: false,
    extensions: shExt,
  });
  hs.transcript.add(shBytes);
  cx.sendHandshake(shBytes);
  if (hs.sessionIdEcho.length > 0) cx.sendCompatCcs(); // D.4

  const helloHash = hs.transcript.current();
  const handshakeSecret = r.earlySecret.intoHandshakeSecret(kx.sharedSecret);
  const cHts = handshakeSecret.clientHandshakeTrafficSecret(helloHash);
  const sHts = handshakeSecret.serverHandshakeTrafficSecret(helloHash);
  hs.handshakeSecret = handshakeSecret;
  hs.clientHandshakeTrafficSecret = cHts;
  hs.serverHandshakeTrafficSecret = sHts;
  cx.keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', hs.clientRandom, cHts);
  cx.keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', hs.clientRandom, sHts);
  cx.setTls13WriteKeys(suite, sHts);
  if (earlyTraffic !== null) {
    // §4.2.10: 0-RTT records under the early key until EndOfEarlyData.
    cx.setTls13ReadKeys(suite, earlyTraffic);
    cx.beginEarlyDataRead(Math.min(hs.config.maxEarlyDataSize, r.state.maxEarlyDataSize));
  } else {
    cx.setTls13ReadKeys(suite, cHts);
  }
  // EncryptedExtensions as in the full flight, plus early_data; then our Finished.
  sendEncryptedExtensions(cx, hs, r.earlyDataAccepted);
  sendServerFinished(cx, hs);
  return r.earlyDataAccepted ? new ExpectEndOfEarlyData(hs) : new ExpectClientFinished(hs);
}

/** Waiting for EndOfEarlyData after accepted 0-RTT (RFC 8446 §4.5); early data may come first. */
export class ExpectEndOfEarlyData implements HandshakeState {
  readonly name = 'ExpectEndOfEarlyData';
  readonly established = false;
  readonly hs: ServerHandshakeData;
  constructor(hs: ServerHandshakeData) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    expectMessage(m, HandshakeType.EndOfEarlyData, decodeEndOfEarlyData);
    hs.transcript.add(m.encoding);
    cx.endEarlyDataRead();
    // §4.5: "the server then switches to the client handshake traffic key".
    cx.setTls13ReadKeys(hs.suite!, hs.clientHandshakeTrafficSecret!);
    return new ExpectClientFinished(hs);
  }
}

/**
 * After the client's Finished: `ticketsToSend` NewSessionTickets (§4.6.1), each with its own
 * nonce (so its own PSK) and ticket_age_add. The store or ticketer may be async.
 */
export function sendTickets(cx: HandshakeContext, hs: ServerHandshakeData, resumptionSecret: Uint8Array, next: Tls13Traffic): Step {
  const config = hs.config;
  const count = ticketCount(hs);
  if (count === 0) return next; // no closures on the common path without tickets
  const suite = hs.suite!;
  const alpn = hs.alpn === null ? null : hs.alpn.slice();
  const sni = hs.sni;
  const peerCertificates = hs.peerCertificates;
  const store = tls13Store(config);
  const maxEarly = store !== null ? config.maxEarlyDataSize : 0;
  const one = (cx1: HandshakeContext, i: number): Step => {
    if (i >= count) return next;
    const nonce = Uint8Array.of(i);
    const ageAddBytes = cx1.random(4);
    const ticketAgeAdd = ((ageAddBytes[0]! << 24) | (ageAddBytes[1]! << 16) | (ageAddBytes[2]! << 8) | ageAddBytes[3]!) >>> 0;
    const state = encodeSessionState({
      cipherSuite: suite.suite, psk: resumptionPsk(suite.hash, resumptionSecret, nonce), ticketAgeAdd,
      issuedAt: cx1.now(), lifetimeSeconds: config.ticketLifetimeSeconds, maxEarlyDataSize: maxEarly, alpn, sni, peerCertificates,
    });
    const send = (cx2: HandshakeContext, ticket: Uint8Array): Step => {
      if (ticket.length < 1 || ticket.length > 0xffff) throw new TlsError('ERR_TLS_INTERNAL', `ticket of ${ticket.length} bytes: expected 1..65535`);
      const ext = emptyNewSessionTicketExtensions();
      if (maxEarly > 0) { ext.earlyData = maxEarly; ext.order = [ExtensionType.EarlyData]; }
      cx2.sendHandshake(encodeMessage(encodeNewSessionTicket, { ticketLifetime: config.ticketLifetimeSeconds, ticketAgeAdd, ticketNonce: nonce, ticket, extensions: ext }));
      return one(cx2, i + 1);
    };
    if (store !== null) {
      const id = cx1.random(32);
      return withResult(cx1, store.put(id, state), (cx2) => send(cx2, id));
    }
    return withResult(cx1, config.ticketer!.encrypt(state), send);
  };
  return one(cx, 0);
}
