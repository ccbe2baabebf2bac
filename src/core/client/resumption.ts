/**
 * TLS 1.3 resumption on the client (RFC 8446 §2.2, §4.2.9–§4.2.11, §4.6.1) and 0-RTT (§2.3,
 * §4.2.10): choosing a ticket, offering it with its binder, reading the server's answer, sending
 * early data and EndOfEarlyData, and storing new tickets.
 */
import { type ClientHello, encodeClientHello } from '../codec/client-hello.ts';
import { CipherSuite, ExtensionType, codePointName } from '../codec/codepoints.ts';
import { encodeEndOfEarlyData } from '../codec/end-of-early-data.ts';
import type { NewSessionTicket } from '../codec/new-session-ticket.ts';
import type { ServerHello } from '../codec/server-hello.ts';
import { Writer } from '../codec/writer.ts';
import { EarlySecret, resumptionPsk } from '../crypto/key-schedule.ts';
import type { Tls13CipherSuite } from '../crypto/provider.ts';
import { TlsError, TlsProtocolError } from '../errors.ts';
import type { HandshakeContext } from '../conn/context.ts';
import { Tls13Exporter } from '../conn/exporter.ts';
import type { TicketSink } from '../conn/tls13-traffic.ts';
import { encodeMessage } from '../conn/tls13-shared.ts';
import type { ClientConfig } from './config.ts';
import type { ClientHandshakeData } from './handshake-data.ts';
import type { Tls13ClientSession } from './session-store.ts';

/** What a handshake offering a ticket carries (on `ClientHandshakeData.resumption`). */
export class ClientResumption {
  readonly session: Tls13ClientSession;
  /** The ticket's suite as configured now (same code point). */
  readonly suite: Tls13CipherSuite;
  /** Early Secret from the ticket's PSK: binders, early traffic, then the handshake secret. */
  readonly earlySecret: EarlySecret;
  /** We sent early_data in ClientHello1 and 0-RTT data may follow it. */
  earlyDataOffered: boolean;
  /** The server accepted early data (EncryptedExtensions early_data). */
  earlyDataAccepted: boolean;

  constructor(session: Tls13ClientSession, suite: Tls13CipherSuite) {
    this.session = session;
    this.suite = suite;
    this.earlySecret = new EarlySecret(suite.hash, session.psk);
    this.earlyDataOffered = false;
    this.earlyDataAccepted = false;
  }
}

/** The ticket's suite if it is still a configured TLS 1.3 suite, else null. */
function sessionSuite(config: ClientConfig, session: Tls13ClientSession): Tls13CipherSuite | null {
  for (const s of config.cipherSuites) if (s.version === 'TLSv1.3' && s.suite === session.cipherSuite) return s;
  return null;
}

/** True when the session can still be offered at `now` (RFC 8446 §4.6.1 ticket_lifetime). */
function usable(config: ClientConfig, session: Tls13ClientSession, now: number): boolean {
  const ageMs = now - session.receivedAt;
  return ageMs >= 0 && ageMs <= session.lifetimeSeconds * 1000 && sessionSuite(config, session) !== null && session.psk.length > 0;
}

/**
 * Takes a usable ticket for `serverName` from the config's store (each ticket is taken once,
 * RFC 8446 C.4; expired ones are dropped). Null without a store. May return a Promise.
 */
export function takeSession(config: ClientConfig, serverName: string): Tls13ClientSession | null | PromiseLike<Tls13ClientSession | null> {
  const store = config.sessionStore;
  if (store === null || config.maxVersion !== 'TLSv1.3' || !config.cipherSuites.some((s) => s.version === 'TLSv1.3')) return null;
  const pick = (attempt: number, s: Tls13ClientSession | null): Tls13ClientSession | null | PromiseLike<Tls13ClientSession | null> => {
    if (s === null || usable(config, s, config.now())) return s;
    if (attempt >= 8) return null; // bounded: a store full of stale tickets costs a few takes
    const next = store.take(serverName);
    if (next !== null && typeof (next as PromiseLike<unknown>).then === 'function') {
      return (next as PromiseLike<Tls13ClientSession | null>).then((n) => pick(attempt + 1, n));
    }
    return pick(attempt + 1, next as Tls13ClientSession | null);
  };
  const first = store.take(serverName);
  if (first !== null && typeof (first as PromiseLike<unknown>).then === 'function') {
    return (first as PromiseLike<Tls13ClientSession | null>).then((s) => pick(0, s));
  }
  return pick(0, first as Tls13ClientSession | null);
}

/** RFC 8446 §4.2.11.1: obfuscated_ticket_age = (age in ms + ticket_age_add) mod 2^32. */
function obfuscatedAge(session: Tls13ClientSession, now: number): number {
  const age = Math.max(0, Math.floor(now - session.receivedAt));
  return (age + session.ticketAgeAdd) >>> 0;
}

/**
 * Adds pre_shared_key (and early_data when 0-RTT is allowed) to ClientHello1. The binder is a
 * placeholder here; `encodeHello` computes it over the truncated hello (§4.2.11.2).
 */
export function offerSession(cx: HandshakeContext, hs: ClientHandshakeData, session: Tls13ClientSession): void {
  const suite = sessionSuite(hs.config, session);
  if (suite === null) return;
  const r = new ClientResumption(session, suite);
  hs.resumption = r;
  const ext = hs.hello.extensions;
  ext.preSharedKey = {
    identities: [{ identity: session.ticket, obfuscatedTicketAge: obfuscatedAge(session, cx.now()) }],
    binders: [new Uint8Array(suite.hash.outputLength)],
  };
  hs.offeredExtensions.add(ExtensionType.PreSharedKey);
  // §4.2.10: 0-RTT only when the ticket allows it; the first PSK's suite and ALPN are used.
  if (hs.config.earlyData && session.maxEarlyDataSize > 0) {
    ext.earlyData = true;
    r.earlyDataOffered = true;
    hs.offeredExtensions.add(ExtensionType.EarlyData);
  }
}

/**
 * Encodes the ClientHello; with a PSK offered, computes the binder over
 * Transcript-Hash(earlier messages, Truncate(ClientHello)) and patches it in place (§4.2.11.2).
 */
export function encodeHello(hs: ClientHandshakeData, hello: ClientHello): Uint8Array {
  const w = new Writer(512);
  const { bindersOffset } = encodeClientHello(w, hello);
  return fillBinder(hs, w.toBytes(), bindersOffset);
}

/**
 * Completes a ClientHello encoded with `encodeClientHello` (placeholder binder at
 * `bindersOffset`, or null without pre_shared_key): computes the binder over the truncated
 * hello (§4.2.11.2) and writes it in place. Returns `bytes`.
 */
export function fillBinder(hs: ClientHandshakeData, bytes: Uint8Array, bindersOffset: number | null): Uint8Array {
  const r = hs.resumption;
  if (bindersOffset === null || r === null) return bytes;
  const partial = hs.transcript.currentWith(bytes.subarray(0, bindersOffset), r.suite.hash);
  const binder = r.earlySecret.binder('resumption', partial);
  // binders<33..2^16-1>: 2-byte vector length, then PskBinderEntry<32..255> (1-byte length).
  bytes.set(binder, bindersOffset + 3);
  return bytes;
}

/**
 * After ClientHello1 went out: derive client_early_traffic_secret and the early exporter and,
 * when we offered early_data, switch the write keys to 0-RTT (§4.2.10, §7.1). The compatibility
 * CCS goes right after ClientHello1 in that case (D.4).
 */
export function afterFirstHello(cx: HandshakeContext, hs: ClientHandshakeData, helloBytes: Uint8Array): void {
  const r = hs.resumption;
  if (r === null || hs.helloRetried) return;
  const chHash = r.suite.hash.digest(helloBytes);
  cx.setEarlyExporter(new Tls13Exporter(r.suite.hash, r.earlySecret.earlyExporterMasterSecret(chHash)));
  if (!r.earlyDataOffered) return;
  const secret = r.earlySecret.clientEarlyTrafficSecret(chHash);
  cx.keyLog('CLIENT_EARLY_TRAFFIC_SECRET', hs.random, secret);
  if (hs.config.middleboxCompat) cx.sendCompatCcs();
  cx.beginEarlyDataWrite(r.suite, secret, r.session.maxEarlyDataSize);
}

/**
 * ClientHello2 after a HelloRetryRequest (§4.1.2): early data is over (rejected), and the PSK
 * stays only when its hash suits the suite the server chose, with a fresh age and binder.
 */
export function retrySession(cx: HandshakeContext, hs: ClientHandshakeData, hrrSuite: number): void {
  const r = hs.resumption;
  const ext = hs.hello.extensions;
  if (r === null) return;
  if (r.earlyDataOffered) cx.endEarlyDataWrite(false);
  r.earlyDataOffered = false;
  const chosen = hs.config.cipherSuites.find((s) => s.version === 'TLSv1.3' && s.suite === hrrSuite);
  if (chosen === undefined || chosen.hash.name !== r.suite.hash.name) {
    ext.preSharedKey = null;
    hs.resumption = null;
    hs.offeredExtensions.delete(ExtensionType.PreSharedKey);
    return;
  }
  ext.preSharedKey = {
    identities: [{ identity: r.session.ticket, obfuscatedTicketAge: obfuscatedAge(r.session, cx.now()) }],
    binders: [new Uint8Array(r.suite.hash.outputLength)],
  };
}

/**
 * The ServerHello's pre_shared_key (§4.2.11): returns the Early Secret to continue from (the
 * PSK's, or a fresh one without PSK). Settles 0-RTT when the server did not take the PSK.
 * @throws ERR_TLS_PEER_UNSOLICITED_EXTENSION, ERR_TLS_PEER_ILLEGAL_PARAMETER.
 */
export function acceptServerPsk(cx: HandshakeContext, hs: ClientHandshakeData, sh: ServerHello, suite: Tls13CipherSuite): EarlySecret {
  const selected = sh.extensions.preSharedKey;
  const r = hs.resumption;
  if (selected === null) {
    if (r !== null && r.earlyDataOffered) {
      r.earlyDataOffered = false;
      cx.endEarlyDataWrite(false);
    }
    return new EarlySecret(suite.hash, null);
  }
  if (r === null) {
    throw new TlsProtocolError('ERR_TLS_PEER_UNSOLICITED_EXTENSION', 'ServerHello carries pre_shared_key, but we offered no PSK');
  }
  // §4.2.11: "Clients MUST verify that the server's selected_identity is within the range
  // supplied by the client, that the server selected a cipher suite indicating a Hash
  // associated with the PSK".
  if (selected !== 0) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ServerHello selected PSK identity ${selected}: we offered only identity 0 (RFC 8446 §4.2.11)`);
  }
  if (suite.hash.name !== r.suite.hash.name) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ServerHello resumes with ${codePointName(CipherSuite, suite.suite)} (${suite.hash.name}), but the ticket's hash is ${r.suite.hash.name} (RFC 8446 §4.2.11)`);
  }
  hs.resumed = true;
  hs.peerCertificates = r.session.peerCertificates.slice();
  return r.earlySecret;
}

/**
 * EncryptedExtensions' early_data (§4.2.10): records whether 0-RTT was accepted and, when it
 * was not, moves our writes to the handshake key.
 * @throws ERR_TLS_PEER_UNSOLICITED_EXTENSION, ERR_TLS_PEER_ILLEGAL_PARAMETER.
 */
export function settleEarlyData(cx: HandshakeContext, hs: ClientHandshakeData, accepted: boolean): void {
  const r = hs.resumption;
  const offered = r !== null && r.earlyDataOffered;
  if (accepted && !offered) {
    throw new TlsProtocolError('ERR_TLS_PEER_UNSOLICITED_EXTENSION', 'EncryptedExtensions accepts early_data, but we sent none');
  }
  if (!offered) return;
  if (accepted) {
    // §4.2.10: accepted 0-RTT must use the ticket's suite and ALPN.
    if (hs.suite!.suite !== r.suite.suite) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `server accepted early data with ${hs.suite!.name}, not the ticket's ${r.suite.name} (RFC 8446 §4.2.10)`);
    }
    if (hs.alpn !== r.session.alpn) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `server accepted early data with ALPN ${JSON.stringify(hs.alpn)}, not the ticket's ${JSON.stringify(r.session.alpn)} (RFC 8446 §4.2.10)`);
    }
    r.earlyDataAccepted = true;
    return;
  }
  r.earlyDataOffered = false;
  cx.endEarlyDataWrite(false);
  cx.setTls13WriteKeys(hs.suite!, hs.clientHandshakeTrafficSecret!);
}

/**
 * After the server's Finished, with 0-RTT accepted: EndOfEarlyData under the early key, then
 * the handshake key for the rest of our flight (§4.5).
 */
export function sendEndOfEarlyData(cx: HandshakeContext, hs: ClientHandshakeData): void {
  const r = hs.resumption;
  if (r === null || !r.earlyDataAccepted) return;
  const bytes = encodeMessage(encodeEndOfEarlyData, {});
  hs.transcript.add(bytes);
  cx.sendHandshake(bytes);
  cx.endEarlyDataWrite(true);
  cx.setTls13WriteKeys(hs.suite!, hs.clientHandshakeTrafficSecret!);
}

/** RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds". */
const MAX_TICKET_LIFETIME = 604800;

/**
 * The client's `TicketSink`: turns each NewSessionTicket into a `Tls13ClientSession` and puts
 * it in the store. A lifetime of 0 means "do not use" (§4.6.1).
 */
export function ticketSink(hs: ClientHandshakeData, storeKey: string): TicketSink | null {
  const store = hs.config.sessionStore;
  if (store === null) return null;
  const suite = hs.suite!;
  const alpn = hs.alpn;
  const peerCertificates = hs.peerCertificates;
  return (cx: HandshakeContext, t: NewSessionTicket, resumptionSecret: Uint8Array) => {
    if (t.ticketLifetime === 0 || t.ticketLifetime > MAX_TICKET_LIFETIME) return;
    if (resumptionSecret.length !== suite.hash.outputLength) throw new TlsError('ERR_TLS_INTERNAL', 'resumption secret of the wrong length');
    const session: Tls13ClientSession = {
      serverName: storeKey,
      cipherSuite: suite.suite,
      ticket: t.ticket.slice(), // the message buffer is reused
      psk: resumptionPsk(suite.hash, resumptionSecret, t.ticketNonce),
      ticketAgeAdd: t.ticketAgeAdd >>> 0,
      lifetimeSeconds: t.ticketLifetime,
      receivedAt: cx.now(),
      maxEarlyDataSize: t.extensions.earlyData ?? 0,
      alpn,
      peerCertificates,
    };
    return store.put(storeKey, session);
  };
}
