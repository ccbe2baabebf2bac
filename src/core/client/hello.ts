/**
 * The client's first flight and the ServerHello / HelloRetryRequest that answers it
 * (RFC 8446 §4.1.1–§4.1.4).
 */
import { type ClientHello, type ClientHelloExtensions, emptyClientHelloExtensions, encodeClientHello } from '../codec/client-hello.ts';
import { Writer } from '../codec/writer.ts';
import { CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, PskKeyExchangeMode, codePointName, isGrease16 } from '../codec/codepoints.ts';
import type { KeyShareEntry } from '../codec/extensions.ts';
import { expectMessage, type HandshakeMessage } from '../codec/handshake.ts';
import {
  DOWNGRADE_SENTINEL_TLS11,
  DOWNGRADE_SENTINEL_TLS12,
  decodeServerHello,
  isHelloRetryRequest,
  type ServerHello,
} from '../codec/server-hello.ts';
import type { ActiveKeyExchange, KeyExchangeGroup, Tls13CipherSuite } from '../crypto/provider.ts';
import { TlsProtocolError } from '../errors.ts';
import type { HandshakeContext } from '../conn/context.ts';
import type { HandshakeState, Step } from '../conn/state.ts';
import { isTls13HandshakeScheme } from '../conn/tls13-shared.ts';
import type { ClientConfig } from './config.ts';
import { ClientHandshakeData } from './handshake-data.ts';
import { acceptServerPsk, afterFirstHello, fillBinder, offerSession, retrySession } from './resumption.ts';
import type { Tls12ClientSession, Tls13ClientSession } from './session-store.ts';
import { tls12OfferedSessionId, tls12OfferedTicket } from './tls12-resumption.ts';
import { toServerName } from './server-name.ts';
import { ExpectEncryptedExtensions } from './tls13.ts';
import { addTls12Offer, handleTls12ServerHello } from './tls12.ts';

/** RFC 8701 §2: GREASE values for two-byte code points are 0x0A0A, 0x1A1A, ..., 0xFAFA. */
function greaseValue(r: number): number {
  const n = r & 0x0f;
  return ((n << 12) | 0x0a00 | (n << 4) | 0x0a) & 0xffff;
}

/** The TLS 1.3 suites of the config, in preference order. */
function tls13Suites(config: ClientConfig): Tls13CipherSuite[] {
  const out: Tls13CipherSuite[] = [];
  for (const s of config.cipherSuites) if (s.version === 'TLSv1.3') out.push(s);
  return out;
}

/**
 * What every ClientHello of one config shares (STYLE §8: per config, not per connection). The
 * config is immutable; the verifier's scheme list is re-checked by identity on each use, so a
 * verifier that changes its list gets a fresh template. Randoms, GREASE, session ids and key
 * shares are never part of it.
 */
interface HelloTemplate {
  readonly suites: readonly Tls13CipherSuite[];
  readonly certSchemesSource: readonly number[];
  /** signature_algorithms, and signature_algorithms_cert when it differs (else null). */
  readonly schemes: readonly number[];
  readonly certSchemes: readonly number[] | null;
  readonly groupCodes: readonly number[];
  readonly compressAlgorithms: readonly number[] | null;
}

const templates = new WeakMap<ClientConfig, HelloTemplate>();

function helloTemplate(config: ClientConfig): HelloTemplate {
  const certSchemes = config.verifier.supportedSchemes();
  const hit = templates.get(config);
  if (hit !== undefined && hit.certSchemesSource === certSchemes) return hit;
  // RFC 8446 §4.2.3: rsa_pkcs1 (and other certificate-only schemes) "MAY appear in
  // signature_algorithms ... for backward compatibility with TLS 1.2", where they sign
  // ServerKeyExchange too. While TLS 1.2 is enabled we send one list (as OpenSSL and NSS do);
  // a TLS 1.3-only client keeps them in signature_algorithms_cert.
  const schemes = config.minVersion === 'TLSv1.2' ? certSchemes.slice() : certSchemes.filter(isTls13HandshakeScheme);
  const t: HelloTemplate = {
    suites: tls13Suites(config),
    certSchemesSource: certSchemes,
    schemes,
    // signature_algorithms_cert only when it differs (RFC 8446 §4.2.3): rsa_pkcs1 in certificates.
    certSchemes: certSchemes.length !== schemes.length ? certSchemes.slice() : null,
    groupCodes: config.groups.map((x) => x.group),
    compressAlgorithms: config.certificateCompression.length > 0 ? config.certificateCompression.map((c) => c.algorithm) : null,
  };
  templates.set(config, t);
  return t;
}

/**
 * Starts a client handshake: builds and queues ClientHello1 (RFC 8446 §4.1.2) and returns the
 * state that waits for the server's answer.
 */
export function startClientHandshake(cx: HandshakeContext, config: ClientConfig, name: string, session: Tls13ClientSession | null = null, session12: Tls12ClientSession | null = null): Step {
  const serverName = toServerName(name);
  const tpl = helloTemplate(config);
  const suites = tpl.suites;
  const random = cx.random(32);
  // RFC 8446 D.4: middlebox compatibility mode sends a random 32-byte legacy_session_id;
  // without it the id is empty (§4.1.2) and no CCS is sent.
  // RFC 8446 §4.1.2: "A client which has a cached session ID set by a pre-TLS 1.3 server SHOULD
  // set this field to that value" (client/tls12-resumption.ts).
  const offer12 = session12 !== null && config.minVersion === 'TLSv1.2' ? session12 : null;
  const sessionId = offer12 !== null ? tls12OfferedSessionId(cx, config, offer12) : config.middleboxCompat ? cx.random(32) : new Uint8Array(0);
  const grease = config.grease;
  const g = grease ? cx.random(6) : new Uint8Array(6);
  const tls12Enabled = config.minVersion === 'TLSv1.2';
  const ext = emptyClientHelloExtensions();
  // RFC 6066 §3: literal IP addresses are not permitted in server_name.
  const sni = serverName.kind === 'dns' && config.enableSni ? serverName.name : null;
  const firstGroup = config.groups[0]!;

  const cipherSuites: number[] = [];
  if (grease) cipherSuites.push(greaseValue(g[0]!));
  for (const s of suites) cipherSuites.push(s.suite);

  const groups: number[] = [];
  if (grease) groups.push(greaseValue(g[1]!));
  for (const x of tpl.groupCodes) groups.push(x);

  if (grease) ext.others.push({ type: greaseValue(g[2]!), body: new Uint8Array(0) });
  ext.serverName = sni;
  ext.supportedGroups = groups;
  // Copies of the template's lists: a hello's lists are its own (HRR and TLS 1.2 edit them).
  ext.signatureAlgorithms = tpl.schemes.slice();
  if (tpl.certSchemes !== null) ext.signatureAlgorithmsCert = tpl.certSchemes.slice();
  if (config.alpnProtocols.length > 0) ext.alpn = config.alpnProtocols.slice();
  const shares: KeyShareEntry[] = [];
  const kx = firstGroup.start();
  // RFC 8701 §3.1: a GREASE key share is a single zero byte, listed before the real one.
  if (grease) shares.push({ group: groups[0]!, keyExchange: Uint8Array.of(0) });
  shares.push({ group: firstGroup.group, keyExchange: kx.publicShare });
  // When the first group is a KEM or hybrid (TLS 1.3 only, e.g. X25519MLKEM768), also send a
  // share for our first (EC)DHE group, as rustls, Chrome and OpenSSL 3.5 do: a classical-only
  // server then needs no HelloRetryRequest. RFC 8446 §4.2.8 allows several shares, in
  // supported_groups order (the classical group comes later in our list).
  const keyShares = [kx];
  if (!firstGroup.usableInTls12) {
    const classical = config.groups.find((x) => x.usableInTls12);
    if (classical !== undefined) {
      const kx2 = classical.start();
      shares.push({ group: classical.group, keyExchange: kx2.publicShare });
      keyShares.push(kx2);
    }
  }
  ext.keyShare = shares;
  ext.supportedVersions = grease ? [greaseValue(g[3]!), ProtocolVersion.TLSv1_3] : [ProtocolVersion.TLSv1_3];
  // A second GREASE extension, distinct from the first (duplicates are illegal, §4.2).
  if (grease) ext.others.push({ type: greaseValue((g[2]! & 0x0f) + 1 + (g[4]! % 15)), body: Uint8Array.of(0) });
  // RFC 5746 §3.4: an initial TLS 1.2 ClientHello carries an empty renegotiation_info (TLS 1.3
  // servers ignore it). RFC 5077 §3.2: an empty session_ticket asks a TLS 1.2 server for one.
  if (tls12Enabled) ext.renegotiationInfo = new Uint8Array(0);
  if (tls12Enabled && config.tls12SessionTickets) ext.sessionTicket = (offer12 === null ? null : tls12OfferedTicket(config, offer12)) ?? new Uint8Array(0);
  // RFC 8446 §4.2.9: tickets we accept must use (EC)DHE; psk_ke is never offered.
  ext.pskKeyExchangeModes = [PskKeyExchangeMode.PskDheKe];
  // RFC 8449 §4.
  ext.recordSizeLimit = config.recordSizeLimit;
  // RFC 6066 §8 / RFC 8446 §4.4.2.1: status_type ocsp, no responder ids, no extensions.
  if (config.requestOcsp) ext.statusRequest = Uint8Array.of(1, 0, 0, 0, 0);
  // RFC 8879 §3: the algorithms we can decompress, our preference first.
  if (tpl.compressAlgorithms !== null) ext.compressCertificate = tpl.compressAlgorithms.slice();

  // TLS 1.2 suites, version and extensions when enabled (client/tls12.ts).
  if (!addTls12Offer(config, ext, cipherSuites, suites.length > 0) && suites.length === 0) {
    throw new TlsProtocolError('ERR_TLS_PEER_NO_COMMON_VERSION', 'no cipher suite is enabled for TLS 1.3 or TLS 1.2');
  }

  const hello: ClientHello = {
    legacyVersion: ProtocolVersion.TLSv1_2,
    random,
    legacySessionId: sessionId,
    cipherSuites,
    legacyCompressionMethods: Uint8Array.of(0),
    extensionsAbsent: false,
    extensions: ext,
    bindersLength: 0,
  };
  const hs = new ClientHandshakeData(config, serverName, sni, random, sessionId, hello);
  hs.keyShares = keyShares;
  for (const t of [
    ExtensionType.ServerName,
    ExtensionType.SupportedGroups,
    ExtensionType.KeyShare,
    ExtensionType.SupportedVersions,
  ]) hs.offeredExtensions.add(t);
  if (ext.alpn !== null) hs.offeredExtensions.add(ExtensionType.ApplicationLayerProtocolNegotiation);
  if (ext.recordSizeLimit !== null) hs.offeredExtensions.add(ExtensionType.RecordSizeLimit);
  hs.sessionKey = name;
  hs.tls12Offer = offer12;
  // RFC 8446 §4.2.11: offer the ticket taken from the session store (resumption.ts).
  if (session !== null) offerSession(cx, hs, session);
  sendHello(cx, hs);
  cx.allowCompatCcs(true);
  return new ExpectServerHello(hs);
}

/**
 * Our extension order: one GREASE first and one last (RFC 8701), padding at the end, and the
 * rest in the order NSS uses (so RFC 8448's hellos come out byte for byte).
 */
const helloOrder: readonly number[] = [
  ExtensionType.ServerName, ExtensionType.RenegotiationInfo, ExtensionType.SupportedGroups,
  ExtensionType.EcPointFormats, ExtensionType.SessionTicket, ExtensionType.ExtendedMasterSecret, ExtensionType.ApplicationLayerProtocolNegotiation, ExtensionType.StatusRequest,
  ExtensionType.KeyShare, ExtensionType.SupportedVersions, ExtensionType.SignatureAlgorithms,
  ExtensionType.SignatureAlgorithmsCert, ExtensionType.Cookie, ExtensionType.PskKeyExchangeModes,
  ExtensionType.RecordSizeLimit, ExtensionType.CompressCertificate,
];

function isSet(ext: ClientHelloExtensions, type: number): boolean {
  switch (type) {
    case ExtensionType.ServerName: return ext.serverName !== null;
    case ExtensionType.RenegotiationInfo: return ext.renegotiationInfo !== null;
    case ExtensionType.SupportedGroups: return ext.supportedGroups !== null;
    case ExtensionType.EcPointFormats: return ext.ecPointFormats !== null;
    case ExtensionType.ExtendedMasterSecret: return ext.extendedMasterSecret;
    case ExtensionType.SessionTicket: return ext.sessionTicket !== null;
    case ExtensionType.ApplicationLayerProtocolNegotiation: return ext.alpn !== null;
    case ExtensionType.KeyShare: return ext.keyShare !== null;
    case ExtensionType.SupportedVersions: return ext.supportedVersions !== null;
    case ExtensionType.SignatureAlgorithms: return ext.signatureAlgorithms !== null;
    case ExtensionType.SignatureAlgorithmsCert: return ext.signatureAlgorithmsCert !== null;
    case ExtensionType.Cookie: return ext.cookie !== null;
    case ExtensionType.PskKeyExchangeModes: return ext.pskKeyExchangeModes !== null;
    case ExtensionType.RecordSizeLimit: return ext.recordSizeLimit !== null;
    case ExtensionType.StatusRequest: return ext.statusRequest !== null;
    case ExtensionType.CompressCertificate: return ext.compressCertificate !== null;
    default: return false;
  }
}

function orderExtensions(ext: ClientHelloExtensions): void {
  // GREASE extensions (RFC 8701): the first goes first, any others after ours.
  let firstGrease = -1;
  for (const o of ext.others) {
    if (isGrease16(o.type)) {
      firstGrease = o.type;
      break;
    }
  }
  const order: number[] = [];
  if (firstGrease >= 0) order.push(firstGrease);
  for (const t of helloOrder) if (isSet(ext, t)) order.push(t);
  let seen = false;
  for (const o of ext.others) {
    if (!isGrease16(o.type)) continue;
    if (seen) order.push(o.type);
    seen = true;
  }
  if (ext.padding !== null) order.push(ExtensionType.Padding);
  ext.order = order;
}

/** RFC 7685 padding, as BoringSSL and NSS do: hellos of 256..511 bytes grow to 512 (F5 bug). */
const PAD_FROM = 256;
const PAD_TO = 512;

function sendHello(cx: HandshakeContext, hs: ClientHandshakeData): void {
  const ext = hs.hello.extensions;
  ext.padding = null;
  orderExtensions(ext);
  let w = new Writer(512);
  let { bindersOffset } = encodeClientHello(w, hs.hello);
  if (w.len >= PAD_FROM && w.len < PAD_TO) {
    const room = PAD_TO - w.len;
    // The extension header takes 4 of the missing bytes; the body is at least 1 byte.
    ext.padding = room >= 5 ? room - 4 : 1;
    orderExtensions(ext);
    w = new Writer(512);
    ({ bindersOffset } = encodeClientHello(w, hs.hello));
  }
  // The PSK binder (resumption.ts) only once, over the final (padded) hello.
  const bytes = fillBinder(hs, w.toBytes(), bindersOffset);
  hs.transcript.add(bytes);
  cx.sendHandshake(bytes);
  afterFirstHello(cx, hs, bytes); // 0-RTT keys and the early exporter (resumption.ts)
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Waiting for ServerHello or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4). */
export class ExpectServerHello implements HandshakeState {
  readonly name = 'ExpectServerHello';
  readonly established = false;
  readonly hs: ClientHandshakeData;
  constructor(hs: ClientHandshakeData) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const sh = expectMessage(m, HandshakeType.ServerHello, decodeServerHello);
    // No supported_versions: TLS 1.2 or older (RFC 8446 §4.2.1), handled in client/tls12.ts.
    if (sh.extensions.supportedVersions === null && !isHelloRetryRequest(sh)) return handleTls12ServerHello(cx, hs, sh, m.encoding);
    checkCommonServerHello(hs, sh);
    if (isHelloRetryRequest(sh)) return handleHelloRetryRequest(cx, hs, sh, m.encoding);

    // §4.1.3: a ServerHello after HRR must name the same suite.
    if (hs.retrySuite !== null && sh.cipherSuite !== hs.retrySuite) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ServerHello chose ${codePointName(CipherSuite, sh.cipherSuite)}, but the HelloRetryRequest chose ${codePointName(CipherSuite, hs.retrySuite)}`);
    }
    rejectUnexpectedServerHelloExtensions(hs, sh);
    const share = sh.extensions.keyShare;
    if (share === null) {
      throw new TlsProtocolError('ERR_TLS_PEER_MISSING_EXTENSION', 'ServerHello has no key_share: expected one for a group we offered (RFC 8446 §4.2.8)');
    }
    let kx: ActiveKeyExchange | undefined;
    for (const k of hs.keyShares) if (k.group === share.group) kx = kx ?? k;
    if (kx === undefined) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ServerHello key_share is for ${codePointName(NamedGroup, share.group)}, a group we sent no share for`);
    }
    const suite = hs.suite!;
    const shared = kx.complete(share.keyExchange);
    hs.group = null;
    for (const g of hs.config.groups) if (g.group === share.group && hs.group === null) hs.group = g;
    hs.keyShares = [];

    hs.transcript.add(m.encoding);
    const helloHash = hs.transcript.current();
    // §4.2.11: the server's selected_identity, or a full handshake (resumption.ts).
    const handshakeSecret = acceptServerPsk(cx, hs, sh, suite).intoHandshakeSecret(shared);
    const cHts = handshakeSecret.clientHandshakeTrafficSecret(helloHash);
    const sHts = handshakeSecret.serverHandshakeTrafficSecret(helloHash);
    hs.handshakeSecret = handshakeSecret;
    hs.clientHandshakeTrafficSecret = cHts;
    hs.serverHandshakeTrafficSecret = sHts;
    cx.keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', hs.random, cHts);
    cx.keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', hs.random, sHts);
    cx.setTls13ReadKeys(suite, sHts);
    // From here on everything we send (our Finished, or an alert) is under the handshake key;
    // the compatibility CCS goes first (D.4: before the second flight).
    if (hs.config.middleboxCompat) cx.sendCompatCcs();
    // §4.2.10: while 0-RTT may still be accepted our writes stay under the early key until
    // EncryptedExtensions (rejected) or EndOfEarlyData (accepted).
    if (hs.resumption === null || !hs.resumption.earlyDataOffered) cx.setTls13WriteKeys(suite, cHts);
    return new ExpectEncryptedExtensions(hs);
  }
}

/** Checks shared by ServerHello and HelloRetryRequest; fixes the suite and the transcript hash. */
function checkCommonServerHello(hs: ClientHandshakeData, sh: ServerHello): void {
  const version = sh.extensions.supportedVersions;
  if (version === null) {
    // A TLS 1.2 (or older) ServerHello. RFC 8446 §4.1.3: a TLS 1.3 client that sees the
    // downgrade sentinel must abort with illegal_parameter.
    const tail = sh.random.subarray(24);
    if (sameBytes(tail, DOWNGRADE_SENTINEL_TLS12) || sameBytes(tail, DOWNGRADE_SENTINEL_TLS11)) {
      throw new TlsProtocolError('ERR_TLS_PEER_DOWNGRADE', 'ServerHello.random carries the TLS 1.3 downgrade sentinel while negotiating an older version: a downgrade attack or a broken middlebox (RFC 8446 §4.1.3)');
    }
    throw new TlsProtocolError('ERR_TLS_PEER_NO_COMMON_VERSION', `server chose ${codePointName(ProtocolVersion, sh.legacyVersion)}; we offered only TLSv1_3`);
  }
  if (version !== ProtocolVersion.TLSv1_3) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `server selected version ${codePointName(ProtocolVersion, version)} in supported_versions; we offered only TLSv1_3 (RFC 8446 §4.2.1)`);
  }
  if (sh.legacyVersion !== ProtocolVersion.TLSv1_2) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ServerHello.legacy_version is 0x${sh.legacyVersion.toString(16)}: expected 0x0303 (RFC 8446 §4.1.3)`);
  }
  if (!sameBytes(sh.legacySessionIdEcho, hs.sessionId)) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'ServerHello.legacy_session_id_echo differs from the session id we sent (RFC 8446 §4.1.3)');
  }
  if (sh.legacyCompressionMethod !== 0) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `ServerHello.legacy_compression_method is ${sh.legacyCompressionMethod}: expected 0`);
  }
  let suite: Tls13CipherSuite | undefined;
  for (const s of hs.config.cipherSuites) if (suite === undefined && s.version === 'TLSv1.3' && s.suite === sh.cipherSuite) suite = s;
  if (suite === undefined) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `server chose cipher suite ${codePointName(CipherSuite, sh.cipherSuite)}, which we did not offer`);
  }
  if (hs.suite === null) {
    hs.suite = suite;
    hs.transcript.startHash(suite.hash);
  }
}

function rejectUnexpectedServerHelloExtensions(hs: ClientHandshakeData, sh: ServerHello): void {
  const e = sh.extensions;
  if (e.unknown.length > 0) {
    throw new TlsProtocolError('ERR_TLS_PEER_UNSOLICITED_EXTENSION', `ServerHello carries extension ${e.unknown[0]}, which we did not offer`);
  }
  if (e.cookie !== null && !isHelloRetryRequest(sh)) {
    throw new TlsProtocolError('ERR_TLS_PEER_UNSOLICITED_EXTENSION', 'ServerHello carries a cookie, which only a HelloRetryRequest may');
  }
  void hs;
}

/**
 * RFC 8446 §4.1.4: the server asks for another ClientHello with a share for `selected_group`
 * and/or a cookie. At most one per handshake.
 */
function handleHelloRetryRequest(cx: HandshakeContext, hs: ClientHandshakeData, hrr: ServerHello, encoding: Uint8Array): Step {
  if (hs.helloRetried) {
    throw new TlsProtocolError('ERR_TLS_PEER_SECOND_HRR', 'second HelloRetryRequest in one handshake: expected a ServerHello (RFC 8446 §4.1.4)');
  }
  const e = hrr.extensions;
  if (e.unknown.length > 0) {
    throw new TlsProtocolError('ERR_TLS_PEER_UNSOLICITED_EXTENSION', `HelloRetryRequest carries extension ${e.unknown[0]}, which we did not offer`);
  }
  const selected = e.selectedGroup;
  if (selected === null && e.cookie === null) {
    throw new TlsProtocolError('ERR_TLS_PEER_HRR_NO_CHANGE', 'HelloRetryRequest asks for nothing (no key_share, no cookie): it would not change the ClientHello (RFC 8446 §4.1.4)');
  }
  let group: KeyExchangeGroup | null = null;
  if (selected !== null) {
    group = hs.config.groups.find((g) => g.group === selected) ?? null;
    if (group === null) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `HelloRetryRequest selected ${codePointName(NamedGroup, selected)}, which is not in our supported_groups (RFC 8446 §4.2.8)`);
    }
    const hello = hs.hello.extensions.keyShare ?? [];
    if (hello.some((s) => s.group === selected)) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `HelloRetryRequest selected ${codePointName(NamedGroup, selected)}, for which we already sent a key share (RFC 8446 §4.2.8)`);
    }
  }
  hs.helloRetried = true;
  hs.retrySuite = hrr.cipherSuite;
  // §4.4.1: ClientHello1 becomes message_hash; then the HRR goes in.
  hs.transcript.replaceWithMessageHash();
  hs.transcript.add(encoding);

  // §4.1.2: ClientHello2 is ClientHello1 with the key_share replaced, the cookie added, and
  // early_data removed. The GREASE share goes too: only the selected group is sent.
  const ext = { ...hs.hello.extensions, others: hs.hello.extensions.others.slice() };
  if (group !== null) {
    const kx = group.start();
    hs.keyShares = [kx];
    ext.keyShare = [{ group: group.group, keyExchange: kx.publicShare }];
  }
  ext.cookie = e.cookie === null ? null : e.cookie.slice();
  ext.earlyData = false;
  hs.hello = { ...hs.hello, extensions: ext };
  retrySession(cx, hs, hrr.cipherSuite); // §4.1.2: fresh age and binder, or no PSK
  // RFC 8446 D.4: the client sends its compatibility CCS before its second flight.
  if (hs.config.middleboxCompat) cx.sendCompatCcs();
  sendHello(cx, hs);
  return new ExpectServerHello(hs);
}
