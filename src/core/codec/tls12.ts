/**
 * TLS 1.2-only handshake messages: ECDHE ServerKeyExchange and ClientKeyExchange (RFC 8422
 * §5.4, §5.7), ServerHelloDone (RFC 5246 §7.4.5), CertificateRequest (§7.4.4), Certificate
 * (§7.4.2, no per-entry extensions), the RFC 6066 §8 CertificateStatus and the RFC 5077 §3.3
 * NewSessionTicket. CertificateVerify
 * and Finished share the TLS 1.3 codecs (certificate-verify.ts, finished.ts with 12 bytes).
 */
import { TlsDecodeError } from '../errors.ts';
import { CertificateStatusType, HandshakeType } from './codepoints.ts';
import { readU16List, writeCertificateAuthorities, writeU16List, writeU8List } from './extensions.ts';
import { endHandshake, startHandshake } from './handshake.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** RFC 8422 §5.4 ECCurveType: only named_curve is allowed (explicit curves are deprecated). */
export const EcCurveType = { NamedCurve: 3 } as const;

/** RFC 8422 §5.4 ServerKeyExchange for ECDHE_ECDSA / ECDHE_RSA. */
export interface ServerKeyExchangeEcdhe {
  /** NamedCurve (= NamedGroup). */
  namedGroup: number;
  /** ECPoint.point<1..2^8-1>: the server's ephemeral public key. */
  publicKey: Uint8Array;
  /** SignatureAndHashAlgorithm (= SignatureScheme). */
  signatureScheme: number;
  /** signature<0..2^16-1>. */
  signature: Uint8Array;
}

/**
 * Decodes an ECDHE ServerKeyExchange body. The result aliases `body`. The signed bytes
 * (client_random + server_random + ServerECDHParams) are built with `writeServerEcdhParams`.
 * @throws ERR_TLS_DECODE_* (decode_error); ERR_TLS_DECODE_ILLEGAL_VALUE (illegal_parameter)
 *   for a curve_type other than named_curve (RFC 8422 §5.4).
 */
export function decodeServerKeyExchangeEcdhe(body: Uint8Array): ServerKeyExchangeEcdhe {
  const r = new Reader(body);
  const curveType = r.u8('ECParameters.curve_type');
  if (curveType !== EcCurveType.NamedCurve) {
    throw new TlsDecodeError('ERR_TLS_DECODE_ILLEGAL_VALUE', `ServerKeyExchange: curve_type ${curveType}, expected named_curve (3)`);
  }
  const namedGroup = r.u16('ECParameters.namedcurve');
  const publicKey = r.opaque8('ECPoint.point', 1, 0xff);
  const signatureScheme = r.u16('DigitallySigned.algorithm');
  const signature = r.opaque16('DigitallySigned.signature', 0, 0xffff);
  r.finish('ServerKeyExchange');
  return { namedGroup, publicKey, signatureScheme, signature };
}

/** Writes ServerECDHParams (RFC 8422 §5.4), the part of ServerKeyExchange that is signed. */
export function writeServerEcdhParams(w: Writer, namedGroup: number, publicKey: Uint8Array): void {
  w.u8(EcCurveType.NamedCurve).u16(namedGroup).opaque8(publicKey);
}

/** Encodes a complete ECDHE ServerKeyExchange (header included). */
export function encodeServerKeyExchangeEcdhe(w: Writer, ske: ServerKeyExchangeEcdhe): void {
  const m = startHandshake(w, HandshakeType.ServerKeyExchange);
  writeServerEcdhParams(w, ske.namedGroup, ske.publicKey);
  w.u16(ske.signatureScheme).opaque16(ske.signature);
  endHandshake(w, m);
}

/** RFC 8422 §5.7 ClientKeyExchange (ECDHE): ClientECDiffieHellmanPublic. */
export interface ClientKeyExchangeEcdhe {
  /** ecdh_Yc<1..2^8-1>. */
  publicKey: Uint8Array;
}

/**
 * Decodes an ECDHE ClientKeyExchange body. The result aliases `body`.
 * @throws ERR_TLS_DECODE_* (decode_error).
 */
export function decodeClientKeyExchangeEcdhe(body: Uint8Array): ClientKeyExchangeEcdhe {
  const r = new Reader(body);
  const publicKey = r.opaque8('ClientECDiffieHellmanPublic.ecdh_Yc', 1, 0xff);
  r.finish('ClientKeyExchange');
  return { publicKey };
}

/** Encodes a complete ECDHE ClientKeyExchange (header included). */
export function encodeClientKeyExchangeEcdhe(w: Writer, cke: ClientKeyExchangeEcdhe): void {
  const m = startHandshake(w, HandshakeType.ClientKeyExchange);
  w.opaque8(cke.publicKey);
  endHandshake(w, m);
}

/** RFC 5246 §7.4.5 ServerHelloDone: `struct { } ServerHelloDone;`. */
export type ServerHelloDone = Record<string, never>;

/**
 * Decodes a ServerHelloDone body, which must be empty.
 * @throws ERR_TLS_DECODE_TRAILING_DATA (decode_error).
 */
export function decodeServerHelloDone(body: Uint8Array): ServerHelloDone {
  new Reader(body).finish('ServerHelloDone');
  return {};
}

/** Encodes a complete ServerHelloDone (`0e 00 00 00`). */
export function encodeServerHelloDone(w: Writer, _m: ServerHelloDone = {}): void {
  endHandshake(w, startHandshake(w, HandshakeType.ServerHelloDone));
}

/** RFC 5246 §7.4.4 CertificateRequest (TLS 1.2). */
export interface CertificateRequest12 {
  /** ClientCertificateType certificate_types<1..2^8-1>. */
  certificateTypes: number[];
  /** supported_signature_algorithms<2..2^16-2>. */
  signatureAlgorithms: number[];
  /** DistinguishedName certificate_authorities<0..2^16-1>. */
  certificateAuthorities: Uint8Array[];
}

/**
 * Decodes a TLS 1.2 CertificateRequest body. The result aliases `body`.
 * @throws ERR_TLS_DECODE_* (decode_error).
 */
export function decodeCertificateRequest12(body: Uint8Array): CertificateRequest12 {
  const r = new Reader(body);
  const certificateTypes = Array.from(r.opaque8('certificate_types', 1, 0xff));
  const signatureAlgorithms = readU16List(r, 'supported_signature_algorithms', 2, 0xfffe);
  // RFC 5246 declares certificate_authorities<0..2^16-1> (TLS 1.3's extension says <3..>).
  const certificateAuthorities: Uint8Array[] = [];
  const cas = r.vec16('certificate_authorities', 0, 0xffff);
  while (cas.remaining() > 0) certificateAuthorities.push(cas.opaque16('DistinguishedName', 1, 0xffff));
  cas.finish('certificate_authorities');
  r.finish('CertificateRequest');
  return { certificateTypes, signatureAlgorithms, certificateAuthorities };
}

/** Encodes a complete TLS 1.2 CertificateRequest (header included). */
export function encodeCertificateRequest12(w: Writer, cr: CertificateRequest12): void {
  const m = startHandshake(w, HandshakeType.CertificateRequest);
  writeU8List(w, cr.certificateTypes);
  writeU16List(w, cr.signatureAlgorithms);
  writeCertificateAuthorities(w, cr.certificateAuthorities);
  endHandshake(w, m);
}

/** RFC 5246 §7.4.2 Certificate (TLS 1.2): DER certificates, end-entity first. */
export interface Certificate12 {
  /** ASN.1Cert certificate_list<0..2^24-1>, each <1..2^24-1>; views of the message. */
  certificateList: Uint8Array[];
}

/**
 * Decodes a TLS 1.2 Certificate body. The result aliases `body`.
 * @throws ERR_TLS_DECODE_* (decode_error).
 */
export function decodeCertificate12(body: Uint8Array): Certificate12 {
  const r = new Reader(body);
  const list = r.vec24('certificate_list', 0, 0xffffff);
  const certificateList: Uint8Array[] = [];
  while (list.remaining() > 0) certificateList.push(list.opaque24('ASN.1Cert', 1, 0xffffff));
  list.finish('certificate_list');
  r.finish('Certificate');
  return { certificateList };
}

/** Encodes a complete TLS 1.2 Certificate (header included). */
export function encodeCertificate12(w: Writer, c: Certificate12): void {
  const m = startHandshake(w, HandshakeType.Certificate);
  const list = w.start24();
  for (const cert of c.certificateList) w.opaque24(cert);
  w.end24(list);
  endHandshake(w, m);
}

/**
 * RFC 6066 §8 CertificateStatus (HandshakeType 22), sent by a TLS 1.2 server right after its
 * Certificate when it acknowledged status_request. Only status_type ocsp(1) is defined.
 */
export interface CertificateStatus12 {
  /** opaque OCSPResponse<1..2^24-1>: a DER OCSPResponse (RFC 6960 §4.2.1), not parsed here. */
  ocspResponse: Uint8Array;
}

/**
 * Decodes a CertificateStatus body. The result aliases `body`.
 * @throws ERR_TLS_DECODE_* (decode_error); ERR_TLS_DECODE_ILLEGAL_VALUE (illegal_parameter) for
 *   a status_type other than ocsp (1), the only one we request (RFC 6066 §8).
 */
export function decodeCertificateStatus12(body: Uint8Array): CertificateStatus12 {
  const r = new Reader(body);
  const statusType = r.u8('CertificateStatus.status_type');
  if (statusType !== CertificateStatusType.Ocsp) {
    throw new TlsDecodeError('ERR_TLS_DECODE_ILLEGAL_VALUE', `CertificateStatus: status_type ${statusType}, expected ocsp (1)`);
  }
  const ocspResponse = r.opaque24('CertificateStatus.OCSPResponse', 1, 0xffffff);
  r.finish('CertificateStatus');
  return { ocspResponse };
}

/** Encodes a complete CertificateStatus of type ocsp (header included). */
export function encodeCertificateStatus12(w: Writer, cs: CertificateStatus12): void {
  const m = startHandshake(w, HandshakeType.CertificateStatus);
  w.u8(CertificateStatusType.Ocsp).opaque24(cs.ocspResponse);
  endHandshake(w, m);
}

/** RFC 5077 §3.3 NewSessionTicket (TLS 1.2). */
export interface NewSessionTicket12 {
  /** Seconds; 0 = unspecified. */
  ticketLifetimeHint: number;
  /** opaque ticket<0..2^16-1>; empty means "no ticket this time" (§3.3). */
  ticket: Uint8Array;
}

/**
 * Decodes an RFC 5077 NewSessionTicket body. The result aliases `body`.
 * @throws ERR_TLS_DECODE_* (decode_error).
 */
export function decodeNewSessionTicket12(body: Uint8Array): NewSessionTicket12 {
  const r = new Reader(body);
  const ticketLifetimeHint = r.u32('NewSessionTicket.ticket_lifetime_hint');
  const ticket = r.opaque16('NewSessionTicket.ticket', 0, 0xffff);
  r.finish('NewSessionTicket');
  return { ticketLifetimeHint, ticket };
}

/** Encodes a complete RFC 5077 NewSessionTicket (header included). */
export function encodeNewSessionTicket12(w: Writer, t: NewSessionTicket12): void {
  const m = startHandshake(w, HandshakeType.NewSessionTicket);
  w.u32(t.ticketLifetimeHint).opaque16(t.ticket);
  endHandshake(w, m);
}
