/** EncryptedExtensions (RFC 8446 §4.3.1). */
import { ExtensionType, HandshakeType } from './codepoints.ts';
import {
  type ExtensionBookkeeping,
  ExtensionContext,
  noteExtension,
  readEmpty,
  readExtensionBody,
  readRecordSizeLimit,
  readSelectedProtocol,
  readU16List,
  startExtension,
  writeExtensionsInOrder,
  writeProtocolNameList,
  writeU16List,
} from './extensions.ts';
import { endHandshake, startHandshake } from './handshake.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

const E = ExtensionType;

/**
 * EncryptedExtensions extensions (`null`/`false` = absent); views alias the message.
 * `unknown` lists the types kept in `others` (unrecognized or not modelled, e.g.
 * max_fragment_length, use_srtp, heartbeat): we never offer those, so the engine rejects
 * them (RFC 8446 §4.2: unsupported_extension).
 */
export interface EncryptedExtensionsExtensions extends ExtensionBookkeeping {
  /** RFC 6066 §3: an empty server_name, the server used our SNI. */
  serverName: boolean;
  /** RFC 8446 §4.2.7: the server's preferred groups (informational). */
  supportedGroups: number[] | null;
  /** RFC 7301 §3.1: the selected protocol. */
  alpn: Uint8Array | null;
  /** RFC 8446 §4.2.10: empty, 0-RTT accepted. */
  earlyData: boolean;
  /** RFC 8449. */
  recordSizeLimit: number | null;
  /** draft-ietf-tls-esni §7.1: the raw ECHEncryptedExtensions (retry_configs). */
  encryptedClientHello: Uint8Array | null;
  /** Types in `others`. Decode only. */
  unknown: number[];
}

/** RFC 8446 §4.3.1 EncryptedExtensions. */
export interface EncryptedExtensions {
  extensions: EncryptedExtensionsExtensions;
}

/** An EncryptedExtensionsExtensions with nothing set. */
export function emptyEncryptedExtensionsExtensions(): EncryptedExtensionsExtensions {
  return {
    serverName: false,
    supportedGroups: null,
    alpn: null,
    earlyData: false,
    recordSizeLimit: null,
    encryptedClientHello: null,
    order: [],
    others: [],
    unknown: [],
  };
}

/**
 * Decodes an EncryptedExtensions body: extensions<0..2^16-1>. The result aliases `body`.
 * @throws ERR_TLS_DECODE_* (decode_error); ERR_TLS_DECODE_DUPLICATE_EXTENSION,
 *   ERR_TLS_PEER_MISPLACED_EXTENSION, ERR_TLS_DECODE_ILLEGAL_VALUE (illegal_parameter).
 */
export function decodeEncryptedExtensions(body: Uint8Array): EncryptedExtensions {
  const r = new Reader(body);
  const ext = emptyEncryptedExtensionsExtensions();
  const block = r.vec16('EncryptedExtensions.extensions', 0, 0xffff);
  while (block.remaining() > 0) {
    const type = block.u16('Extension.extension_type');
    const b = readExtensionBody(block, type);
    noteExtension(ext.order, type, ExtensionContext.EncryptedExtensions);
    switch (type) {
      case E.ServerName: ext.serverName = readEmpty(b, type); break;
      case E.SupportedGroups: ext.supportedGroups = readU16List(b, 'named_group_list', 2, 0xffff); b.finish('supported_groups'); break;
      case E.ApplicationLayerProtocolNegotiation: ext.alpn = readSelectedProtocol(b); b.finish('application_layer_protocol_negotiation'); break;
      case E.EarlyData: ext.earlyData = readEmpty(b, type); break;
      case E.RecordSizeLimit: ext.recordSizeLimit = readRecordSizeLimit(b); break;
      case E.EncryptedClientHello: ext.encryptedClientHello = b.rest(); break;
      default:
        ext.others.push({ type, body: b.rest() });
        ext.unknown.push(type);
    }
  }
  block.finish('EncryptedExtensions.extensions');
  r.finish('EncryptedExtensions');
  return { extensions: ext };
}

const canonicalOrder: readonly number[] = [
  E.ServerName, E.SupportedGroups, E.ApplicationLayerProtocolNegotiation, E.RecordSizeLimit, E.EarlyData, E.EncryptedClientHello,
];

function writeField(w: Writer, ext: EncryptedExtensionsExtensions, type: number): boolean {
  let m: number;
  switch (type) {
    case E.ServerName:
      if (!ext.serverName) return false;
      w.u16(type).u16(0); return true;
    case E.SupportedGroups:
      if (ext.supportedGroups === null) return false;
      m = startExtension(w, type); writeU16List(w, ext.supportedGroups); w.end16(m); return true;
    case E.ApplicationLayerProtocolNegotiation:
      if (ext.alpn === null) return false;
      m = startExtension(w, type); writeProtocolNameList(w, [ext.alpn]); w.end16(m); return true;
    case E.EarlyData:
      if (!ext.earlyData) return false;
      w.u16(type).u16(0); return true;
    case E.RecordSizeLimit:
      if (ext.recordSizeLimit === null) return false;
      w.u16(type).u16(2).u16(ext.recordSizeLimit); return true;
    case E.EncryptedClientHello:
      if (ext.encryptedClientHello === null) return false;
      w.u16(type).opaque16(ext.encryptedClientHello); return true;
  }
  return false;
}

/**
 * Encodes a complete EncryptedExtensions message (header included).
 * @throws ERR_TLS_INTERNAL when `order` lists a type without value or a length overflows.
 */
export function encodeEncryptedExtensions(w: Writer, ee: EncryptedExtensions): void {
  const m = startHandshake(w, HandshakeType.EncryptedExtensions);
  const block = w.start16();
  writeExtensionsInOrder(w, ee.extensions, canonicalOrder, writeField, 'EncryptedExtensions');
  w.end16(block);
  endHandshake(w, m);
}
