/**
 * ClientHello (RFC 8446 §4.1.2; RFC 5246 §7.4.1.2 for the TLS 1.2 view of the same message).
 * One codec serves TLS 1.3 and TLS 1.2 clients and servers, and both ECH hellos.
 */
import { TlsDecodeError, TlsError } from '../errors.ts';
import { ExtensionType, HandshakeType } from './codepoints.ts';
import {
  type KeyShareEntry,
  type OfferedPsks,
  type RawExtension,
  ExtensionContext,
  extensionName,
  noteExtension,
  readCertificateAuthorities,
  readClientShares,
  readEmpty,
  readExtensionBody,
  readOfferedPsks,
  readPadding,
  readProtocolNameList,
  readRecordSizeLimit,
  readRenegotiationInfo,
  readServerNameList,
  readStatusRequest,
  readU16List,
  readU16List8,
  readU8List,
  startExtension,
  writeCertificateAuthorities,
  writeClientShares,
  writeOfferedPsks,
  writeProtocolNameList,
  writeRawExtension,
  writeServerNameList,
  writeU16List,
  writeU16List8,
  writeU8List,
} from './extensions.ts';
import { endHandshake, startHandshake } from './handshake.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

const E = ExtensionType;

/**
 * The ClientHello extensions, one field per extension we model (`null`/`false` = absent).
 * Decoded views alias the message buffer.
 *
 * - `order`: every extension type as received (GREASE and unknown included). The encoder
 *   writes the types in `order` first, in that order, then whatever else is set in the
 *   canonical order of `encodeClientHello`; pre_shared_key always goes last (§4.2.11).
 * - `others`: extensions without a field (unknown, GREASE, known but not modelled, e.g.
 *   encrypt_then_mac), with their bodies. They are ignored on receipt (RFC 8446 §4.1.2
 *   "servers MUST ignore unrecognized extensions"). To send GREASE (RFC 8701), put
 *   `{ type: 0x?a?a, body: empty or 1 byte }` here; with an empty `order` they are written
 *   first, in array order.
 */
export interface ClientHelloExtensions {
  /** RFC 6066 §3: the one host_name. */
  serverName: string | null;
  /** RFC 6066 §8: the raw CertificateStatusRequest body. */
  statusRequest: Uint8Array | null;
  /** RFC 8446 §4.2.7 / RFC 8422 named_group_list, GREASE kept. */
  supportedGroups: number[] | null;
  /** RFC 8422 §5.1.2 ec_point_format_list. */
  ecPointFormats: number[] | null;
  /** RFC 8446 §4.2.3 supported_signature_algorithms. */
  signatureAlgorithms: number[] | null;
  /** RFC 8446 §4.2.3 signature_algorithms_cert. */
  signatureAlgorithmsCert: number[] | null;
  /** RFC 7301 protocol_name_list. */
  alpn: Uint8Array[] | null;
  /** RFC 6962 §3.3.1: empty in ClientHello. */
  signedCertificateTimestamp: boolean;
  /** RFC 7685: the number of (zero) padding bytes. */
  padding: number | null;
  /** RFC 7627. */
  extendedMasterSecret: boolean;
  /** RFC 8879 §3 algorithms. */
  compressCertificate: number[] | null;
  /** RFC 8449. */
  recordSizeLimit: number | null;
  /** RFC 5077 §3.2: the ticket (empty to ask for one). */
  sessionTicket: Uint8Array | null;
  /** RFC 5746 §3.2 renegotiated_connection (empty on an initial handshake). */
  renegotiationInfo: Uint8Array | null;
  /** RFC 8446 §4.2.8 client_shares (may be empty). */
  keyShare: KeyShareEntry[] | null;
  /** RFC 8446 §4.2.1 versions. */
  supportedVersions: number[] | null;
  /** RFC 8446 §4.2.2. */
  cookie: Uint8Array | null;
  /** RFC 8446 §4.2.9 ke_modes. */
  pskKeyExchangeModes: number[] | null;
  /** RFC 8446 §4.2.11; always the last extension. */
  preSharedKey: OfferedPsks | null;
  /** RFC 8446 §4.2.10: empty in ClientHello. */
  earlyData: boolean;
  /** RFC 8446 §4.2.6. */
  postHandshakeAuth: boolean;
  /** RFC 8446 §4.2.4 DistinguishedNames (DER). */
  certificateAuthorities: Uint8Array[] | null;
  /** draft-ietf-tls-esni: the raw ECHClientHello body, for the ECH code to parse. */
  encryptedClientHello: Uint8Array | null;
  others: RawExtension[];
  order: number[];
}

/** RFC 8446 §4.1.2 ClientHello. Decoded views alias the message buffer. */
export interface ClientHello {
  /** 0x0303 for TLS 1.3 (§4.1.2 legacy_version). */
  legacyVersion: number;
  /** 32 bytes. */
  random: Uint8Array;
  /** legacy_session_id<0..32>. */
  legacySessionId: Uint8Array;
  /** cipher_suites, GREASE and SCSVs kept. */
  cipherSuites: number[];
  /** Raw legacy_compression_methods<1..2^8-1>: TLS 1.3 requires exactly [0]; the engine decides. */
  legacyCompressionMethods: Uint8Array;
  /** True when the message ends before the extensions block (legal in TLS 1.2, RFC 5246 §7.4.1.2). */
  extensionsAbsent: boolean;
  extensions: ClientHelloExtensions;
  /**
   * Decode only: bytes from the binders vector's length field to the end of the message (0
   * without pre_shared_key). The PSK binder transcript (§4.2.11.2) is
   * `encoding.subarray(0, encoding.length - bindersLength)`. The encoder ignores it.
   */
  bindersLength: number;
}

/** A ClientHelloExtensions with nothing set, for the engine to fill in. */
export function emptyClientHelloExtensions(): ClientHelloExtensions {
  return {
    serverName: null,
    statusRequest: null,
    supportedGroups: null,
    ecPointFormats: null,
    signatureAlgorithms: null,
    signatureAlgorithmsCert: null,
    alpn: null,
    signedCertificateTimestamp: false,
    padding: null,
    extendedMasterSecret: false,
    compressCertificate: null,
    recordSizeLimit: null,
    sessionTicket: null,
    renegotiationInfo: null,
    keyShare: null,
    supportedVersions: null,
    cookie: null,
    pskKeyExchangeModes: null,
    preSharedKey: null,
    earlyData: false,
    postHandshakeAuth: false,
    certificateAuthorities: null,
    encryptedClientHello: null,
    others: [],
    order: [],
  };
}

/**
 * Decodes a ClientHello body (without the 4-byte header). The result aliases `body`.
 *
 * @example const ch = expectMessage(m, HandshakeType.ClientHello, decodeClientHello);
 * @throws ERR_TLS_DECODE_TRUNCATED, ERR_TLS_DECODE_LENGTH, ERR_TLS_DECODE_TRAILING_DATA,
 *   ERR_TLS_DECODE_BAD_VALUE (decode_error); ERR_TLS_DECODE_DUPLICATE_EXTENSION,
 *   ERR_TLS_DECODE_PSK_NOT_LAST, ERR_TLS_DECODE_ILLEGAL_VALUE, ERR_TLS_PEER_MISPLACED_EXTENSION
 *   (illegal_parameter).
 */
export function decodeClientHello(body: Uint8Array): ClientHello {
  const r = new Reader(body);
  const legacyVersion = r.u16('ClientHello.legacy_version');
  const random = r.bytes(32, 'ClientHello.random');
  const legacySessionId = r.opaque8('ClientHello.legacy_session_id', 0, 32);
  const cipherSuites = readU16List(r, 'ClientHello.cipher_suites', 2, 0xfffe);
  const legacyCompressionMethods = r.opaque8('ClientHello.legacy_compression_methods', 1, 0xff);
  const ext = emptyClientHelloExtensions();
  let bindersLength = 0;
  // RFC 5246 §7.4.1.2: "the presence of extensions can be detected by determining whether
  // there are bytes following the compression_methods field".
  const extensionsAbsent = r.remaining() === 0;
  if (!extensionsAbsent) {
    // RFC 8446 says extensions<8..2^16-1>; RFC 5246 allows an empty block. The engine
    // requires the TLS 1.3 extensions it needs (missing_extension).
    const block = r.vec16('ClientHello.extensions', 0, 0xffff);
    while (block.remaining() > 0) {
      const type = block.u16('Extension.extension_type');
      const b = readExtensionBody(block, type);
      noteExtension(ext.order, type, ExtensionContext.ClientHello);
      if (type === E.PreSharedKey && block.remaining() > 0) {
        // RFC 8446 §4.2.11: "MUST be the last extension in the ClientHello".
        throw new TlsDecodeError('ERR_TLS_DECODE_PSK_NOT_LAST', `ClientHello: pre_shared_key followed by ${block.remaining()} more bytes of extensions, expected it last`);
      }
      switch (type) {
        case E.ServerName: ext.serverName = readServerNameList(b); break;
        case E.StatusRequest: ext.statusRequest = readStatusRequest(b); break;
        case E.SupportedGroups: ext.supportedGroups = readU16List(b, 'named_group_list', 2, 0xffff); b.finish('supported_groups'); break;
        case E.EcPointFormats: ext.ecPointFormats = readU8List(b, 'ec_point_format_list', 1, 0xff); b.finish('ec_point_formats'); break;
        case E.SignatureAlgorithms: ext.signatureAlgorithms = readU16List(b, 'supported_signature_algorithms', 2, 0xfffe); b.finish('signature_algorithms'); break;
        case E.SignatureAlgorithmsCert: ext.signatureAlgorithmsCert = readU16List(b, 'supported_signature_algorithms', 2, 0xfffe); b.finish('signature_algorithms_cert'); break;
        case E.ApplicationLayerProtocolNegotiation: ext.alpn = readProtocolNameList(b); b.finish('application_layer_protocol_negotiation'); break;
        case E.SignedCertificateTimestamp: ext.signedCertificateTimestamp = readEmpty(b, type); break;
        case E.Padding: ext.padding = readPadding(b); break;
        case E.ExtendedMasterSecret: ext.extendedMasterSecret = readEmpty(b, type); break;
        case E.CompressCertificate: ext.compressCertificate = readU16List8(b, 'compress_certificate.algorithms', 2, 0xfe); b.finish('compress_certificate'); break;
        case E.RecordSizeLimit: ext.recordSizeLimit = readRecordSizeLimit(b); break;
        case E.SessionTicket: ext.sessionTicket = b.rest(); break;
        case E.RenegotiationInfo: ext.renegotiationInfo = readRenegotiationInfo(b); break;
        case E.KeyShare: ext.keyShare = readClientShares(b); b.finish('key_share'); break;
        case E.SupportedVersions: ext.supportedVersions = readU16List8(b, 'supported_versions.versions', 2, 254); b.finish('supported_versions'); break;
        case E.Cookie: ext.cookie = b.opaque16('cookie', 1, 0xffff); b.finish('cookie'); break;
        case E.PskKeyExchangeModes: ext.pskKeyExchangeModes = readU8List(b, 'ke_modes', 1, 0xff); b.finish('psk_key_exchange_modes'); break;
        case E.PreSharedKey: {
          const p = readOfferedPsks(b);
          ext.preSharedKey = p.psks;
          bindersLength = body.length - p.bindersStart;
          break;
        }
        case E.EarlyData: ext.earlyData = readEmpty(b, type); break;
        case E.PostHandshakeAuth: ext.postHandshakeAuth = readEmpty(b, type); break;
        case E.CertificateAuthorities: ext.certificateAuthorities = readCertificateAuthorities(b); b.finish('certificate_authorities'); break;
        case E.EncryptedClientHello: ext.encryptedClientHello = b.rest(); break;
        default: ext.others.push({ type, body: b.rest() });
      }
    }
    block.finish('ClientHello.extensions');
  }
  r.finish('ClientHello');
  return { legacyVersion, random, legacySessionId, cipherSuites, legacyCompressionMethods, extensionsAbsent, extensions: ext, bindersLength };
}

/** The order `encodeClientHello` writes set fields that `order` does not list. */
const canonicalOrder: readonly number[] = [
  E.ServerName, E.ExtendedMasterSecret, E.RenegotiationInfo, E.SupportedGroups, E.EcPointFormats,
  E.SessionTicket, E.ApplicationLayerProtocolNegotiation, E.StatusRequest, E.SignatureAlgorithms,
  E.SignedCertificateTimestamp, E.KeyShare, E.PskKeyExchangeModes, E.SupportedVersions, E.Cookie,
  E.CompressCertificate, E.RecordSizeLimit, E.CertificateAuthorities, E.SignatureAlgorithmsCert,
  E.PostHandshakeAuth, E.EarlyData, E.EncryptedClientHello, E.Padding,
];

/**
 * Encodes a complete ClientHello (header included) into `w`.
 *
 * Returns `bindersOffset`: the absolute offset in `w.buf` where the binders vector (its 2-byte
 * length) starts, or `null` without pre_shared_key. Write placeholder binders of the right
 * lengths, hash `w.buf.subarray(msgStart, bindersOffset)` (§4.2.11.2), then patch each binder
 * in place after its 1-byte length. The binders are the last bytes of the message. The
 * offset stays valid, but `w.buf` is reallocated when the writer grows: re-read it.
 *
 * @example
 * const start = w.len;
 * const { bindersOffset } = encodeClientHello(w, ch);
 * @throws ERR_TLS_INTERNAL when `order` lists a type that has no value, a length overflows its
 *   prefix, or `random` is not 32 bytes; ERR_TLS_USAGE for a bad server name.
 */
export function encodeClientHello(w: Writer, ch: ClientHello): { bindersOffset: number | null } {
  if (ch.random.length !== 32) throw new TlsError('ERR_TLS_INTERNAL', `ClientHello.random: ${ch.random.length} bytes, expected 32`);
  const m = startHandshake(w, HandshakeType.ClientHello);
  w.u16(ch.legacyVersion).bytes(ch.random).opaque8(ch.legacySessionId);
  writeU16List(w, ch.cipherSuites);
  w.opaque8(ch.legacyCompressionMethods);
  let bindersOffset: number | null = null;
  if (!ch.extensionsAbsent) {
    const ext = ch.extensions;
    const block = w.start16();
    for (const type of ext.order) {
      if (type === E.PreSharedKey) continue;
      if (!writeExtension(w, ext, type)) throw new TlsError('ERR_TLS_INTERNAL', `ClientHello: order lists ${extensionName(type)} but it has no value`);
    }
    for (const o of ext.others) if (!ext.order.includes(o.type)) writeRawExtension(w, o);
    for (const type of canonicalOrder) if (!ext.order.includes(type)) writeField(w, ext, type);
    if (ext.preSharedKey !== null) {
      const pm = startExtension(w, E.PreSharedKey);
      bindersOffset = writeOfferedPsks(w, ext.preSharedKey);
      w.end16(pm);
    }
    w.end16(block);
  }
  endHandshake(w, m);
  return { bindersOffset };
}

/** Writes extension `type` from its field, else from `others`; false when it has no value. */
function writeExtension(w: Writer, ext: ClientHelloExtensions, type: number): boolean {
  if (writeField(w, ext, type)) return true;
  for (const o of ext.others) {
    if (o.type === type) {
      writeRawExtension(w, o);
      return true;
    }
  }
  return false;
}

/** Writes extension `type` from its field; false when the field is unset or there is none. */
function writeField(w: Writer, ext: ClientHelloExtensions, type: number): boolean {
  let m: number;
  switch (type) {
    case E.ServerName:
      if (ext.serverName === null) break;
      m = startExtension(w, type); writeServerNameList(w, ext.serverName); w.end16(m); return true;
    case E.StatusRequest:
      if (ext.statusRequest === null) break;
      w.u16(type).opaque16(ext.statusRequest); return true;
    case E.SupportedGroups:
      if (ext.supportedGroups === null) break;
      m = startExtension(w, type); writeU16List(w, ext.supportedGroups); w.end16(m); return true;
    case E.EcPointFormats:
      if (ext.ecPointFormats === null) break;
      m = startExtension(w, type); writeU8List(w, ext.ecPointFormats); w.end16(m); return true;
    case E.SignatureAlgorithms:
      if (ext.signatureAlgorithms === null) break;
      m = startExtension(w, type); writeU16List(w, ext.signatureAlgorithms); w.end16(m); return true;
    case E.SignatureAlgorithmsCert:
      if (ext.signatureAlgorithmsCert === null) break;
      m = startExtension(w, type); writeU16List(w, ext.signatureAlgorithmsCert); w.end16(m); return true;
    case E.ApplicationLayerProtocolNegotiation:
      if (ext.alpn === null) break;
      m = startExtension(w, type); writeProtocolNameList(w, ext.alpn); w.end16(m); return true;
    case E.SignedCertificateTimestamp:
      if (!ext.signedCertificateTimestamp) break;
      w.u16(type).u16(0); return true;
    case E.Padding:
      if (ext.padding === null) break;
      m = startExtension(w, type); w.zeros(ext.padding); w.end16(m); return true;
    case E.ExtendedMasterSecret:
      if (!ext.extendedMasterSecret) break;
      w.u16(type).u16(0); return true;
    case E.CompressCertificate:
      if (ext.compressCertificate === null) break;
      m = startExtension(w, type); writeU16List8(w, ext.compressCertificate); w.end16(m); return true;
    case E.RecordSizeLimit:
      if (ext.recordSizeLimit === null) break;
      w.u16(type).u16(2).u16(ext.recordSizeLimit); return true;
    case E.SessionTicket:
      if (ext.sessionTicket === null) break;
      w.u16(type).opaque16(ext.sessionTicket); return true;
    case E.RenegotiationInfo:
      if (ext.renegotiationInfo === null) break;
      m = startExtension(w, type); w.opaque8(ext.renegotiationInfo); w.end16(m); return true;
    case E.KeyShare:
      if (ext.keyShare === null) break;
      m = startExtension(w, type); writeClientShares(w, ext.keyShare); w.end16(m); return true;
    case E.SupportedVersions:
      if (ext.supportedVersions === null) break;
      m = startExtension(w, type); writeU16List8(w, ext.supportedVersions); w.end16(m); return true;
    case E.Cookie:
      if (ext.cookie === null) break;
      m = startExtension(w, type); w.opaque16(ext.cookie); w.end16(m); return true;
    case E.PskKeyExchangeModes:
      if (ext.pskKeyExchangeModes === null) break;
      m = startExtension(w, type); writeU8List(w, ext.pskKeyExchangeModes); w.end16(m); return true;
    case E.EarlyData:
      if (!ext.earlyData) break;
      w.u16(type).u16(0); return true;
    case E.PostHandshakeAuth:
      if (!ext.postHandshakeAuth) break;
      w.u16(type).u16(0); return true;
    case E.CertificateAuthorities:
      if (ext.certificateAuthorities === null) break;
      m = startExtension(w, type); writeCertificateAuthorities(w, ext.certificateAuthorities); w.end16(m); return true;
    case E.EncryptedClientHello:
      if (ext.encryptedClientHello === null) break;
      w.u16(type).opaque16(ext.encryptedClientHello); return true;
  }
  return false;
}
