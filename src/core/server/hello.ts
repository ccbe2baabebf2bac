/**
 * The server's reading of ClientHello and its choices (RFC 8446 §4.1.1–§4.1.4): version,
 * cipher suite, group (or a HelloRetryRequest), ALPN and the certificate.
 */
import { type ClientHello, decodeClientHello } from '../codec/client-hello.ts';
import { CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, codePointName, isGrease16 } from '../codec/codepoints.ts';
import { expectMessage, type HandshakeMessage } from '../codec/handshake.ts';
import { emptyServerHelloExtensions, encodeServerHello, HELLO_RETRY_REQUEST_RANDOM } from '../codec/server-hello.ts';
import type { KeyExchangeGroup, Tls13CipherSuite } from '../crypto/provider.ts';
import { TlsProtocolError } from '../errors.ts';
import type { HandshakeContext } from '../conn/context.ts';
import { type HandshakeState, type Step, withResult } from '../conn/state.ts';
import { encodeMessage, isTls13HandshakeScheme } from '../conn/tls13-shared.ts';
import { constantTimeEqual, fromUtf8 } from '../util.ts';
import type { CertifiedKey, ClientHelloInfo, ServerConfig } from './config.ts';
import { ServerHandshakeData } from './handshake-data.ts';
import { selectAlpnWith } from './alpn-select.ts';
import { pskBinderHash, resumeOrFull, skipEarlyDataAfterRetry } from './resumption.ts';
import { sendServerFlight } from './tls13.ts';
import { chooseServerVersion } from './tls12.ts';
import { startTls12ServerWithResumption } from './tls12-resumption.ts';

/** Waiting for ClientHello (or ClientHello2 after our HelloRetryRequest). */
export class ExpectClientHello implements HandshakeState {
  readonly name = 'ExpectClientHello';
  readonly established = false;
  readonly hs: ServerHandshakeData;
  constructor(hs: ServerHandshakeData) {
    this.hs = hs;
  }

  static initial(config: ServerConfig): ExpectClientHello {
    return new ExpectClientHello(new ServerHandshakeData(config));
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const ch = expectMessage(m, HandshakeType.ClientHello, decodeClientHello);
    // TLS 1.2 when the client or we lack TLS 1.3 (server/tls12.ts); never after our HRR.
    if (!hs.helloRetried && chooseServerVersion(hs.config, ch) === 'TLSv1.2') return startTls12ServerWithResumption(cx, hs.config, ch, m.encoding);
    cx.allowCompatCcs(true);
    checkVersion(ch);
    // §4.1.2: TLS 1.3 ClientHellos carry exactly one compression method, null.
    if (ch.legacyCompressionMethods.length !== 1 || ch.legacyCompressionMethods[0] !== 0) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'ClientHello.legacy_compression_methods must be exactly [null] in TLS 1.3 (RFC 8446 §4.1.2)');
    }
    const e = ch.extensions;
    if (e.preSharedKey !== null && e.pskKeyExchangeModes === null) {
      throw new TlsProtocolError('ERR_TLS_PEER_MISSING_EXTENSION', 'ClientHello offers pre_shared_key without psk_key_exchange_modes (RFC 8446 §4.2.9)');
    }
    if (e.signatureAlgorithms === null) {
      throw new TlsProtocolError('ERR_TLS_PEER_MISSING_EXTENSION', 'ClientHello has no signature_algorithms: certificate authentication needs it (RFC 8446 §4.2.3)');
    }
    if (e.supportedGroups === null || e.keyShare === null) {
      throw new TlsProtocolError('ERR_TLS_PEER_MISSING_EXTENSION', `ClientHello has ${e.supportedGroups === null ? 'no supported_groups' : 'no key_share'}: (EC)DHE needs both (RFC 8446 §9.2)`);
    }
    checkKeyShares(ch);

    const suite = chooseSuite(hs.config, ch);
    const retried = hs.helloRetried;
    if (retried) checkSecondHello(hs, ch, suite);
    hs.suite = suite;
    hs.transcript.startHash(suite.hash);
    if (!retried) {
      hs.clientRandom = ch.random.slice();
      hs.sessionIdEcho = ch.legacySessionId.slice();
    }

    // Group: our most preferred group the client sent a share for; else a HelloRetryRequest
    // for our most preferred group it supports (as rustls does).
    const { group, share } = chooseGroup(hs.config, ch);
    if (share === null) {
      if (retried) {
        throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ClientHello2 has no key share for ${codePointName(NamedGroup, group.group)}, which our HelloRetryRequest selected (RFC 8446 §4.1.2)`);
      }
      hs.transcript.add(m.encoding);
      hs.hello = copyHello(ch);
      skipEarlyDataAfterRetry(cx, hs, ch); // §4.2.10
      return sendHelloRetryRequest(cx, hs, suite, group);
    }
    // RFC 8446 §4.2.11.2: the binder hash covers the hello truncated before the binders.
    const binderHash = pskBinderHash(cx, hs, ch, m.encoding);
    hs.transcript.add(m.encoding);
    hs.hello = null; // ClientHello1 is no longer needed once a hello is answered
    hs.clientRecordSizeLimit = e.recordSizeLimit;
    hs.group = group;
    hs.sni = e.serverName;
    cx.noteServerName(e.serverName);
    hs.alpn = chooseAlpn(hs.config, ch);
    // Read now: the message buffer is reused before an async resolver returns.
    // RFC 6066 §8: status_type 1 is ocsp; other types we cannot answer.
    hs.clientRequestedOcsp = e.statusRequest !== null && e.statusRequest[0] === 1;
    hs.clientCompressAlgorithms = e.compressCertificate === null ? null : e.compressCertificate.slice();

    // Only a configured resolver sees the hello; built now, as the ALPN views alias the buffer.
    const info = hs.config.resolveCertificate !== null ? helloInfo(ch, hs.clientRequestedOcsp) : null;
    const schemes = tls13Schemes(e.signatureAlgorithms);
    const peerShare = share.slice();
    // RFC 8446 §2.2: resume with an offered ticket, or a full handshake (resumption.ts).
    return resumeOrFull(cx, hs, ch, binderHash, peerShare, (cx1) => withResult(cx1, resolveCertificate(hs.config, info, schemes), (cx2, ck) => {
      if (ck === null) {
        throw new TlsProtocolError('ERR_TLS_PEER_NO_COMMON_SIGNATURE_SCHEME', `no certificate for ${e.serverName === null ? 'a client without SNI' : JSON.stringify(e.serverName)} can sign with any of the client's signature_algorithms`);
      }
      const scheme = ck.key.chooseScheme(schemes);
      if (scheme === null) {
        throw new TlsProtocolError('ERR_TLS_PEER_NO_COMMON_SIGNATURE_SCHEME', `our ${ck.key.keyType} key cannot sign with any signature scheme the client offered`);
      }
      hs.certifiedKey = ck;
      hs.signatureScheme = scheme;
      return sendServerFlight(cx2, hs, peerShare);
    }));
  }
}

/** §4.2.1: TLS 1.3 is negotiated only through supported_versions. */
function checkVersion(ch: ClientHello): void {
  const versions = ch.extensions.supportedVersions;
  if (versions === null || !versions.includes(ProtocolVersion.TLSv1_3)) {
    const offered = versions === null ? `legacy_version ${codePointName(ProtocolVersion, ch.legacyVersion)}` : versions.filter((v) => !isGrease16(v)).map((v) => codePointName(ProtocolVersion, v)).join(', ');
    throw new TlsProtocolError('ERR_TLS_PEER_NO_COMMON_VERSION', `client offers ${offered || 'no version'}; this server speaks TLSv1_3`);
  }
}

/**
 * §4.2.8: every KeyShareEntry names a group from supported_groups, at most once, "in the same
 * order". Duplicates and shares for unlisted groups are illegal_parameter.
 */
function checkKeyShares(ch: ClientHello): void {
  const groups = ch.extensions.supportedGroups!;
  // Sets, not includes(): a hostile hello may list thousands of groups and shares.
  const listed = new Set<number>(groups);
  const seen = new Set<number>();
  for (const s of ch.extensions.keyShare!) {
    if (seen.has(s.group)) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ClientHello has two key shares for ${codePointName(NamedGroup, s.group)} (RFC 8446 §4.2.8)`);
    }
    seen.add(s.group);
    if (!listed.has(s.group)) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ClientHello has a key share for ${codePointName(NamedGroup, s.group)}, which is not in its supported_groups (RFC 8446 §4.2.8)`);
    }
  }
}

function chooseSuite(config: ServerConfig, ch: ClientHello): Tls13CipherSuite {
  for (const s of config.cipherSuites) {
    if (s.version === 'TLSv1.3' && ch.cipherSuites.includes(s.suite)) return s;
  }
  const ours = config.cipherSuites.filter((s) => s.version === 'TLSv1.3').map((s) => s.name).join(', ');
  const theirs = ch.cipherSuites.filter((c) => !isGrease16(c)).map((c) => codePointName(CipherSuite, c)).join(', ');
  throw new TlsProtocolError('ERR_TLS_PEER_NO_COMMON_SUITE', `no TLS 1.3 cipher suite in common: client offers ${theirs || 'none'}; we support ${ours}`);
}

function chooseGroup(config: ServerConfig, ch: ClientHello): { group: KeyExchangeGroup; share: Uint8Array | null } {
  const shares = ch.extensions.keyShare!;
  for (const g of config.groups) {
    for (const s of shares) if (s.group === g.group) return { group: g, share: s.keyExchange };
  }
  const supported = ch.extensions.supportedGroups!;
  for (const g of config.groups) if (supported.includes(g.group)) return { group: g, share: null };
  const theirs = supported.filter((x) => !isGrease16(x)).map((x) => codePointName(NamedGroup, x)).join(', ');
  throw new TlsProtocolError('ERR_TLS_PEER_NO_COMMON_GROUP', `no key exchange group in common: client supports ${theirs || 'none'}; we support ${config.groups.map((g) => g.name).join(', ')}`);
}

/** RFC 7301 §3.2: our most preferred protocol the client offers; no_application_protocol if none. */
function chooseAlpn(config: ServerConfig, ch: ClientHello): Uint8Array | null {
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

/** What a certificate resolver sees of the hello; copies, as the message buffer is reused. */
function helloInfo(ch: ClientHello, ocspRequested: boolean): ClientHelloInfo {
  const e = ch.extensions;
  return {
    serverName: e.serverName,
    signatureSchemes: (e.signatureAlgorithms ?? []).slice(),
    alpn: (e.alpn ?? []).map((p) => fromUtf8(p) ?? ''),
    cipherSuites: ch.cipherSuites.slice(),
    ocspRequested,
  };
}

/** The client's signature_algorithms usable for a TLS 1.3 CertificateVerify (§4.2.3), in its order. */
function tls13Schemes(offered: readonly number[]): number[] {
  const out: number[] = [];
  for (const s of offered) if (isTls13HandshakeScheme(s)) out.push(s);
  return out;
}

/**
 * The configured resolver (given `info`, non-null when one is configured), or the first
 * configured certificate whose key can sign with one of `schemes`.
 */
function resolveCertificate(config: ServerConfig, info: ClientHelloInfo | null, schemes: readonly number[]): CertifiedKey | null | Promise<CertifiedKey | null> {
  if (config.resolveCertificate !== null && info !== null) return config.resolveCertificate(info);
  for (const c of config.certificates) if (c.key.chooseScheme(schemes) !== null) return c;
  return null;
}

/** §4.1.2: ClientHello2 repeats ClientHello1 except for the changes the HRR asked for. */
function checkSecondHello(hs: ServerHandshakeData, ch: ClientHello, suite: Tls13CipherSuite): void {
  const first = hs.hello!;
  if (!constantTimeEqual(first.random, ch.random) || !constantTimeEqual(first.legacySessionId, ch.legacySessionId)) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'ClientHello2 changed random or legacy_session_id after our HelloRetryRequest (RFC 8446 §4.1.2)');
  }
  if (suite !== hs.suite) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ClientHello2 leads to ${suite.name}, but our HelloRetryRequest chose ${hs.suite!.name}`);
  }
  const cookie = ch.extensions.cookie;
  if (hs.cookie !== null && (cookie === null || !constantTimeEqual(cookie, hs.cookie))) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'ClientHello2 does not echo the cookie of our HelloRetryRequest (RFC 8446 §4.2.2)');
  }
  if (ch.extensions.earlyData) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'ClientHello2 offers early_data after a HelloRetryRequest (RFC 8446 §4.2.10)');
  }
  const shares = ch.extensions.keyShare!;
  if (shares.length !== 1 || shares[0]!.group !== hs.group?.group) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ClientHello2 must carry exactly one key share, for ${codePointName(NamedGroup, hs.group?.group ?? 0)} (RFC 8446 §4.2.8)`);
  }
}

/** Keeps what ClientHello2 is compared with; the message buffer is reused. */
function copyHello(ch: ClientHello): ClientHello {
  return { ...ch, random: ch.random.slice(), legacySessionId: ch.legacySessionId.slice() };
}

/** §4.1.4: ask for a share for `group`, with a cookie the client must echo. */
function sendHelloRetryRequest(cx: HandshakeContext, hs: ServerHandshakeData, suite: Tls13CipherSuite, group: KeyExchangeGroup): Step {
  hs.helloRetried = true;
  hs.group = group;
  hs.cookie = cx.random(32);
  hs.transcript.replaceWithMessageHash();
  const ext = emptyServerHelloExtensions();
  ext.supportedVersions = ProtocolVersion.TLSv1_3;
  ext.selectedGroup = group.group;
  ext.cookie = hs.cookie;
  // NSS's order, as in RFC 8448 §5's HelloRetryRequest.
  ext.order = [ExtensionType.KeyShare, ExtensionType.Cookie, ExtensionType.SupportedVersions];
  const bytes = encodeMessage(encodeServerHello, {
    legacyVersion: ProtocolVersion.TLSv1_2,
    random: HELLO_RETRY_REQUEST_RANDOM,
    legacySessionIdEcho: hs.sessionIdEcho,
    cipherSuite: suite.suite,
    legacyCompressionMethod: 0,
    extensionsAbsent: false,
    extensions: ext,
  });
  hs.transcript.add(bytes);
  cx.sendHandshake(bytes);
  // D.4: the server's compatibility CCS goes right after its first handshake message.
  if (hs.sessionIdEcho.length > 0) cx.sendCompatCcs();
  return new ExpectClientHello(hs);
}

