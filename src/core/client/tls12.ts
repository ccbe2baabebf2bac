/**
 * The TLS 1.2 client after a TLS 1.2 ServerHello (RFC 5246 §7.3): the server's Certificate,
 * ECDHE ServerKeyExchange (RFC 8422 §5.4), optional CertificateRequest, ServerHelloDone, our
 * flight, ChangeCipherSpec and Finished. Extended master secret (RFC 7627) and secure
 * renegotiation signalling (RFC 5746) on the initial handshake; no resumption.
 */
import { encodeCertificateVerify } from '../codec/certificate-verify.ts';
import { CipherSuite, HandshakeType, NamedGroup, ProtocolVersion, codePointName } from '../codec/codepoints.ts';
import { expectMessage, type HandshakeMessage } from '../codec/handshake.ts';
import type { ClientHelloExtensions } from '../codec/client-hello.ts';
import { DOWNGRADE_SENTINEL_TLS11, DOWNGRADE_SENTINEL_TLS12, type ServerHello } from '../codec/server-hello.ts';
import {
  type CertificateRequest12,
  type NewSessionTicket12,
  decodeCertificate12,
  decodeCertificateRequest12,
  decodeCertificateStatus12,
  decodeNewSessionTicket12,
  decodeServerHelloDone,
  decodeServerKeyExchangeEcdhe,
  encodeCertificate12,
  encodeClientKeyExchangeEcdhe,
} from '../codec/tls12.ts';
import type { KeyExchangeGroup, Tls12CipherSuite } from '../crypto/provider.ts';
import type { Transcript } from '../crypto/transcript.ts';
import { TlsProtocolError } from '../errors.ts';
import type { HandshakeContext } from '../conn/context.ts';
import { type HandshakeState, type Step, withResult } from '../conn/state.ts';
import {
  ClientCertificateType,
  EC_POINT_FORMAT_UNCOMPRESSED,
  Tls12Exporter,
  Tls12Traffic,
  checkPeerFinished,
  checkPeerTls12Scheme,
  chooseTls12Scheme,
  deriveTls12Secrets,
  keyAuthentication,
  makeFinished,
  serverKeyExchangeSignedContent,
  type Tls12Secrets,
} from '../conn/tls12-shared.ts';
import { encodeMessage } from '../conn/tls13-shared.ts';
import type { ServerName } from '../verify.ts';
import { constantTimeEqual, fromUtf8 } from '../util.ts';
import type { CertifiedKey, ClientConfig } from './config.ts';
import type { ClientHandshakeData } from './handshake-data.ts';
import { rememberTls12Session, resumeTls12Client, serverResumesTls12 } from './tls12-resumption.ts';

/** What a TLS 1.2 client handshake carries from state to state. */
class Tls12ClientHandshake {
  readonly config: ClientConfig;
  readonly serverName: ServerName;
  readonly sni: string | null;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  readonly transcript: Transcript;
  readonly suite: Tls12CipherSuite;
  /** The signature_algorithms we offered (the server's signatures must use one). */
  readonly offeredSchemes: readonly number[];
  readonly ems: boolean;
  readonly alpn: string | null;
  /** The server acknowledged session_ticket: a NewSessionTicket precedes its CCS (RFC 5077 §3.3). */
  readonly ticketExpected: boolean;
  /** The server acknowledged status_request: a CertificateStatus may follow its Certificate (RFC 6066 §8). */
  readonly statusExpected: boolean;
  /** The OCSP response from CertificateStatus (a copy), or null. */
  ocspResponse: Uint8Array | null;
  peerCertificates: Uint8Array[];
  peerSignatureScheme: number | null;
  group: KeyExchangeGroup | null;
  serverPublicKey: Uint8Array | null;
  certificateRequest: CertificateRequest12 | null;
  secrets: Tls12Secrets | null;
  /** For the session this handshake makes (client/tls12-resumption.ts): the store key, ServerHello.session_id, the NewSessionTicket. */
  storeKey = '';
  sessionIdEcho: Uint8Array = new Uint8Array(0);
  newTicket: NewSessionTicket12 | null = null;

  constructor(hs: ClientHandshakeData, suite: Tls12CipherSuite, serverRandom: Uint8Array, ems: boolean, alpn: string | null, ticketExpected: boolean, statusExpected: boolean) {
    this.config = hs.config;
    this.serverName = hs.serverName;
    this.sni = hs.sni;
    this.clientRandom = hs.random;
    this.serverRandom = serverRandom;
    this.transcript = hs.transcript;
    this.suite = suite;
    this.offeredSchemes = hs.hello.extensions.signatureAlgorithms ?? [];
    this.ems = ems;
    this.alpn = alpn;
    this.ticketExpected = ticketExpected;
    this.statusExpected = statusExpected;
    this.ocspResponse = null;
    this.peerCertificates = [];
    this.peerSignatureScheme = null;
    this.group = null;
    this.serverPublicKey = null;
    this.certificateRequest = null;
    this.secrets = null;
  }
}

function latin1(b: Uint8Array): string {
  return fromUtf8(b) ?? Array.from(b, (c) => String.fromCharCode(c)).join('');
}

function unsolicited(what: string): TlsProtocolError {
  return new TlsProtocolError('ERR_TLS_PEER_UNSOLICITED_EXTENSION', `TLS 1.2 ServerHello carries ${what}, which we did not offer`);
}

/** The TLS 1.2 suites of the config, in preference order. */
function tls12Suites(config: ClientConfig): Tls12CipherSuite[] {
  const out: Tls12CipherSuite[] = [];
  for (const s of config.cipherSuites) if (s.version === 'TLSv1.2') out.push(s);
  return out;
}

/**
 * Adds TLS 1.2 to a ClientHello being built, when the config enables TLS 1.2 suites: the suites
 * after the TLS 1.3 ones, 0x0303 in supported_versions (RFC 8446 §4.2.1), extended_master_secret
 * (RFC 7627 §5.1) and ec_point_formats [uncompressed] (RFC 8422 §5.1.2). A TLS 1.2-only hello
 * (`offer13` false) carries no TLS 1.3 extensions. Returns true when TLS 1.2 is offered.
 */
export function addTls12Offer(config: ClientConfig, ext: ClientHelloExtensions, cipherSuites: number[], offer13: boolean): boolean {
  const suites = tls12Suites(config);
  if (suites.length === 0) return false;
  for (const s of suites) cipherSuites.push(s.suite);
  ext.extendedMasterSecret = true;
  ext.ecPointFormats = [EC_POINT_FORMAT_UNCOMPRESSED];
  if (offer13) {
    ext.supportedVersions = [...(ext.supportedVersions ?? []), ProtocolVersion.TLSv1_2];
  } else {
    // RFC 8446 §4.1.2: a client that offers no TLS 1.3 sends a plain TLS 1.2 hello.
    ext.supportedVersions = null;
    ext.keyShare = null;
    ext.pskKeyExchangeModes = null;
    ext.signatureAlgorithmsCert = null;
    ext.supportedGroups = (ext.supportedGroups ?? []).filter((g) => !config.groups.some((x) => x.group === g && !x.usableInTls12));
  }
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A ServerHello without supported_versions: the server negotiates TLS 1.2 or older
 * (RFC 8446 §4.2.1). Checks that we offered TLS 1.2, and — when we also offered TLS 1.3 — the
 * downgrade sentinel (RFC 8446 §4.1.3), then continues in TLS 1.2.
 */
export function handleTls12ServerHello(cx: HandshakeContext, hs: ClientHandshakeData, sh: ServerHello, encoding: Uint8Array): Step {
  const offered13 = (hs.hello.extensions.supportedVersions ?? []).includes(ProtocolVersion.TLSv1_3);
  const offered12 = hs.hello.cipherSuites.some((c) => hs.config.cipherSuites.some((s) => s.version === 'TLSv1.2' && s.suite === c));
  if (offered13) {
    // RFC 8446 §4.1.3: "TLS 1.3 clients receiving a ServerHello indicating TLS 1.2 or below MUST
    // check that the last 8 bytes are not equal to either of these values."
    const tail = sh.random.subarray(24);
    if (sameBytes(tail, DOWNGRADE_SENTINEL_TLS12) || sameBytes(tail, DOWNGRADE_SENTINEL_TLS11)) {
      throw new TlsProtocolError('ERR_TLS_PEER_DOWNGRADE', 'ServerHello.random carries the TLS 1.3 downgrade sentinel while negotiating an older version: a downgrade attack or a broken middlebox (RFC 8446 §4.1.3)');
    }
  }
  if (!offered12 || sh.legacyVersion !== ProtocolVersion.TLSv1_2) {
    const ours = [offered13 ? 'TLSv1_3' : null, offered12 ? 'TLSv1_2' : null].filter((x) => x !== null).join(', ');
    throw new TlsProtocolError('ERR_TLS_PEER_NO_COMMON_VERSION', `server chose ${codePointName(ProtocolVersion, sh.legacyVersion)}; we offered only ${ours}`);
  }
  if (hs.helloRetried) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'TLS 1.2 ServerHello after a HelloRetryRequest: expected TLS 1.3 (RFC 8446 §4.1.4)');
  }
  return startTls12Client(cx, hs, sh, encoding);
}

/**
 * RFC 5246 §7.4.1.3: the server chose TLS 1.2. The caller checked legacy_version (0x0303), that
 * we offered TLS 1.2, and the downgrade sentinel (RFC 8446 §4.1.3). Checks the rest of the
 * ServerHello and returns the state that waits for the server's Certificate.
 */
function startTls12Client(cx: HandshakeContext, hs: ClientHandshakeData, sh: ServerHello, encoding: Uint8Array): Step {
  const config = hs.config;
  const offered = hs.hello.cipherSuites;
  const suite = config.cipherSuites.find((s): s is Tls12CipherSuite => s.version === 'TLSv1.2' && s.suite === sh.cipherSuite);
  if (suite === undefined || !offered.includes(sh.cipherSuite)) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `server chose cipher suite ${codePointName(CipherSuite, sh.cipherSuite)} for TLS 1.2, which we did not offer`);
  }
  if (sh.legacyCompressionMethod !== 0) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ServerHello.compression_method is ${sh.legacyCompressionMethod}: expected null (0), the only one we offered`);
  }
  // Without a session offered our legacy_session_id is random or empty, so an echo of it would
  // be the server resuming a session we never had (RFC 5246 §7.4.1.3).
  if (hs.tls12Offer === null && sh.legacySessionIdEcho.length > 0 && constantTimeEqual(sh.legacySessionIdEcho, hs.sessionId)) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'TLS 1.2 ServerHello echoes our session id: it resumes a session we did not offer');
  }
  const e = sh.extensions;
  if (e.unknown.length > 0) throw unsolicited(`extension ${e.unknown[0]}`);
  // RFC 5746 §3.4: an initial handshake's renegotiated_connection must be empty.
  if (e.renegotiationInfo !== null && e.renegotiationInfo.length !== 0) {
    throw new TlsProtocolError('ERR_TLS_PEER_BAD_RENEGOTIATION_INFO', `ServerHello renegotiation_info carries ${e.renegotiationInfo.length} bytes on an initial handshake: expected none (RFC 5746 §3.4)`);
  }
  // RFC 7627 §5.2: without EMS the master secret is not bound to this handshake.
  if (!e.extendedMasterSecret && config.requireExtendedMasterSecret) {
    throw new TlsProtocolError('ERR_TLS_PEER_EMS_REQUIRED', 'TLS 1.2 server does not support the extended master secret (RFC 7627), which we require');
  }
  // RFC 8422 §5.2: the server's formats must include uncompressed, the only one we use.
  if (e.ecPointFormats !== null && !e.ecPointFormats.includes(EC_POINT_FORMAT_UNCOMPRESSED)) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'ServerHello ec_point_formats lacks uncompressed (RFC 8422 §5.2)');
  }
  if (e.serverName && hs.sni === null) throw unsolicited('server_name');
  // RFC 6066 §8: an (empty) status_request only in answer to ours.
  if (e.statusRequest && hs.hello.extensions.statusRequest === null) throw unsolicited('status_request');
  if (e.sessionTicket && hs.hello.extensions.sessionTicket === null) throw unsolicited('session_ticket');
  if (e.recordSizeLimit !== null) {
    if (hs.hello.extensions.recordSizeLimit === null) throw unsolicited('record_size_limit');
    // RFC 8449 §4: in TLS 1.2 the limit counts plaintext only (the engine subtracts the TLS 1.3
    // content-type byte, so add it back); TLS 1.2 limits are at most 2^14.
    cx.setPeerRecordSizeLimit(Math.min(e.recordSizeLimit, 0x4000) + 1);
  }
  let alpn: string | null = null;
  if (e.alpn !== null) {
    const chosen = e.alpn;
    // RFC 7301 §3.1: one protocol, one we offered.
    if (!config.alpnProtocols.some((p) => p.length === chosen.length && p.every((v, i) => v === chosen[i]))) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `server selected ALPN protocol ${JSON.stringify(latin1(chosen))}, which we did not offer`);
    }
    alpn = latin1(chosen);
  }
  // RFC 5246 §7.4.8: a client CertificateVerify signs the raw handshake messages; keep them
  // (from ClientHello on) when we might be asked for a certificate.
  if (config.clientCertificate !== null || config.resolveClientCertificate !== null) hs.transcript.keepRawMessages();
  hs.transcript.startHash(suite.hash);
  hs.transcript.add(encoding);
  // No TLS 1.3 compatibility CCS may come now: the only CCS is the server's real one.
  cx.allowCompatCcs(false);
  // RFC 5246 §7.3: the server echoed the session we offered: the abbreviated handshake.
  if (serverResumesTls12(hs, sh)) return resumeTls12Client(cx, hs, suite, alpn, sh);
  const t12 = new Tls12ClientHandshake(hs, suite, sh.random.slice(), e.extendedMasterSecret, alpn, e.sessionTicket, e.statusRequest);
  t12.storeKey = hs.sessionKey;
  t12.sessionIdEcho = sh.legacySessionIdEcho.slice();
  return new ExpectCertificate12(t12);
}

/** Waiting for the server's Certificate (RFC 5246 §7.4.2). */
class ExpectCertificate12 implements HandshakeState {
  readonly name = 'ExpectCertificate12';
  readonly established = false;
  readonly hs: Tls12ClientHandshake;
  constructor(hs: Tls12ClientHandshake) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const cert = expectMessage(m, HandshakeType.Certificate, decodeCertificate12);
    hs.transcript.add(m.encoding);
    // Every ECDHE suite we offer authenticates the server: an empty list cannot be used.
    if (cert.certificateList.length === 0) {
      throw new TlsProtocolError('ERR_TLS_PEER_EMPTY_CERTIFICATE', 'server sent an empty Certificate message: expected its certificate chain');
    }
    hs.peerCertificates = cert.certificateList.map((c) => c.slice()); // the message buffer is reused
    // RFC 6066 §8: after acknowledging status_request the server may send CertificateStatus;
    // verify once we know whether a response came, so the verifier sees it.
    if (hs.statusExpected) return new ExpectCertificateStatusOrServerKeyExchange(hs);
    return withResult(cx, verifyServer(cx, hs), () => new ExpectServerKeyExchange(hs));
  }
}

function verifyServer(cx: HandshakeContext, hs: Tls12ClientHandshake) {
  return hs.config.verifier.verifyServerCertificate({
    endEntity: hs.peerCertificates[0]!,
    intermediates: hs.peerCertificates.slice(1),
    serverName: hs.serverName,
    ocspResponse: hs.ocspResponse,
    now: cx.now(),
  });
}

/**
 * The server acknowledged status_request: CertificateStatus (RFC 6066 §8), or — since "a server
 * MAY also choose not to send a CertificateStatus message" even then — ServerKeyExchange.
 */
class ExpectCertificateStatusOrServerKeyExchange implements HandshakeState {
  readonly name = 'ExpectCertificateStatusOrServerKeyExchange';
  readonly established = false;
  readonly hs: Tls12ClientHandshake;
  constructor(hs: Tls12ClientHandshake) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    if (m.type === HandshakeType.CertificateStatus) {
      const cs = decodeCertificateStatus12(m.body);
      hs.transcript.add(m.encoding);
      hs.ocspResponse = cs.ocspResponse.slice(); // the message buffer is reused
      return withResult(cx, verifyServer(cx, hs), () => new ExpectServerKeyExchange(hs));
    }
    // No staple. The message is handled after verification, which may park: copy it, as the
    // buffer it views is reused meanwhile.
    const copy: HandshakeMessage = { type: m.type, body: m.body.slice(), encoding: m.encoding.slice() };
    return withResult(cx, verifyServer(cx, hs), (cx2) => new ExpectServerKeyExchange(hs).handle(cx2, copy));
  }
}

/** Waiting for the ECDHE ServerKeyExchange (RFC 8422 §5.4). */
class ExpectServerKeyExchange implements HandshakeState {
  readonly name = 'ExpectServerKeyExchange';
  readonly established = false;
  readonly hs: Tls12ClientHandshake;
  constructor(hs: Tls12ClientHandshake) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const ske = expectMessage(m, HandshakeType.ServerKeyExchange, decodeServerKeyExchangeEcdhe);
    // RFC 8422 §5.4: the curve must be one we listed in supported_groups.
    const group = hs.config.groups.find((g) => g.group === ske.namedGroup && g.usableInTls12);
    if (group === undefined) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ServerKeyExchange uses ${codePointName(NamedGroup, ske.namedGroup)}, which we did not offer for TLS 1.2`);
    }
    checkPeerTls12Scheme(ske.signatureScheme, hs.offeredSchemes, hs.suite.authentication, 'ServerKeyExchange');
    const content = serverKeyExchangeSignedContent(hs.clientRandom, hs.serverRandom, ske.namedGroup, ske.publicKey);
    hs.transcript.add(m.encoding);
    hs.group = group;
    hs.serverPublicKey = ske.publicKey.slice();
    hs.peerSignatureScheme = ske.signatureScheme;
    const result = hs.config.verifier.verifyTls12Signature(content, hs.peerCertificates[0]!, ske.signatureScheme, ske.signature.slice());
    return withResult(cx, result, () => new ExpectCertificateRequestOrDone(hs));
  }
}

/** Waiting for CertificateRequest (RFC 5246 §7.4.4) or ServerHelloDone (§7.4.5). */
class ExpectCertificateRequestOrDone implements HandshakeState {
  readonly name = 'ExpectCertificateRequestOrServerHelloDone';
  readonly established = false;
  readonly hs: Tls12ClientHandshake;
  constructor(hs: Tls12ClientHandshake) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    if (m.type === HandshakeType.CertificateRequest) {
      const cr = decodeCertificateRequest12(m.body);
      this.hs.transcript.add(m.encoding);
      // Copies: the message buffer is reused and a resolver may read them later.
      this.hs.certificateRequest = {
        certificateTypes: cr.certificateTypes.slice(),
        signatureAlgorithms: cr.signatureAlgorithms.slice(),
        certificateAuthorities: cr.certificateAuthorities.map((n) => n.slice()),
      };
      return new ExpectServerHelloDone(this.hs);
    }
    return new ExpectServerHelloDone(this.hs).handle(cx, m);
  }
}

/** Waiting for ServerHelloDone; then our flight (RFC 5246 §7.3, figure 1). */
class ExpectServerHelloDone implements HandshakeState {
  readonly name = 'ExpectServerHelloDone';
  readonly established = false;
  readonly hs: Tls12ClientHandshake;
  constructor(hs: Tls12ClientHandshake) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    expectMessage(m, HandshakeType.ServerHelloDone, decodeServerHelloDone);
    hs.transcript.add(m.encoding);
    const cr = hs.certificateRequest;
    if (cr === null) return sendClientFlight(cx, hs, null, null);
    const resolve = hs.config.resolveClientCertificate;
    if (resolve === null) return sendClientFlight(cx, hs, hs.config.clientCertificate, cr);
    const result = resolve({ acceptableIssuers: cr.certificateAuthorities.map((n) => n.slice()), signatureSchemes: cr.signatureAlgorithms.slice() });
    return withResult(cx, result, (cx2, cc) => sendClientFlight(cx2, hs, cc ?? null, cr));
  }
}

/** A client certificate usable for this CertificateRequest: its scheme, or null (RFC 5246 §7.4.6). */
function clientScheme(cc: CertifiedKey | null, cr: CertificateRequest12): number | null {
  if (cc === null || !Array.isArray(cc.chain) || cc.chain.length === 0) return null;
  const type = keyAuthentication(cc.key) === 'rsa' ? ClientCertificateType.RsaSign : ClientCertificateType.EcdsaSign;
  if (!cr.certificateTypes.includes(type)) return null;
  return chooseTls12Scheme(cc.key, cr.signatureAlgorithms);
}

/**
 * [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished.
 * `cr` is null when no certificate was requested.
 */
function sendClientFlight(cx: HandshakeContext, hs: Tls12ClientHandshake, cc: CertifiedKey | null, cr: CertificateRequest12 | null): Step {
  const scheme = cr === null ? null : clientScheme(cc, cr);
  if (cr !== null) {
    // RFC 5246 §7.4.6: an empty list when we have no suitable certificate.
    const chain = scheme !== null && cc !== null ? cc.chain : [];
    const certBytes = encodeMessage(encodeCertificate12, { certificateList: chain.slice() });
    hs.transcript.add(certBytes);
    cx.sendHandshake(certBytes);
  }
  const kx = hs.group!.start();
  const cke = encodeMessage(encodeClientKeyExchangeEcdhe, { publicKey: kx.publicShare });
  hs.transcript.add(cke);
  cx.sendHandshake(cke);
  // RFC 8422 §5.10: the premaster secret is the x-coordinate / X25519 output.
  const preMaster = kx.complete(hs.serverPublicKey!);
  hs.secrets = deriveTls12Secrets(cx, hs.suite, preMaster, hs.clientRandom, hs.serverRandom, hs.ems, hs.transcript);
  if (scheme === null || cc === null) {
    if (cr !== null && hs.transcript.hash !== null) dropRawMessages(hs.transcript);
    return finishClientFlight(cx, hs);
  }
  // RFC 5246 §7.4.8: CertificateVerify signs handshake_messages, ClientHello to here.
  const signed = hs.transcript.takeRawMessages();
  return withResult(cx, cc.key.sign(scheme, signed), (cx2, signature) => {
    const cv = encodeMessage(encodeCertificateVerify, { algorithm: scheme, signature });
    hs.transcript.add(cv);
    cx2.sendHandshake(cv);
    return finishClientFlight(cx2, hs);
  });
}

function dropRawMessages(t: Transcript): void {
  try {
    t.takeRawMessages();
  } catch {
    // Raw messages were not kept (no certificate configured): nothing to drop.
  }
}

function finishClientFlight(cx: HandshakeContext, hs: Tls12ClientHandshake): Step {
  const { master, keys } = hs.secrets!;
  cx.sendTls12ChangeCipherSpec(hs.suite, keys.clientWriteKey, keys.clientWriteIv);
  const finBytes = makeFinished(hs.suite, master, 'client', hs.transcript);
  cx.noteFinished('local', finBytes.subarray(4)); // after the 4-byte handshake header
  cx.sendHandshake(finBytes);
  if (hs.ticketExpected) return new ExpectNewSessionTicket12(hs);
  cx.expectTls12ChangeCipherSpec(hs.suite, keys.serverWriteKey, keys.serverWriteIv);
  return new ExpectServerFinished(hs);
}

/**
 * RFC 5077 §3.3: after acknowledging session_ticket the server sends NewSessionTicket before
 * its ChangeCipherSpec; the ticket is kept with the session (client/tls12-resumption.ts).
 */
class ExpectNewSessionTicket12 implements HandshakeState {
  readonly name = 'ExpectNewSessionTicket12';
  readonly established = false;
  readonly hs: Tls12ClientHandshake;
  constructor(hs: Tls12ClientHandshake) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const t = expectMessage(m, HandshakeType.NewSessionTicket, decodeNewSessionTicket12);
    hs.newTicket = { ticketLifetimeHint: t.ticketLifetimeHint, ticket: t.ticket.slice() }; // the buffer is reused
    hs.transcript.add(m.encoding);
    const keys = hs.secrets!.keys;
    cx.expectTls12ChangeCipherSpec(hs.suite, keys.serverWriteKey, keys.serverWriteIv);
    return new ExpectServerFinished(hs);
  }
}

/** Waiting for the server's Finished, after its ChangeCipherSpec (RFC 5246 §7.4.9). */
class ExpectServerFinished implements HandshakeState {
  readonly name = 'ExpectFinished12';
  readonly established = false;
  readonly hs: Tls12ClientHandshake;
  constructor(hs: Tls12ClientHandshake) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const { master } = hs.secrets!;
    cx.noteFinished('peer', checkPeerFinished(m, hs.suite, master, 'server', hs.transcript));
    cx.handshakeComplete({
      protocolVersion: 'TLSv1.2',
      cipherSuite: hs.suite.name,
      cipherSuiteId: hs.suite.suite,
      group: hs.group?.name ?? null,
      groupId: hs.group?.group ?? null,
      alpn: hs.alpn,
      serverName: hs.sni,
      peerCertificates: hs.peerCertificates,
      peerSignatureScheme: hs.peerSignatureScheme,
      resumed: false,
      helloRetried: false,
      ocspResponse: hs.ocspResponse,
    });
    // RFC 5246 §7.3 / RFC 5077 §3.3: remember the session for an abbreviated handshake later.
    rememberTls12Session(cx, hs.config, hs.storeKey, {
      suite: hs.suite, sessionId: hs.sessionIdEcho, ticket: hs.newTicket?.ticket ?? null, ticketLifetimeHint: hs.newTicket?.ticketLifetimeHint ?? 0,
      master, ems: hs.ems, peerCertificates: hs.peerCertificates,
    });
    return new Tls12Traffic('client', new Tls12Exporter(hs.suite, master, hs.clientRandom, hs.serverRandom, hs.ems));
  }
}
