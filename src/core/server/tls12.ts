/**
 * The TLS 1.2 server (RFC 5246 §7.3): version choice against TLS 1.3, ServerHello, Certificate,
 * ECDHE ServerKeyExchange (RFC 8422 §5.4), optional CertificateRequest, ServerHelloDone, then
 * the client's flight, ChangeCipherSpec and Finished. Extended master secret (RFC 7627) and
 * secure renegotiation signalling (RFC 5746); no resumption (a fresh session id each time).
 */
import type { ClientHello } from '../codec/client-hello.ts';
import { decodeCertificateVerify } from '../codec/certificate-verify.ts';
import { AlertDescription, CipherSuite, HandshakeType, NamedGroup, ProtocolVersion, codePointName, isGrease16 } from '../codec/codepoints.ts';
import { expectMessage, type HandshakeMessage } from '../codec/handshake.ts';
import { DOWNGRADE_SENTINEL_TLS12, emptyServerHelloExtensions, encodeServerHello } from '../codec/server-hello.ts';
import {
  decodeCertificate12,
  decodeClientKeyExchangeEcdhe,
  encodeCertificate12,
  encodeCertificateRequest12,
  encodeCertificateStatus12,
  encodeServerHelloDone,
  encodeServerKeyExchangeEcdhe,
} from '../codec/tls12.ts';
import type { ActiveKeyExchange, KeyExchangeGroup, Tls12CipherSuite } from '../crypto/provider.ts';
import { Transcript } from '../crypto/transcript.ts';
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
import { fromUtf8 } from '../util.ts';
import { type Tls12SessionIssue, issueTls12Session, planTls12Session, sendNewSessionTicket12 } from './tls12-resumption.ts';
import type { CertifiedKey, ClientHelloInfo, ServerConfig } from './config.ts';
import { selectAlpnWith } from './alpn-select.ts';

/**
 * RFC 8446 §4.2.1 / RFC 5246 §7.4.1.2: the version we speak with this ClientHello. TLS 1.3 when
 * both sides enable it; else TLS 1.2 when both do.
 * @throws ERR_TLS_PEER_NO_COMMON_VERSION (protocol_version); ERR_TLS_PEER_INAPPROPRIATE_FALLBACK
 *   (inappropriate_fallback) for TLS_FALLBACK_SCSV when we could have spoken a higher version
 *   (RFC 7507 §3).
 */
export function chooseServerVersion(config: ServerConfig, ch: ClientHello): 'TLSv1.2' | 'TLSv1.3' {
  const ours13 = config.cipherSuites.some((s) => s.version === 'TLSv1.3');
  const ours12 = config.cipherSuites.some((s) => s.version === 'TLSv1.2');
  const versions = ch.extensions.supportedVersions;
  // §4.2.1: with supported_versions, legacy_version is ignored; without it, it is the maximum.
  const theirs13 = versions !== null && versions.includes(ProtocolVersion.TLSv1_3);
  const theirs12 = versions !== null ? versions.includes(ProtocolVersion.TLSv1_2) : ch.legacyVersion >= ProtocolVersion.TLSv1_2;
  if (ours13 && theirs13) return 'TLSv1.3';
  if (ours12 && theirs12) {
    if (ours13 && ch.cipherSuites.includes(CipherSuite.TLS_FALLBACK_SCSV)) {
      throw new TlsProtocolError('ERR_TLS_PEER_INAPPROPRIATE_FALLBACK', 'ClientHello carries TLS_FALLBACK_SCSV for TLS 1.2, but we speak TLS 1.3 (RFC 7507 §3)');
    }
    return 'TLSv1.2';
  }
  const offered = versions === null
    ? `legacy_version ${codePointName(ProtocolVersion, ch.legacyVersion)}`
    : versions.filter((v) => !isGrease16(v)).map((v) => codePointName(ProtocolVersion, v)).join(', ') || 'no version';
  const ours = [ours13 ? 'TLSv1_3' : null, ours12 ? 'TLSv1_2' : null].filter((x) => x !== null).join(', ');
  throw new TlsProtocolError('ERR_TLS_PEER_NO_COMMON_VERSION', `client offers ${offered}; this server speaks ${ours}`);
}

/** What a TLS 1.2 server handshake carries from state to state. */
class Tls12ServerHandshake {
  readonly config: ServerConfig;
  readonly transcript: Transcript;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  readonly suite: Tls12CipherSuite;
  readonly group: KeyExchangeGroup;
  readonly kx: ActiveKeyExchange;
  readonly ems: boolean;
  readonly sni: string | null;
  readonly alpn: string | null;
  /** We sent a CertificateRequest (RFC 5246 §7.4.4). */
  readonly requestedClientCert: boolean;
  /** The OCSP response we sent in CertificateStatus (RFC 6066 §8), or null. */
  readonly stapledOcsp: Uint8Array | null;
  peerCertificates: Uint8Array[];
  peerSignatureScheme: number | null;
  secrets: Tls12Secrets | null;
  /** What this full handshake issues: session id, ticket (server/tls12-resumption.ts). */
  session: Tls12SessionIssue | null = null;

  constructor(config: ServerConfig, transcript: Transcript, clientRandom: Uint8Array, serverRandom: Uint8Array, suite: Tls12CipherSuite, group: KeyExchangeGroup, kx: ActiveKeyExchange, ems: boolean, sni: string | null, alpn: string | null, requestedClientCert: boolean, stapledOcsp: Uint8Array | null) {
    this.config = config;
    this.transcript = transcript;
    this.clientRandom = clientRandom;
    this.serverRandom = serverRandom;
    this.suite = suite;
    this.group = group;
    this.kx = kx;
    this.ems = ems;
    this.sni = sni;
    this.alpn = alpn;
    this.requestedClientCert = requestedClientCert;
    this.stapledOcsp = stapledOcsp;
    this.peerCertificates = [];
    this.peerSignatureScheme = null;
    this.secrets = null;
  }
}

/** RFC 7301 §3.2: our most preferred protocol the client offers; no_application_protocol if none. */
export function chooseAlpn(config: ServerConfig, ch: ClientHello): Uint8Array | null {
  const offered = ch.extensions.alpn;
  if (offered !== null && config.selectAlpn !== null) return selectAlpnWith(config.selectAlpn, offered);
  if (offered === null || config.alpnProtocols.length === 0) return null;
  for (const p of config.alpnProtocols) {
    if (offered.some((o) => o.length === p.length && o.every((v, i) => v === p[i]))) return p;
  }
  if (config.alpnMismatch === 'ignore') return null;
  const names = offered.map((o) => JSON.stringify(fromUtf8(o) ?? '?')).join(', ');
  throw new TlsProtocolError('ERR_TLS_PEER_NO_APPLICATION_PROTOCOL', `client offers ALPN ${names}; we support ${config.alpnProtocols.map((p) => JSON.stringify(fromUtf8(p))).join(', ')}`);
}

/** Our TLS 1.2 suites the client offers, in our preference order. */
function commonSuites(config: ServerConfig, ch: ClientHello): Tls12CipherSuite[] {
  const out: Tls12CipherSuite[] = [];
  for (const s of config.cipherSuites) if (s.version === 'TLSv1.2' && ch.cipherSuites.includes(s.suite)) out.push(s);
  return out;
}

/** The curve an ECDSA key type signs on (RFC 8422 §5.1.1 ties it to supported_groups), or null. */
const ecdsaKeyCurve: Readonly<Record<string, number>> = {
  'ecdsa-p256': NamedGroup.Secp256r1,
  'ecdsa-p384': NamedGroup.Secp384r1,
  'ecdsa-p521': NamedGroup.Secp521r1,
};

/**
 * A suite and scheme this key can serve, or null. RFC 8422 §5.1.1: servers "MUST NOT negotiate
 * the use of an ECC cipher suite unless they can complete the handshake while respecting the
 * choice of curves specified by clients" — an ECDSA certificate's curve must be in the client's
 * supported_groups (OpenSSL clients enforce this: "wrong curve").
 */
function fit(ck: CertifiedKey, suites: readonly Tls12CipherSuite[], schemes: readonly number[], clientGroups: readonly number[]): { suite: Tls12CipherSuite; scheme: number } | null {
  const curve = ecdsaKeyCurve[ck.key.keyType];
  if (curve !== undefined && !clientGroups.includes(curve)) return null;
  const auth = keyAuthentication(ck.key);
  const suite = suites.find((s) => s.authentication === auth);
  if (suite === undefined) return null;
  const scheme = chooseTls12Scheme(ck.key, schemes);
  return scheme === null ? null : { suite, scheme };
}

/**
 * Handles a ClientHello for which `chooseServerVersion` chose TLS 1.2: checks it, picks suite,
 * group, certificate and ALPN, and sends ServerHello .. ServerHelloDone.
 */
export function startTls12Server(cx: HandshakeContext, config: ServerConfig, ch: ClientHello, encoding: Uint8Array): Step {
  const e = ch.extensions;
  // RFC 5246 §7.4.1.2: compression_methods must contain null.
  if (!ch.legacyCompressionMethods.includes(0)) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'ClientHello.compression_methods lacks null (RFC 5246 §7.4.1.2)');
  }
  // RFC 5746 §3.6: on an initial handshake renegotiated_connection must be empty.
  if (e.renegotiationInfo !== null && e.renegotiationInfo.length !== 0) {
    throw new TlsProtocolError('ERR_TLS_PEER_BAD_RENEGOTIATION_INFO', `ClientHello renegotiation_info carries ${e.renegotiationInfo.length} bytes on an initial handshake: expected none (RFC 5746 §3.6)`);
  }
  const secureRenegotiation = e.renegotiationInfo !== null || ch.cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
  // RFC 7627 §5.3.
  if (!e.extendedMasterSecret && config.requireExtendedMasterSecret) {
    throw new TlsProtocolError('ERR_TLS_PEER_EMS_REQUIRED', 'TLS 1.2 client does not offer the extended master secret (RFC 7627), which we require');
  }
  // RFC 8422 §5.1.2: uncompressed is the only point format we use.
  if (e.ecPointFormats !== null && !e.ecPointFormats.includes(EC_POINT_FORMAT_UNCOMPRESSED)) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'ClientHello ec_point_formats lacks uncompressed (RFC 8422 §5.1.2)');
  }
  const suites = commonSuites(config, ch);
  if (suites.length === 0) {
    const theirs = ch.cipherSuites.filter((c) => !isGrease16(c)).map((c) => codePointName(CipherSuite, c)).join(', ');
    throw new TlsProtocolError('ERR_TLS_PEER_NO_COMMON_SUITE', `no TLS 1.2 cipher suite in common: client offers ${theirs || 'none'}; we support ${config.cipherSuites.filter((s) => s.version === 'TLSv1.2').map((s) => s.name).join(', ')}`);
  }
  // RFC 8422 §4: our most preferred curve among the client's supported_groups.
  const clientGroups = e.supportedGroups ?? [];
  const group = config.groups.find((g) => g.usableInTls12 && clientGroups.includes(g.group));
  if (group === undefined) {
    const theirs = clientGroups.filter((x) => !isGrease16(x)).map((x) => codePointName(NamedGroup, x)).join(', ');
    throw new TlsProtocolError('ERR_TLS_PEER_NO_COMMON_GROUP', `no ECDHE group in common for TLS 1.2: client supports ${theirs || 'none'}; we support ${config.groups.filter((g) => g.usableInTls12).map((g) => g.name).join(', ')}`);
  }
  // RFC 5246 §7.4.1.4.1: without signature_algorithms the client's default is SHA-1, which we
  // never sign with: such a client has no scheme in common with us.
  const schemes = e.signatureAlgorithms === null ? [] : e.signatureAlgorithms.slice();
  cx.noteServerName(e.serverName); // before chooseAlpn: a selectAlpn callback may read it
  const alpnBytes = chooseAlpn(config, ch);
  // Read everything we need from the message now: its buffer is reused before an async
  // resolver returns.
  const clientRandom = ch.random.slice();
  const pointFormats = e.ecPointFormats !== null;
  const ems = e.extendedMasterSecret;
  const sni = e.serverName;
  // RFC 5246 §7.3 / RFC 5077 §3.2: the session id and ticket this handshake issues (tls12-resumption.ts).
  const plan = planTls12Session(cx, config, ch);
  // RFC 6066 §8: status_type 1 is ocsp; other types we cannot answer.
  const clientRequestedOcsp = e.statusRequest !== null && e.statusRequest[0] === 1;
  const info: ClientHelloInfo = {
    serverName: e.serverName,
    signatureSchemes: schemes,
    alpn: (e.alpn ?? []).map((p) => fromUtf8(p) ?? ''),
    cipherSuites: ch.cipherSuites.slice(),
    ocspRequested: clientRequestedOcsp,
  };
  const verifier = config.clientVerifier;
  const requestCert = verifier !== null && verifier.offerClientAuth();
  const transcript = new Transcript(null);
  // RFC 5246 §7.4.8: the client's CertificateVerify covers the raw messages from ClientHello on.
  if (requestCert) transcript.keepRawMessages();
  transcript.add(encoding);

  const resolved: CertifiedKey | null | Promise<CertifiedKey | null> = config.resolveCertificate !== null
    ? config.resolveCertificate(info)
    : (config.certificates.find((c) => fit(c, suites, schemes, clientGroups) !== null) ?? null);
  return withResult(cx, resolved, (cx2, ck) => {
    const chosen = ck === null ? null : fit(ck, suites, schemes, clientGroups);
    if (ck === null || chosen === null) {
      throw new TlsProtocolError('ERR_TLS_PEER_NO_COMMON_SIGNATURE_SCHEME', `no certificate for ${sni === null ? 'a client without SNI' : JSON.stringify(sni)} suits the client's TLS 1.2 cipher suites, signature_algorithms and curves`);
    }
    const { suite, scheme } = chosen;
    transcript.startHash(suite.hash);
    // RFC 8446 §4.1.3: a TLS 1.3-capable server negotiating TLS 1.2 ends its random with
    // DOWNGRD\x01, so a TLS 1.3 client can detect a downgrade.
    const serverRandom = cx2.random(32);
    if (config.cipherSuites.some((s) => s.version === 'TLSv1.3')) serverRandom.set(DOWNGRADE_SENTINEL_TLS12, 24);
    const ext = emptyServerHelloExtensions();
    if (secureRenegotiation) ext.renegotiationInfo = new Uint8Array(0); // RFC 5746 §3.6
    ext.extendedMasterSecret = ems; // RFC 7627 §5.2
    if (pointFormats) ext.ecPointFormats = [EC_POINT_FORMAT_UNCOMPRESSED]; // RFC 8422 §5.2
    if (alpnBytes !== null) ext.alpn = alpnBytes;
    // RFC 6066 §8: acknowledge status_request with an empty one, only when we will send a
    // CertificateStatus (OCSPResponse<1..2^24-1>) right after the Certificate.
    const ocsp = ck.ocspResponse ?? null;
    const staple = clientRequestedOcsp && ocsp instanceof Uint8Array && ocsp.length > 0 && ocsp.length <= 0xffffff ? ocsp : null;
    if (staple !== null) ext.statusRequest = true;
    if (plan.ticket) ext.sessionTicket = true; // RFC 5077 §3.2: a NewSessionTicket will follow
    const sh = encodeMessage(encodeServerHello, {
      legacyVersion: ProtocolVersion.TLSv1_2,
      random: serverRandom,
      // RFC 5246 §7.4.1.3: a new session id, resumable when the session store keeps it.
      legacySessionIdEcho: plan.sessionId,
      cipherSuite: suite.suite,
      legacyCompressionMethod: 0,
      extensionsAbsent: false,
      extensions: ext,
    });
    transcript.add(sh);
    cx2.sendHandshake(sh);
    cx2.allowCompatCcs(false);
    const cert = encodeMessage(encodeCertificate12, { certificateList: ck.chain.slice() });
    transcript.add(cert);
    cx2.sendHandshake(cert);
    if (staple !== null) {
      const status = encodeMessage(encodeCertificateStatus12, { ocspResponse: staple });
      transcript.add(status);
      cx2.sendHandshake(status);
    }
    const kx = group.start();
    const hs = new Tls12ServerHandshake(config, transcript, clientRandom, serverRandom, suite, group, kx, ems, sni, alpnBytes === null ? null : (fromUtf8(alpnBytes) ?? ''), requestCert, staple);
    hs.session = plan;
    const content = serverKeyExchangeSignedContent(clientRandom, serverRandom, group.group, kx.publicShare);
    return withResult(cx2, ck.key.sign(scheme, content), (cx3, signature) => {
      const ske = encodeMessage(encodeServerKeyExchangeEcdhe, { namedGroup: group.group, publicKey: kx.publicShare, signatureScheme: scheme, signature });
      transcript.add(ske);
      cx3.sendHandshake(ske);
      if (requestCert) {
        const cr = encodeMessage(encodeCertificateRequest12, {
          certificateTypes: [ClientCertificateType.EcdsaSign, ClientCertificateType.RsaSign],
          signatureAlgorithms: verifier.supportedSchemes().slice(),
          certificateAuthorities: verifier.rootHintSubjects().slice(),
        });
        transcript.add(cr);
        cx3.sendHandshake(cr);
      }
      const done = encodeMessage(encodeServerHelloDone, {});
      transcript.add(done);
      cx3.sendHandshake(done);
      return requestCert ? new ExpectClientCertificate12(hs) : new ExpectClientKeyExchange(hs);
    });
  });
}

/** Waiting for the client's Certificate after our CertificateRequest (RFC 5246 §7.4.6). */
class ExpectClientCertificate12 implements HandshakeState {
  readonly name = 'ExpectClientCertificate12';
  readonly established = false;
  readonly hs: Tls12ServerHandshake;
  constructor(hs: Tls12ServerHandshake) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const verifier = hs.config.clientVerifier!;
    const cert = expectMessage(m, HandshakeType.Certificate, decodeCertificate12);
    hs.transcript.add(m.encoding);
    if (cert.certificateList.length === 0) {
      // RFC 5246 §7.4.6: the server may continue without client authentication or refuse.
      if (verifier.clientAuthMandatory()) {
        // TLS 1.2 has no certificate_required alert (RFC 8446 §6.2 added it): handshake_failure.
        throw new TlsProtocolError('ERR_TLS_PEER_CERTIFICATE_REQUIRED', 'client sent no certificate: one is required', { alert: AlertDescription.HandshakeFailure });
      }
      return new ExpectClientKeyExchange(hs);
    }
    hs.peerCertificates = cert.certificateList.map((c) => c.slice()); // the buffer is reused
    const result = verifier.verifyClientCertificate({ endEntity: hs.peerCertificates[0]!, intermediates: hs.peerCertificates.slice(1), now: cx.now() });
    return withResult(cx, result, () => new ExpectClientKeyExchange(hs));
  }
}

/** Waiting for the ECDHE ClientKeyExchange (RFC 8422 §5.7). */
class ExpectClientKeyExchange implements HandshakeState {
  readonly name = 'ExpectClientKeyExchange';
  readonly established = false;
  readonly hs: Tls12ServerHandshake;
  constructor(hs: Tls12ServerHandshake) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const cke = expectMessage(m, HandshakeType.ClientKeyExchange, decodeClientKeyExchangeEcdhe);
    // Validates the point (ERR_TLS_PEER_BAD_KEY_SHARE, illegal_parameter).
    const preMaster = hs.kx.complete(cke.publicKey);
    hs.transcript.add(m.encoding);
    // RFC 7627 §3: session_hash covers ClientHello .. ClientKeyExchange.
    hs.secrets = deriveTls12Secrets(cx, hs.suite, preMaster, hs.clientRandom, hs.serverRandom, hs.ems, hs.transcript);
    if (hs.peerCertificates.length > 0) return new ExpectCertificateVerify12(hs);
    if (hs.requestedClientCert) hs.transcript.takeRawMessages(); // not needed: stop keeping them
    return expectClientCcs(cx, hs);
  }
}

function expectClientCcs(cx: HandshakeContext, hs: Tls12ServerHandshake): Step {
  const keys = hs.secrets!.keys;
  cx.expectTls12ChangeCipherSpec(hs.suite, keys.clientWriteKey, keys.clientWriteIv);
  return new ExpectClientFinished12(hs);
}

/** Waiting for the client's CertificateVerify (RFC 5246 §7.4.8). */
class ExpectCertificateVerify12 implements HandshakeState {
  readonly name = 'ExpectCertificateVerify12';
  readonly established = false;
  readonly hs: Tls12ServerHandshake;
  constructor(hs: Tls12ServerHandshake) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const verifier = hs.config.clientVerifier!;
    const cv = expectMessage(m, HandshakeType.CertificateVerify, decodeCertificateVerify);
    // The scheme must be one of those our CertificateRequest listed.
    checkPeerTls12Scheme(cv.algorithm, verifier.supportedSchemes(), null, 'client CertificateVerify');
    const signed = hs.transcript.takeRawMessages();
    hs.transcript.add(m.encoding);
    hs.peerSignatureScheme = cv.algorithm;
    const result = verifier.verifyTls12Signature(signed, hs.peerCertificates[0]!, cv.algorithm, cv.signature.slice());
    return withResult(cx, result, (cx2) => expectClientCcs(cx2, hs));
  }
}

/** Waiting for the client's Finished; then our ChangeCipherSpec and Finished (RFC 5246 §7.4.9). */
class ExpectClientFinished12 implements HandshakeState {
  readonly name = 'ExpectFinished12';
  readonly established = false;
  readonly hs: Tls12ServerHandshake;
  constructor(hs: Tls12ServerHandshake) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const { master } = hs.secrets!;
    cx.noteFinished('peer', checkPeerFinished(m, hs.suite, master, 'client', hs.transcript));
    // RFC 5246 §7.3 / RFC 5077 §3.3: store the session and seal its ticket (either may be async).
    const plan = hs.session;
    if (plan === null) return this.finish(cx, null);
    return withResult(cx, issueTls12Session(cx, hs.config, plan, hs.suite, master, hs.sni, hs.peerCertificates), (cx2, ticket) => this.finish(cx2, plan.ticket ? (ticket ?? new Uint8Array(0)) : null));
  }

  /** [NewSessionTicket], ChangeCipherSpec, Finished. `ticket` null: no NewSessionTicket. */
  private finish(cx: HandshakeContext, ticket: Uint8Array | null): Step {
    const hs = this.hs;
    const { master, keys } = hs.secrets!;
    // RFC 5077 §3.3: an empty ticket when we acknowledged session_ticket but have none.
    if (ticket !== null) sendNewSessionTicket12(cx, hs.transcript, ticket, hs.config.ticketLifetimeSeconds);
    cx.sendTls12ChangeCipherSpec(hs.suite, keys.serverWriteKey, keys.serverWriteIv);
    const finBytes = makeFinished(hs.suite, master, 'server', hs.transcript);
    cx.noteFinished('local', finBytes.subarray(4)); // after the 4-byte handshake header
    cx.sendHandshake(finBytes);
    cx.handshakeComplete({
      protocolVersion: 'TLSv1.2',
      cipherSuite: hs.suite.name,
      cipherSuiteId: hs.suite.suite,
      group: hs.group.name,
      groupId: hs.group.group,
      alpn: hs.alpn,
      serverName: hs.sni,
      peerCertificates: hs.peerCertificates,
      peerSignatureScheme: hs.peerSignatureScheme,
      resumed: false,
      helloRetried: false,
      ocspResponse: hs.stapledOcsp,
    });
    return new Tls12Traffic('server', new Tls12Exporter(hs.suite, master, hs.clientRandom, hs.serverRandom, hs.ems));
  }
}
