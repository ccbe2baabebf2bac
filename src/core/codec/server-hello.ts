/**
 * ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4), and the TLS 1.2 ServerHello
 * (RFC 5246 §7.4.1.3). All three share one wire format; a HelloRetryRequest is a ServerHello
 * whose random is the §4.1.3 magic value, and a TLS 1.3 ServerHello is one that carries
 * supported_versions. The variant decides which extensions are allowed (§4.2 table).
 */
import { TlsError } from '../errors.ts';
import { ExtensionType, HandshakeType } from './codepoints.ts';
import {
  type ExtensionBookkeeping,
  type KeyShareEntry,
  ExtensionContext,
  blockHasExtension,
  noteExtension,
  readEmpty,
  readExtensionBody,
  readKeyShareEntry,
  readRecordSizeLimit,
  readRenegotiationInfo,
  readSelectedProtocol,
  readU8List,
  startExtension,
  writeExtensionsInOrder,
  writeKeyShareEntry,
  writeProtocolNameList,
  writeU8List,
} from './extensions.ts';
import { endHandshake, startHandshake } from './handshake.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

const E = ExtensionType;

/** RFC 8446 §4.1.3: the random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM: Uint8Array = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** RFC 8446 §4.1.3: last 8 bytes of ServerHello.random from a TLS 1.3 server negotiating TLS 1.2. */
export const DOWNGRADE_SENTINEL_TLS12: Uint8Array = Uint8Array.from([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
/** RFC 8446 §4.1.3: the same, negotiating TLS 1.1 or below. */
export const DOWNGRADE_SENTINEL_TLS11: Uint8Array = Uint8Array.from([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);

/**
 * ServerHello / HelloRetryRequest extensions (`null`/`false` = absent). Decoded views alias
 * the message. `unknown` lists the types in `others` (unrecognized, GREASE or not modelled):
 * we never offer those, so the engine rejects them (RFC 8446 §4.2: unsupported_extension).
 * Encoding follows `order` as `writeExtensionsInOrder` describes.
 */
export interface ServerHelloExtensions extends ExtensionBookkeeping {
  /** TLS 1.3 ServerHello: KeyShareServerHello.server_share (§4.2.8). */
  keyShare: KeyShareEntry | null;
  /** HelloRetryRequest: KeyShareHelloRetryRequest.selected_group (§4.2.8). */
  selectedGroup: number | null;
  /** TLS 1.3 ServerHello: selected_identity (§4.2.11). */
  preSharedKey: number | null;
  /** selected_version (§4.2.1); its presence makes a ServerHello TLS 1.3. */
  supportedVersions: number | null;
  /** HelloRetryRequest: cookie<1..2^16-1> (§4.2.2). */
  cookie: Uint8Array | null;
  /** HelloRetryRequest: the raw ECH confirmation (draft-ietf-tls-esni §7.2.1). */
  encryptedClientHello: Uint8Array | null;
  /** TLS 1.2: empty server_name (RFC 6066 §3). */
  serverName: boolean;
  /** TLS 1.2: empty status_request (RFC 6066 §8). */
  statusRequest: boolean;
  /** TLS 1.2: RFC 8422 §5.2. */
  ecPointFormats: number[] | null;
  /** TLS 1.2: the selected protocol (RFC 7301 §3.1, exactly one). */
  alpn: Uint8Array | null;
  /** TLS 1.2: RFC 7627. */
  extendedMasterSecret: boolean;
  /** TLS 1.2: RFC 8449. */
  recordSizeLimit: number | null;
  /** TLS 1.2: empty session_ticket, a ticket will follow (RFC 5077 §3.2). */
  sessionTicket: boolean;
  /** TLS 1.2: RFC 5746 §3.2 renegotiated_connection. */
  renegotiationInfo: Uint8Array | null;
  /** Types in `others`. Decode only: the encoder ignores it. */
  unknown: number[];
}

/** RFC 8446 §4.1.3 ServerHello (also HelloRetryRequest and TLS 1.2). */
export interface ServerHello {
  legacyVersion: number;
  /** 32 bytes; HELLO_RETRY_REQUEST_RANDOM for a HelloRetryRequest. */
  random: Uint8Array;
  /** legacy_session_id_echo<0..32>. */
  legacySessionIdEcho: Uint8Array;
  cipherSuite: number;
  legacyCompressionMethod: number;
  /** True when the message ends before the extensions block (TLS 1.2 only). */
  extensionsAbsent: boolean;
  extensions: ServerHelloExtensions;
}

/** A ServerHelloExtensions with nothing set. */
export function emptyServerHelloExtensions(): ServerHelloExtensions {
  return {
    keyShare: null,
    selectedGroup: null,
    preSharedKey: null,
    supportedVersions: null,
    cookie: null,
    encryptedClientHello: null,
    serverName: false,
    statusRequest: false,
    ecPointFormats: null,
    alpn: null,
    extendedMasterSecret: false,
    recordSizeLimit: null,
    sessionTicket: false,
    renegotiationInfo: null,
    order: [],
    others: [],
    unknown: [],
  };
}

/** True when `random` is the HelloRetryRequest value (§4.1.3). Not constant-time: it is public. */
export function isHelloRetryRequestRandom(random: Uint8Array): boolean {
  if (random.length !== 32) return false;
  for (let i = 0; i < 32; i++) if (random[i] !== HELLO_RETRY_REQUEST_RANDOM[i]) return false;
  return true;
}

/** True when `sh` is a HelloRetryRequest (RFC 8446 §4.1.3: its random is the magic value). */
export function isHelloRetryRequest(sh: ServerHello): boolean {
  return isHelloRetryRequestRandom(sh.random);
}

function expectU16(b: Reader, field: string): number {
  const v = b.u16(field);
  b.finish(field);
  return v;
}

/**
 * Decodes a ServerHello or HelloRetryRequest body (without the header). Which extensions are
 * allowed depends on the variant: HelloRetryRequest (magic random), TLS 1.3 ServerHello
 * (supported_versions present) or TLS 1.2 ServerHello. The result aliases `body`.
 *
 * @throws ERR_TLS_DECODE_TRUNCATED, ERR_TLS_DECODE_LENGTH, ERR_TLS_DECODE_TRAILING_DATA,
 *   ERR_TLS_DECODE_BAD_VALUE (decode_error); ERR_TLS_DECODE_DUPLICATE_EXTENSION,
 *   ERR_TLS_PEER_MISPLACED_EXTENSION, ERR_TLS_DECODE_ILLEGAL_VALUE (illegal_parameter).
 */
export function decodeServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body);
  const legacyVersion = r.u16('ServerHello.legacy_version');
  const random = r.bytes(32, 'ServerHello.random');
  const legacySessionIdEcho = r.opaque8('ServerHello.legacy_session_id_echo', 0, 32);
  const cipherSuite = r.u16('ServerHello.cipher_suite');
  const legacyCompressionMethod = r.u8('ServerHello.legacy_compression_method');
  const ext = emptyServerHelloExtensions();
  const hrr = isHelloRetryRequestRandom(random);
  // RFC 5246 §7.4.1.3: a TLS 1.2 ServerHello may end here. RFC 8446 requires supported_versions,
  // so the engine rejects a TLS 1.3 hello without it.
  const extensionsAbsent = r.remaining() === 0;
  if (!extensionsAbsent) {
    const context = hrr
      ? ExtensionContext.HelloRetryRequest
      : blockHasExtension(r, E.SupportedVersions) ? ExtensionContext.ServerHello : ExtensionContext.Tls12ServerHello;
    const block = r.vec16('ServerHello.extensions', 0, 0xffff);
    while (block.remaining() > 0) {
      const type = block.u16('Extension.extension_type');
      const b = readExtensionBody(block, type);
      noteExtension(ext.order, type, context);
      switch (type) {
        case E.KeyShare:
          if (hrr) ext.selectedGroup = expectU16(b, 'KeyShareHelloRetryRequest.selected_group');
          else { ext.keyShare = readKeyShareEntry(b); b.finish('key_share'); }
          break;
        case E.PreSharedKey: ext.preSharedKey = expectU16(b, 'pre_shared_key.selected_identity'); break;
        case E.SupportedVersions: ext.supportedVersions = expectU16(b, 'supported_versions.selected_version'); break;
        case E.Cookie: ext.cookie = b.opaque16('cookie', 1, 0xffff); b.finish('cookie'); break;
        case E.EncryptedClientHello: ext.encryptedClientHello = b.rest(); break;
        case E.ServerName: ext.serverName = readEmpty(b, type); break;
        case E.StatusRequest: ext.statusRequest = readEmpty(b, type); break;
        case E.EcPointFormats: ext.ecPointFormats = readU8List(b, 'ec_point_format_list', 1, 0xff); b.finish('ec_point_formats'); break;
        case E.ApplicationLayerProtocolNegotiation: ext.alpn = readSelectedProtocol(b); b.finish('application_layer_protocol_negotiation'); break;
        case E.ExtendedMasterSecret: ext.extendedMasterSecret = readEmpty(b, type); break;
        case E.RecordSizeLimit: ext.recordSizeLimit = readRecordSizeLimit(b); break;
        case E.SessionTicket: ext.sessionTicket = readEmpty(b, type); break;
        case E.RenegotiationInfo: ext.renegotiationInfo = readRenegotiationInfo(b); break;
        default:
          ext.others.push({ type, body: b.rest() });
          ext.unknown.push(type);
      }
    }
    block.finish('ServerHello.extensions');
  }
  r.finish('ServerHello');
  return { legacyVersion, random, legacySessionIdEcho, cipherSuite, legacyCompressionMethod, extensionsAbsent, extensions: ext };
}

const canonicalOrder: readonly number[] = [
  E.ServerName, E.RenegotiationInfo, E.ExtendedMasterSecret, E.EcPointFormats, E.SessionTicket,
  E.ApplicationLayerProtocolNegotiation, E.StatusRequest, E.RecordSizeLimit,
  E.SupportedVersions, E.KeyShare, E.Cookie, E.PreSharedKey, E.EncryptedClientHello,
];

function writeField(w: Writer, ext: ServerHelloExtensions, type: number): boolean {
  switch (type) {
    case E.KeyShare:
      if (ext.selectedGroup !== null) { w.u16(type).u16(2).u16(ext.selectedGroup); return true; }
      if (ext.keyShare !== null) { const m = startExtension(w, type); writeKeyShareEntry(w, ext.keyShare); w.end16(m); return true; }
      return false;
    case E.PreSharedKey:
      if (ext.preSharedKey === null) return false;
      w.u16(type).u16(2).u16(ext.preSharedKey); return true;
    case E.SupportedVersions:
      if (ext.supportedVersions === null) return false;
      w.u16(type).u16(2).u16(ext.supportedVersions); return true;
    case E.Cookie:
      if (ext.cookie === null) return false;
      { const m = startExtension(w, type); w.opaque16(ext.cookie); w.end16(m); } return true;
    case E.EncryptedClientHello:
      if (ext.encryptedClientHello === null) return false;
      w.u16(type).opaque16(ext.encryptedClientHello); return true;
    case E.ServerName:
    case E.StatusRequest:
    case E.ExtendedMasterSecret:
    case E.SessionTicket: {
      const set = type === E.ServerName ? ext.serverName : type === E.StatusRequest ? ext.statusRequest
        : type === E.ExtendedMasterSecret ? ext.extendedMasterSecret : ext.sessionTicket;
      if (!set) return false;
      w.u16(type).u16(0); return true;
    }
    case E.EcPointFormats: {
      if (ext.ecPointFormats === null) return false;
      const m = startExtension(w, type); writeU8List(w, ext.ecPointFormats); w.end16(m); return true;
    }
    case E.ApplicationLayerProtocolNegotiation: {
      if (ext.alpn === null) return false;
      const m = startExtension(w, type); writeProtocolNameList(w, [ext.alpn]); w.end16(m); return true;
    }
    case E.RecordSizeLimit:
      if (ext.recordSizeLimit === null) return false;
      w.u16(type).u16(2).u16(ext.recordSizeLimit); return true;
    case E.RenegotiationInfo: {
      if (ext.renegotiationInfo === null) return false;
      const m = startExtension(w, type); w.opaque8(ext.renegotiationInfo); w.end16(m); return true;
    }
  }
  return false;
}

/**
 * Encodes a complete ServerHello or HelloRetryRequest (header included). For a
 * HelloRetryRequest set `random` to `HELLO_RETRY_REQUEST_RANDOM` and `selectedGroup` instead
 * of `keyShare`.
 * @throws ERR_TLS_INTERNAL when `random` is not 32 bytes or `order` lists a type without value.
 */
export function encodeServerHello(w: Writer, sh: ServerHello): void {
  if (sh.random.length !== 32) throw new TlsError('ERR_TLS_INTERNAL', `ServerHello.random: ${sh.random.length} bytes, expected 32`);
  const m = startHandshake(w, HandshakeType.ServerHello);
  w.u16(sh.legacyVersion).bytes(sh.random).opaque8(sh.legacySessionIdEcho).u16(sh.cipherSuite).u8(sh.legacyCompressionMethod);
  if (!sh.extensionsAbsent) {
    const block = w.start16();
    writeExtensionsInOrder(w, sh.extensions, canonicalOrder, writeField, 'ServerHello');
    w.end16(block);
  }
  endHandshake(w, m);
}
