/**
 * The TLS 1.3 client after ServerHello: EncryptedExtensions, the server's authentication
 * messages, Finished, and our final flight (RFC 8446 §4.3–§4.4).
 */
import { type Certificate, decodeCertificate, decodeCertificateRequest } from '../codec/certificate.ts';
import { encodeCertificateVerify } from '../codec/certificate-verify.ts';
import { ExtensionType, HandshakeType } from '../codec/codepoints.ts';
import { decodeEncryptedExtensions } from '../codec/encrypted-extensions.ts';
import { encodeFinished } from '../codec/finished.ts';
import { expectMessage, type HandshakeMessage } from '../codec/handshake.ts';
import { finishedVerifyData } from '../crypto/key-schedule.ts';
import { TlsProtocolError } from '../errors.ts';
import type { HandshakeContext } from '../conn/context.ts';
import { type HandshakeState, type Step, withResult } from '../conn/state.ts';
import { Tls13Traffic } from '../conn/tls13-traffic.ts';
import { alwaysAllowedInEncryptedExtensions, certificateVerifyContent, checkPeerCertificateVerify, checkPeerFinished13, encodeMessage, isTls13HandshakeScheme, rejectUnsolicited } from '../conn/tls13-shared.ts';
import { fromUtf8 } from '../util.ts';
import { chooseCompressor, decompressPeerCertificate, encodeOwnCertificate } from '../compression.ts';
import type { CertifiedKey } from './config.ts';
import type { ClientHandshakeData } from './handshake-data.ts';
import { sendEndOfEarlyData, settleEarlyData, ticketSink } from './resumption.ts';

function latin1(b: Uint8Array): string {
  return fromUtf8(b) ?? Array.from(b, (c) => String.fromCharCode(c)).join('');
}

/** Waiting for EncryptedExtensions, the first message under handshake keys (RFC 8446 §4.3.1). */
export class ExpectEncryptedExtensions implements HandshakeState {
  readonly name = 'ExpectEncryptedExtensions';
  readonly established = false;
  readonly hs: ClientHandshakeData;
  constructor(hs: ClientHandshakeData) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const ee = expectMessage(m, HandshakeType.EncryptedExtensions, decodeEncryptedExtensions);
    hs.transcript.add(m.encoding);
    const e = ee.extensions;
    const allowed = new Set<number>([...hs.offeredExtensions, ...alwaysAllowedInEncryptedExtensions]);
    if (hs.sni === null) allowed.delete(ExtensionType.ServerName);
    rejectUnsolicited(allowed, e.order, 'EncryptedExtensions');
    if (e.unknown.length > 0) rejectUnsolicited(new Set(), e.unknown, 'EncryptedExtensions');
    // RFC 8449 §4: the server's limit (>= 64, checked by the codec) bounds what we send from
    // now on; the codec's allow-list above only lets it in when we offered ours.
    if (e.recordSizeLimit !== null) cx.setPeerRecordSizeLimit(e.recordSizeLimit);
    if (e.alpn !== null) {
      // RFC 7301 §3.1: the server's choice must be one we offered.
      const chosen = e.alpn;
      if (!hs.config.alpnProtocols.some((p) => p.length === chosen.length && p.every((v, i) => v === chosen[i]))) {
        throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `server selected ALPN protocol ${JSON.stringify(latin1(chosen))}, which we did not offer`);
      }
      hs.alpn = latin1(chosen);
    }
    // RFC 8446 §4.2.10: the server's answer to our early_data (resumption.ts).
    settleEarlyData(cx, hs, e.earlyData);
    // §2.2: a PSK handshake has no Certificate/CertificateVerify (nor CertificateRequest, §4.3.2).
    if (hs.resumed) return new ExpectFinished(hs);
    return new ExpectCertificateOrCertificateRequest(hs);
  }
}

/** Waiting for CertificateRequest or Certificate (RFC 8446 §4.3.2, §4.4.2). */
export class ExpectCertificateOrCertificateRequest implements HandshakeState {
  readonly name = 'ExpectCertificateOrCertificateRequest';
  readonly established = false;
  readonly hs: ClientHandshakeData;
  constructor(hs: ClientHandshakeData) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    if (m.type === HandshakeType.CertificateRequest) {
      const cr = decodeCertificateRequest(m.body);
      // §4.3.2: context is empty during the handshake; signature_algorithms is required.
      if (cr.certificateRequestContext.length !== 0) {
        throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'CertificateRequest in the handshake has a non-empty certificate_request_context (RFC 8446 §4.3.2)');
      }
      if (cr.extensions.signatureAlgorithms === null) {
        throw new TlsProtocolError('ERR_TLS_PEER_MISSING_EXTENSION', 'CertificateRequest has no signature_algorithms (RFC 8446 §4.3.2)');
      }
      this.hs.transcript.add(m.encoding);
      this.hs.certificateRequest = cr;
      return new ExpectCertificate(this.hs);
    }
    return new ExpectCertificate(this.hs).handle(cx, m);
  }
}

/** Waiting for the server's Certificate (RFC 8446 §4.4.2). */
export class ExpectCertificate implements HandshakeState {
  readonly name = 'ExpectCertificate';
  readonly established = false;
  readonly hs: ClientHandshakeData;
  constructor(hs: ClientHandshakeData) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    let cert: Certificate;
    // RFC 8879 §4: a CompressedCertificate replaces Certificate only when we offered
    // compress_certificate; otherwise expectMessage reports unexpected_message.
    if (m.type === HandshakeType.CompressedCertificate && hs.config.certificateCompression.length > 0) {
      const d = decompressPeerCertificate(m.body, hs.config.certificateCompression, hs.config.maxDecompressedCertificateSize, 'server');
      cert = d.certificate;
      hs.certificateCompression = d.info;
    } else {
      cert = expectMessage(m, HandshakeType.Certificate, decodeCertificate);
    }
    hs.transcript.add(m.encoding);
    if (cert.certificateRequestContext.length !== 0) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', 'server Certificate has a non-empty certificate_request_context (RFC 8446 §4.4.2)');
    }
    // §4.4.2.4: "If the server supplies an empty Certificate message, the client MUST abort the
    // handshake with a decode_error alert."
    if (cert.certificateList.length === 0) {
      throw new TlsProtocolError('ERR_TLS_PEER_EMPTY_CERTIFICATE', 'server sent an empty Certificate message: expected its certificate chain');
    }
    for (const entry of cert.certificateList) {
      const ext = entry.extensions;
      if (ext.unknown.length > 0) rejectUnsolicited(new Set(), ext.unknown, 'CertificateEntry');
      if (ext.signedCertificateTimestamp !== null) {
        throw new TlsProtocolError('ERR_TLS_PEER_UNSOLICITED_EXTENSION', 'CertificateEntry carries signed_certificate_timestamp, which we did not request');
      }
      // RFC 8446 §4.4.2.1: an OCSP response only in answer to our status_request.
      if (ext.statusRequest !== null && !hs.config.requestOcsp) {
        throw new TlsProtocolError('ERR_TLS_PEER_UNSOLICITED_EXTENSION', 'CertificateEntry carries status_request (an OCSP response), which we did not request');
      }
    }
    // The message buffer is reused after this call: keep copies.
    hs.peerCertificates = cert.certificateList.map((e) => e.certData.slice());
    // The end-entity's response is the one that matters; any on intermediates are ignored.
    const stapled = cert.certificateList[0]!.extensions.statusRequest;
    hs.ocspResponse = stapled === null ? null : stapled.slice();
    const verifier = hs.config.verifier;
    const result = verifier.verifyServerCertificate({
      endEntity: hs.peerCertificates[0]!,
      intermediates: hs.peerCertificates.slice(1),
      serverName: hs.serverName,
      ocspResponse: hs.ocspResponse,
      now: cx.now(),
    });
    return withResult(cx, result, () => new ExpectCertificateVerify(hs));
  }
}

/** Waiting for the server's CertificateVerify (RFC 8446 §4.4.3). */
export class ExpectCertificateVerify implements HandshakeState {
  readonly name = 'ExpectCertificateVerify';
  readonly established = false;
  readonly hs: ClientHandshakeData;
  constructor(hs: ClientHandshakeData) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const result = checkPeerCertificateVerify(m, 'server', hs, hs.hello.extensions.signatureAlgorithms ?? [], 'our signature_algorithms', hs.config.verifier);
    return withResult(cx, result, () => new ExpectFinished(hs));
  }
}

/** Waiting for the server's Finished (RFC 8446 §4.4.4), then sending our final flight. */
export class ExpectFinished implements HandshakeState {
  readonly name = 'ExpectFinished';
  readonly established = false;
  readonly hs: ClientHandshakeData;
  constructor(hs: ClientHandshakeData) {
    this.hs = hs;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const hs = this.hs;
    const suite = hs.suite!;
    const hash = suite.hash;
    checkPeerFinished13(cx, m, hash, hs.serverHandshakeTrafficSecret!, hs.transcript, 'server');
    const serverFinishedHash = hs.transcript.current();
    const master = hs.handshakeSecret!.intoMasterSecret();
    hs.handshakeSecret = null;
    hs.master = master;
    const cAts = master.clientApplicationTrafficSecret(serverFinishedHash);
    const sAts = master.serverApplicationTrafficSecret(serverFinishedHash);
    const exporter = master.exporterMasterSecret(serverFinishedHash);
    cx.keyLog('CLIENT_TRAFFIC_SECRET_0', hs.random, cAts);
    cx.keyLog('SERVER_TRAFFIC_SECRET_0', hs.random, sAts);
    cx.keyLog('EXPORTER_SECRET', hs.random, exporter);
    cx.setTls13ReadKeys(suite, sAts);

    // Our flight, under the handshake key set at ServerHello: [Certificate, CertificateVerify], Finished.
    cx.allowCompatCcs(false);
    sendEndOfEarlyData(cx, hs); // §4.5, when 0-RTT was accepted
    if (hs.certificateRequest !== null) return sendClientAuth(cx, hs, cAts, sAts, exporter);
    return finishClient(cx, hs, cAts, sAts, exporter);
  }
}

/**
 * §4.4.2: answer a CertificateRequest with our certificate, or an empty one. The certificate
 * comes from `resolveClientCertificate` (may be async) or the fixed `clientCertificate`.
 */
function sendClientAuth(cx: HandshakeContext, hs: ClientHandshakeData, cAts: Uint8Array, sAts: Uint8Array, exporter: Uint8Array): Step {
  const cr = hs.certificateRequest!;
  // §4.2.3: rsa_pkcs1_* and other TLS 1.2-only schemes are never used for TLS 1.3 signatures.
  const offered = (cr.extensions.signatureAlgorithms ?? []).filter(isTls13HandshakeScheme);
  const resolve = hs.config.resolveClientCertificate;
  if (resolve === null) return sendClientCertificate(cx, hs, hs.config.clientCertificate, offered, cAts, sAts, exporter);
  // Copies: the message buffer is reused, and an async resolver reads them later.
  const result = resolve({ acceptableIssuers: (cr.extensions.certificateAuthorities ?? []).map((n) => n.slice()), signatureSchemes: offered });
  return withResult(cx, result, (cx2, cc) => sendClientCertificate(cx2, hs, cc ?? null, offered, cAts, sAts, exporter));
}

function sendClientCertificate(cx: HandshakeContext, hs: ClientHandshakeData, cc: CertifiedKey | null, offered: readonly number[], cAts: Uint8Array, sAts: Uint8Array, exporter: Uint8Array): Step {
  // A key that can make none of the offered schemes is not sent: an empty Certificate lets the
  // server choose between an anonymous client and certificate_required (§4.4.2.4).
  const usable = cc !== null && Array.isArray(cc.chain) && cc.chain.length > 0;
  const scheme = usable ? cc.key.chooseScheme(offered) : null;
  const chain = usable && scheme !== null ? cc.chain : [];
  // RFC 8879 §3: compress when the CertificateRequest offered an algorithm we have; an empty
  // Certificate gains nothing from it.
  const compressor = chain.length > 0 ? chooseCompressor(hs.config.certificateCompression, hs.certificateRequest!.extensions.compressCertificate) : null;
  const encoded = encodeOwnCertificate(chain, null, compressor, chain.length > 0 ? cc : null);
  const certBytes = encoded.bytes;
  hs.clientCertificateCompression = encoded.info;
  hs.transcript.add(certBytes);
  cx.sendHandshake(certBytes);
  if (cc === null || scheme === null) return finishClient(cx, hs, cAts, sAts, exporter);
  const content = certificateVerifyContent('client', hs.transcript.current());
  return withResult(cx, cc.key.sign(scheme, content), (cx2, signature) => {
    const cvBytes = encodeMessage(encodeCertificateVerify, { algorithm: scheme, signature });
    hs.transcript.add(cvBytes);
    cx2.sendHandshake(cvBytes);
    return finishClient(cx2, hs, cAts, sAts, exporter);
  });
}

function finishClient(cx: HandshakeContext, hs: ClientHandshakeData, cAts: Uint8Array, sAts: Uint8Array, exporter: Uint8Array): Step {
  const suite = hs.suite!;
  const verifyData = finishedVerifyData(suite.hash, hs.clientHandshakeTrafficSecret!, hs.transcript.current());
  const finBytes = encodeMessage(encodeFinished, { verifyData });
  hs.transcript.add(finBytes);
  cx.noteFinished('local', verifyData);
  cx.sendHandshake(finBytes);
  cx.setTls13WriteKeys(suite, cAts);
  // resumption_master_secret only feeds stored tickets (RFC 8446 §4.6.1): none without a store.
  const resumptionSecret = hs.config.sessionStore !== null ? hs.master!.resumptionMasterSecret(hs.transcript.current()) : new Uint8Array(0);
  hs.master!.wipe();
  hs.clientHandshakeTrafficSecret = null;
  hs.serverHandshakeTrafficSecret = null;
  cx.handshakeComplete({
    protocolVersion: 'TLSv1.3',
    cipherSuite: suite.name,
    cipherSuiteId: suite.suite,
    group: hs.group?.name ?? null,
    groupId: hs.group?.group ?? null,
    alpn: hs.alpn,
    serverName: hs.sni,
    peerCertificates: hs.peerCertificates,
    peerSignatureScheme: hs.peerSignatureScheme,
    resumed: hs.resumed,
    earlyDataAccepted: hs.resumption?.earlyDataAccepted ?? false,
    helloRetried: hs.helloRetried,
    certificateCompression: hs.certificateCompression,
    clientCertificateCompression: hs.clientCertificateCompression,
    ocspResponse: hs.ocspResponse,
  });
  return new Tls13Traffic('client', suite, exporter, resumptionSecret, sAts, ticketSink(hs, hs.sessionKey));
}
