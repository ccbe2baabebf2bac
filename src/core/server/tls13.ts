/**
 * The TLS 1.3 server after choosing its parameters: ServerHello and the encrypted flight
 * (RFC 8446 §4.1.3, §4.3, §4.4), then the client's authentication and Finished.
 */
import { type Certificate, decodeCertificate, encodeCertificateRequest, emptyCertificateRequestExtensions } from '../codec/certificate.ts';
import { encodeCertificateVerify } from '../codec/certificate-verify.ts';
import { ExtensionType, HandshakeType, ProtocolVersion } from '../codec/codepoints.ts';
import { type EncryptedExtensionsExtensions, emptyEncryptedExtensionsExtensions, encodeEncryptedExtensions } from '../codec/encrypted-extensions.ts';
import { encodeFinished } from '../codec/finished.ts';
import { expectMessage, type HandshakeMessage } from '../codec/handshake.ts';
import { emptyServerHelloExtensions, encodeServerHello } from '../codec/server-hello.ts';
import { EarlySecret, finishedVerifyData } from '../crypto/key-schedule.ts';
import { TlsProtocolError } from '../errors.ts';
import type { HandshakeContext } from '../conn/context.ts';
import { type HandshakeState, type Step, withResult } from '../conn/state.ts';
import { Tls13Traffic } from '../conn/tls13-traffic.ts';
import { certificateVerifyContent, checkPeerCertificateVerify, checkPeerFinished13, encodeMessage, isTls13HandshakeScheme, rejectUnsolicited } from '../conn/tls13-shared.ts';
import { fromUtf8 } from '../util.ts';
import { chooseCompressor, decompressPeerCertificate, encodeOwnCertificate } from '../compression.ts';
import type { ServerHandshakeData } from './handshake-data.ts';
import { sendTickets, ticketsWanted } from './resumption.ts';

const eeOrder: readonly number[] = [ExtensionType.SupportedGroups, ExtensionType.RecordSizeLimit, ExtensionType.ApplicationLayerProtocolNegotiation, ExtensionType.ServerName, ExtensionType.EarlyData];

function eeHas(e: EncryptedExtensionsExtensions, type: number): boolean {
  switch (type) {
    case ExtensionType.SupportedGroups: return e.supportedGroups !== null;
    case ExtensionType.RecordSizeLimit: return e.recordSizeLimit !== null;
    case ExtensionType.ApplicationLayerProtocolNegotiation: return e.alpn !== null;
    case ExtensionType.ServerName: return e.serverName;
    case ExtensionType.EarlyData: return e.earlyData;
    default: return false;
  }
}

/**
 * Sends ServerHello, then (under handshake keys) EncryptedExtensions, [CertificateRequest],
 * Certificate, CertificateVerify and Finished; switches to application keys for sending.
 */
export function sendServerFlight(cx: HandshakeContext, hs: ServerHandshakeData, clientShare: Uint8Array): Step {
  const suite = hs.suite!;
  const group = hs.group!;
  const kx = group.startAndComplete(clientShare);

  const shExt = emptyServerHelloExtensions();
  shExt.supportedVersions = ProtocolVersion.TLSv1_3;
  shExt.keyShare = { group: group.group, keyExchange: kx.publicShare };
  // NSS's order (key_share first), so RFC 8448's ServerHello comes out byte for byte.
  shExt.order = [ExtensionType.KeyShare, ExtensionType.SupportedVersions];
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
  // D.4: compatibility CCS after ServerHello when the client sent a session id.
  if (hs.sessionIdEcho.length > 0) cx.sendCompatCcs();

  const helloHash = hs.transcript.current();
  const handshakeSecret = new EarlySecret(suite.hash, null).intoHandshakeSecret(kx.sharedSecret);
  const cHts = handshakeSecret.clientHandshakeTrafficSecret(helloHash);
  const sHts = handshakeSecret.serverHandshakeTrafficSecret(helloHash);
  hs.handshakeSecret = handshakeSecret;
  hs.clientHandshakeTrafficSecret = cHts;
  hs.serverHandshakeTrafficSecret = sHts;
  cx.keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', hs.clientRandom, cHts);
  cx.keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', hs.clientRandom, sHts);
  cx.setTls13WriteKeys(suite, sHts);
  cx.setTls13ReadKeys(suite, cHts);
  sendEncryptedExtensions(cx, hs, false);

  const verifier = hs.config.clientVerifier;
  if (verifier !== null && verifier.offerClientAuth()) {
    const crExt = emptyCertificateRequestExtensions();
    crExt.signatureAlgorithms = verifier.supportedSchemes().filter(isTls13HandshakeScheme);
    const hints = verifier.rootHintSubjects();
    if (hints.length > 0) crExt.certificateAuthorities = hints.slice();
    // RFC 8879 §3: the algorithms we can decompress the client's certificate with.
    if (hs.config.certificateCompression.length > 0) crExt.compressCertificate = hs.config.certificateCompression.map((c) => c.algorithm);
    const crBytes = encodeMessage(encodeCertificateRequest, { certificateRequestContext: new Uint8Array(0), extensions: crExt });
    hs.transcript.add(crBytes);
    cx.sendHandshake(crBytes);
    hs.requestedClientCert = true;
  }

  const ck = hs.certifiedKey!;
  // RFC 8446 §4.4.2.1: staple the OCSP response in the end-entity's CertificateEntry, only
  // when the ClientHello had status_request.
  const ocsp = ck.ocspResponse ?? null;
  const staple = hs.clientRequestedOcsp && ocsp instanceof Uint8Array && ocsp.length > 0 && ocsp.length <= 0xffffff;
  if (staple) hs.stapledOcsp = ocsp;
  // RFC 8879 §3-4: a CompressedCertificate with our first algorithm the client offered. The
  // message (plain or compressed) is built once per CertifiedKey, algorithm and stapled
  // response, and cached (compression.ts): nothing in it is per connection.
  const encoded = encodeOwnCertificate(ck.chain, staple ? ocsp : null, chooseCompressor(hs.config.certificateCompression, hs.clientCompressAlgorithms), ck);
  const certBytes = encoded.bytes;
  hs.certificateCompression = encoded.info;
  hs.transcript.add(certBytes);
  cx.sendHandshake(certBytes);

  const scheme = hs.signatureScheme!;
  const content = certificateVerifyContent('server', hs.transcript.current());
  return withResult(cx, ck.key.sign(scheme, content), (cx2, signature) => {
    const cvBytes = encodeMessage(encodeCertificateVerify, { algorithm: scheme, signature });
    hs.transcript.add(cvBytes);
    cx2.sendHandshake(cvBytes);

    sendServerFinished(cx2, hs);
    return hs.requestedClientCert ? new ExpectClientCertificate(hs) : new ExpectClientFinished(hs);
  });
}

/**
 * EncryptedExtensions (RFC 8446 §4.3.1), for the full and the resumed flight: applies the
 * client's record_size_limit and answers what the ClientHello asked for.
 */
export function sendEncryptedExtensions(cx: HandshakeContext, hs: ServerHandshakeData, earlyDataAccepted: boolean): void {
  // RFC 8449 §4: the client's limit bounds every record we protect.
  const clientLimit = hs.clientRecordSizeLimit;
  if (clientLimit !== null) cx.setPeerRecordSizeLimit(clientLimit);
  const eeExt = emptyEncryptedExtensionsExtensions();
  // RFC 8446 §4.2.7: our groups in preference order, "for the client to use in later connections".
  if (hs.config.sendSupportedGroups) eeExt.supportedGroups = hs.config.groups.map((g) => g.group);
  // RFC 8449 §4: we advertise ours only in answer to the client's.
  if (clientLimit !== null && hs.config.recordSizeLimit !== null) eeExt.recordSizeLimit = hs.config.recordSizeLimit;
  if (hs.alpn !== null) eeExt.alpn = hs.alpn;
  // RFC 6066 §3: an empty server_name tells the client we used its SNI.
  if (hs.sni !== null) eeExt.serverName = true;
  // RFC 8446 §4.2.10: an empty early_data accepts the client's 0-RTT data.
  eeExt.earlyData = earlyDataAccepted;
  // NSS's order (server_name last), so RFC 8448's EncryptedExtensions come out byte for byte.
  const order: number[] = [];
  for (const t of eeOrder) if (eeHas(eeExt, t)) order.push(t);
  eeExt.order = order;
  const eeBytes = encodeMessage(encodeEncryptedExtensions, { extensions: eeExt });
  hs.transcript.add(eeBytes);
  cx.sendHandshake(eeBytes);
}

/**
 * Our Finished (RFC 8446 §4.4.4), then the application secrets (§7.1); the write key switches at
 * once: the server may send data right after its Finished (0.5-RTT).
 */
export function sendServerFinished(cx: HandshakeContext, hs: ServerHandshakeData): void {
  const suite = hs.suite!;
  const verifyData = finishedVerifyData(suite.hash, hs.serverHandshakeTrafficSecret!, hs.transcript.current());
  const finBytes = encodeMessage(encodeFinished, { verifyData });
  hs.transcript.add(finBytes);
  cx.noteFinished('local', verifyData);
  cx.sendHandshake(finBytes);

  const serverFinishedHash = hs.transcript.current();
  const master = hs.handshakeSecret!.intoMasterSecret();
  hs.handshakeSecret = null;
  hs.master = master;
  const cAts = master.clientApplicationTrafficSecret(serverFinishedHash);
  const sAts = master.serverApplicationTrafficSecret(serverFinishedHash);
  hs.clientApplicationTrafficSecret = cAts;
  hs.exporterSecret = master.exporterMasterSecret(serverFinishedHash);
  cx.keyLog('CLIENT_TRAFFIC_SECRET_0', hs.clientRandom, cAts);
  cx.keyLog('SERVER_TRAFFIC_SECRET_0', hs.clientRandom, sAts);
  cx.keyLog('EXPORTER_SECRET', hs.clientRandom, hs.exporterSecret);
  cx.setTls13WriteKeys(suite, sAts);
}

/** Waiting for the client's Certificate (RFC 8446 §4.4.2; may be empty). */
export class ExpectClientCertificate implements HandshakeState {
  readonly name = 'ExpectClientCertificate';
  readonly established = false;
  readonly hs: ServerHandshakeData;
  constructor(hs: ServerHandshakeData) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const verifier = hs.config.clientVerifier!;
    let cert: Certificate;
    // RFC 8879 §4: CompressedCertificate only when our CertificateRequest offered compression.
    if (m.type === HandshakeType.CompressedCertificate && hs.config.certificateCompression.length > 0) {
      const d = decompressPeerCertificate(m.body, hs.config.certificateCompression, hs.config.maxDecompressedCertificateSize, 'client');
      cert = d.certificate;
      hs.clientCertificateCompression = d.info;
    } else {
      cert = expectMessage(m, HandshakeType.Certificate, decodeCertificate);
    }
    hs.transcript.add(m.encoding);
    if (cert.certificateRequestContext.length !== 0) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'client Certificate has a certificate_request_context we did not send (RFC 8446 §4.4.2)');
    }
    for (const entry of cert.certificateList) {
      const ext = entry.extensions;
      rejectUnsolicited(new Set(), [...ext.unknown, ...(ext.statusRequest !== null ? [5] : []), ...(ext.signedCertificateTimestamp !== null ? [18] : [])], 'client CertificateEntry');
    }
    if (cert.certificateList.length === 0) {
      // §4.4.2.4: no certificate; certificate_required when authentication is mandatory.
      if (verifier.clientAuthMandatory()) {
        throw new TlsProtocolError('ERR_TLS_PEER_CERTIFICATE_REQUIRED', 'client sent no certificate, and this server requires one');
      }
      return new ExpectClientFinished(hs);
    }
    hs.peerCertificates = cert.certificateList.map((e) => e.certData.slice());
    const result = verifier.verifyClientCertificate({
      endEntity: hs.peerCertificates[0]!,
      intermediates: hs.peerCertificates.slice(1),
      now: cx.now(),
    });
    return withResult(cx, result, () => new ExpectClientCertificateVerify(hs));
  }
}

/** Waiting for the client's CertificateVerify (RFC 8446 §4.4.3). */
export class ExpectClientCertificateVerify implements HandshakeState {
  readonly name = 'ExpectClientCertificateVerify';
  readonly established = false;
  readonly hs: ServerHandshakeData;
  constructor(hs: ServerHandshakeData) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const verifier = hs.config.clientVerifier!;
    const result = checkPeerCertificateVerify(m, 'client', hs, verifier.supportedSchemes(), 'our CertificateRequest', verifier);
    return withResult(cx, result, () => new ExpectClientFinished(hs));
  }
}

/** Waiting for the client's Finished (RFC 8446 §4.4.4). */
export class ExpectClientFinished implements HandshakeState {
  readonly name = 'ExpectClientFinished';
  readonly established = false;
  readonly hs: ServerHandshakeData;
  constructor(hs: ServerHandshakeData) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const suite = hs.suite!;
    checkPeerFinished13(cx, m, suite.hash, hs.clientHandshakeTrafficSecret!, hs.transcript, 'client');
    // resumption_master_secret only feeds tickets (RFC 8446 §4.6.1): skip it when none are sent.
    const resumptionSecret = ticketsWanted(hs) ? hs.master!.resumptionMasterSecret(hs.transcript.current()) : new Uint8Array(0);
    hs.master!.wipe();
    cx.allowCompatCcs(false);
    cx.setTls13ReadKeys(suite, hs.clientApplicationTrafficSecret!);
    cx.handshakeComplete({
      protocolVersion: 'TLSv1.3',
      cipherSuite: suite.name,
      cipherSuiteId: suite.suite,
      group: hs.group?.name ?? null,
      groupId: hs.group?.group ?? null,
      alpn: hs.alpn === null ? null : fromUtf8(hs.alpn),
      serverName: hs.sni,
      peerCertificates: hs.peerCertificates,
      peerSignatureScheme: hs.peerSignatureScheme,
      resumed: hs.resumption !== null,
      earlyDataAccepted: hs.resumption?.earlyDataAccepted ?? false,
      helloRetried: hs.helloRetried,
      certificateCompression: hs.certificateCompression,
      clientCertificateCompression: hs.clientCertificateCompression,
      ocspResponse: hs.stapledOcsp,
    });
    // RFC 8446 §4.6.1: tickets for later resumption (resumption.ts; none unless configured).
    return sendTickets(cx, hs, resumptionSecret, new Tls13Traffic('server', suite, hs.exporterSecret!, resumptionSecret, hs.clientApplicationTrafficSecret!));
  }
}
