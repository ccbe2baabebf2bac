/** TLS 1.3 Certificate (RFC 8446 §4.4.2) and CertificateRequest (§4.3.2). */
import { ExtensionType, HandshakeType } from './codepoints.ts';
import {
  type ExtensionBookkeeping,
  type OidFilter,
  ExtensionContext,
  noteExtension,
  readCertificateAuthorities,
  readCertificateStatus,
  readEmpty,
  readExtensionBody,
  readOidFilters,
  readU16List,
  readU16List8,
  startExtension,
  writeCertificateAuthorities,
  writeCertificateStatus,
  writeExtensionsInOrder,
  writeOidFilters,
  writeU16List,
  writeU16List8,
} from './extensions.ts';
import { endHandshake, startHandshake } from './handshake.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

const E = ExtensionType;

/**
 * CertificateEntry extensions (§4.4.2: "MUST correspond to ones from the ClientHello" or
 * CertificateRequest). `unknown` lists the types kept in `others`: the engine rejects them as
 * unsolicited.
 */
export interface CertificateEntryExtensions extends ExtensionBookkeeping {
  /** §4.4.2.1: the DER OCSPResponse from a CertificateStatus of type ocsp. */
  statusRequest: Uint8Array | null;
  /** RFC 6962 §3.3: the raw SignedCertificateTimestampList. */
  signedCertificateTimestamp: Uint8Array | null;
  /** Types in `others`. Decode only. */
  unknown: number[];
}

/** §4.4.2 CertificateEntry: cert_data is DER X.509 or a DER SubjectPublicKeyInfo (RFC 7250). */
export interface CertificateEntry {
  /** A view of the message: `slice()` it to keep it. */
  certData: Uint8Array;
  extensions: CertificateEntryExtensions;
}

/** RFC 8446 §4.4.2 Certificate. */
export interface Certificate {
  /** certificate_request_context<0..2^8-1>: empty in the server's Certificate. */
  certificateRequestContext: Uint8Array;
  /** End-entity first; may be empty (the engine decides what that means). */
  certificateList: CertificateEntry[];
}

/** CertificateRequest extensions (§4.3.2). Clients "MUST ignore unrecognized extensions": `unknown` is informational. */
export interface CertificateRequestExtensions extends ExtensionBookkeeping {
  /** §4.2.3; the engine raises missing_extension when absent. */
  signatureAlgorithms: number[] | null;
  signatureAlgorithmsCert: number[] | null;
  /** §4.2.4 DistinguishedNames. */
  certificateAuthorities: Uint8Array[] | null;
  /** §4.2.5. */
  oidFilters: OidFilter[] | null;
  /** §4.4.2.1: an empty status_request asks for OCSP. */
  statusRequest: boolean;
  /** RFC 6962: empty in CertificateRequest. */
  signedCertificateTimestamp: boolean;
  /** RFC 8879 §3 algorithms. */
  compressCertificate: number[] | null;
  /** Types in `others`. Decode only. */
  unknown: number[];
}

/** RFC 8446 §4.3.2 CertificateRequest. */
export interface CertificateRequest {
  /** certificate_request_context<0..2^8-1>: empty during the handshake, unique after it. */
  certificateRequestContext: Uint8Array;
  extensions: CertificateRequestExtensions;
}

/** A CertificateEntryExtensions with nothing set. */
export function emptyCertificateEntryExtensions(): CertificateEntryExtensions {
  return { statusRequest: null, signedCertificateTimestamp: null, order: [], others: [], unknown: [] };
}

/** A CertificateRequestExtensions with nothing set. */
export function emptyCertificateRequestExtensions(): CertificateRequestExtensions {
  return {
    signatureAlgorithms: null,
    signatureAlgorithmsCert: null,
    certificateAuthorities: null,
    oidFilters: null,
    statusRequest: false,
    signedCertificateTimestamp: false,
    compressCertificate: null,
    order: [],
    others: [],
    unknown: [],
  };
}

/**
 * Decodes a TLS 1.3 Certificate body: certificate_request_context<0..2^8-1>,
 * certificate_list<0..2^24-1> of CertificateEntry { cert_data<1..2^24-1>; extensions<0..2^16-1> }.
 * The result aliases `body`.
 * @throws ERR_TLS_DECODE_* (decode_error); ERR_TLS_DECODE_DUPLICATE_EXTENSION,
 *   ERR_TLS_PEER_MISPLACED_EXTENSION (illegal_parameter).
 */
export function decodeCertificate(body: Uint8Array): Certificate {
  const r = new Reader(body);
  const certificateRequestContext = r.opaque8('certificate_request_context', 0, 0xff);
  const list = r.vec24('certificate_list', 0, 0xffffff);
  const certificateList: CertificateEntry[] = [];
  while (list.remaining() > 0) {
    const certData = list.opaque24('CertificateEntry.cert_data', 1, 0xffffff);
    const ext = emptyCertificateEntryExtensions();
    const block = list.vec16('CertificateEntry.extensions', 0, 0xffff);
    while (block.remaining() > 0) {
      const type = block.u16('Extension.extension_type');
      const b = readExtensionBody(block, type);
      noteExtension(ext.order, type, ExtensionContext.Certificate);
      switch (type) {
        case E.StatusRequest: ext.statusRequest = readCertificateStatus(b); break;
        case E.SignedCertificateTimestamp: ext.signedCertificateTimestamp = b.rest(); break;
        default:
          ext.others.push({ type, body: b.rest() });
          ext.unknown.push(type);
      }
    }
    block.finish('CertificateEntry.extensions');
    certificateList.push({ certData, extensions: ext });
  }
  list.finish('certificate_list');
  r.finish('Certificate');
  return { certificateRequestContext, certificateList };
}

function writeEntryField(w: Writer, ext: CertificateEntryExtensions, type: number): boolean {
  if (type === E.StatusRequest && ext.statusRequest !== null) {
    const m = startExtension(w, type);
    writeCertificateStatus(w, ext.statusRequest);
    w.end16(m);
    return true;
  }
  if (type === E.SignedCertificateTimestamp && ext.signedCertificateTimestamp !== null) {
    w.u16(type).opaque16(ext.signedCertificateTimestamp);
    return true;
  }
  return false;
}

const entryOrder: readonly number[] = [E.StatusRequest, E.SignedCertificateTimestamp];

/**
 * Encodes a complete TLS 1.3 Certificate message (header included).
 * @throws ERR_TLS_INTERNAL when a length overflows its prefix.
 */
export function encodeCertificate(w: Writer, c: Certificate): void {
  const m = startHandshake(w, HandshakeType.Certificate);
  w.opaque8(c.certificateRequestContext);
  const list = w.start24();
  for (const e of c.certificateList) {
    w.opaque24(e.certData);
    const block = w.start16();
    writeExtensionsInOrder(w, e.extensions, entryOrder, writeEntryField, 'CertificateEntry');
    w.end16(block);
  }
  w.end24(list);
  endHandshake(w, m);
}

/**
 * Decodes a TLS 1.3 CertificateRequest body: certificate_request_context<0..2^8-1>,
 * extensions<2..2^16-1>. The result aliases `body`.
 * @throws ERR_TLS_DECODE_* (decode_error); ERR_TLS_DECODE_DUPLICATE_EXTENSION,
 *   ERR_TLS_PEER_MISPLACED_EXTENSION (illegal_parameter).
 */
export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = new Reader(body);
  const certificateRequestContext = r.opaque8('certificate_request_context', 0, 0xff);
  const ext = emptyCertificateRequestExtensions();
  const block = r.vec16('CertificateRequest.extensions', 2, 0xffff);
  while (block.remaining() > 0) {
    const type = block.u16('Extension.extension_type');
    const b = readExtensionBody(block, type);
    noteExtension(ext.order, type, ExtensionContext.CertificateRequest);
    switch (type) {
      case E.SignatureAlgorithms: ext.signatureAlgorithms = readU16List(b, 'supported_signature_algorithms', 2, 0xfffe); b.finish('signature_algorithms'); break;
      case E.SignatureAlgorithmsCert: ext.signatureAlgorithmsCert = readU16List(b, 'supported_signature_algorithms', 2, 0xfffe); b.finish('signature_algorithms_cert'); break;
      case E.CertificateAuthorities: ext.certificateAuthorities = readCertificateAuthorities(b); b.finish('certificate_authorities'); break;
      case E.OidFilters: ext.oidFilters = readOidFilters(b); break;
      case E.StatusRequest: ext.statusRequest = readEmpty(b, type); break;
      case E.SignedCertificateTimestamp: ext.signedCertificateTimestamp = readEmpty(b, type); break;
      case E.CompressCertificate: ext.compressCertificate = readU16List8(b, 'compress_certificate.algorithms', 2, 0xfe); b.finish('compress_certificate'); break;
      default:
        ext.others.push({ type, body: b.rest() });
        ext.unknown.push(type);
    }
  }
  block.finish('CertificateRequest.extensions');
  r.finish('CertificateRequest');
  return { certificateRequestContext, extensions: ext };
}

const requestOrder: readonly number[] = [
  E.SignatureAlgorithms, E.SignatureAlgorithmsCert, E.CertificateAuthorities, E.OidFilters,
  E.StatusRequest, E.SignedCertificateTimestamp, E.CompressCertificate,
];

function writeRequestField(w: Writer, ext: CertificateRequestExtensions, type: number): boolean {
  let m: number;
  switch (type) {
    case E.SignatureAlgorithms:
      if (ext.signatureAlgorithms === null) return false;
      m = startExtension(w, type); writeU16List(w, ext.signatureAlgorithms); w.end16(m); return true;
    case E.SignatureAlgorithmsCert:
      if (ext.signatureAlgorithmsCert === null) return false;
      m = startExtension(w, type); writeU16List(w, ext.signatureAlgorithmsCert); w.end16(m); return true;
    case E.CertificateAuthorities:
      if (ext.certificateAuthorities === null) return false;
      m = startExtension(w, type); writeCertificateAuthorities(w, ext.certificateAuthorities); w.end16(m); return true;
    case E.OidFilters:
      if (ext.oidFilters === null) return false;
      m = startExtension(w, type); writeOidFilters(w, ext.oidFilters); w.end16(m); return true;
    case E.StatusRequest:
      if (!ext.statusRequest) return false;
      w.u16(type).u16(0); return true;
    case E.SignedCertificateTimestamp:
      if (!ext.signedCertificateTimestamp) return false;
      w.u16(type).u16(0); return true;
    case E.CompressCertificate:
      if (ext.compressCertificate === null) return false;
      m = startExtension(w, type); writeU16List8(w, ext.compressCertificate); w.end16(m); return true;
  }
  return false;
}

/**
 * Encodes a complete TLS 1.3 CertificateRequest (header included).
 * @throws ERR_TLS_INTERNAL when `order` lists a type without value or a length overflows.
 */
export function encodeCertificateRequest(w: Writer, cr: CertificateRequest): void {
  const m = startHandshake(w, HandshakeType.CertificateRequest);
  w.opaque8(cr.certificateRequestContext);
  const block = w.start16();
  writeExtensionsInOrder(w, cr.extensions, requestOrder, writeRequestField, 'CertificateRequest');
  w.end16(block);
  endHandshake(w, m);
}
