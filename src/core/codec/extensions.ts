/**
 * Extension bodies shared by the hello and post-hello messages (RFC 8446 §4.2, RFC 6066,
 * RFC 7301, RFC 8422, RFC 7627, RFC 5746, RFC 5077, RFC 8449, RFC 8879), the §4.2 placement
 * table, and the per-block bookkeeping (duplicates, placement). Readers take a `Reader`
 * bounded to one extension body and reject trailing bytes; writers write the body only.
 * Every view returned aliases the input buffer.
 */
import { TlsDecodeError, TlsError, TlsProtocolError } from '../errors.ts';
import { ExtensionType, codePointName } from './codepoints.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

const E = ExtensionType;

/** An extension this codec keeps as raw bytes (unknown, GREASE, or not modelled). */
export interface RawExtension {
  readonly type: number;
  /** extension_data; a view of the input when decoded. */
  readonly body: Uint8Array;
}

/** RFC 8446 §4.2.8 KeyShareEntry. */
export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

/** RFC 8446 §4.2.11 PskIdentity. */
export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}

/** RFC 8446 §4.2.11 OfferedPsks: one binder per identity, same order. */
export interface OfferedPsks {
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
}

/** RFC 8446 §4.2.5 OIDFilter: DER OID (without tag/length) and DER extension values. */
export interface OidFilter {
  readonly oid: Uint8Array;
  readonly values: Uint8Array;
}

/**
 * The messages an extension may appear in, as bits (RFC 8446 §4.2 table: CH, SH, EE, CT, CR,
 * NST, HRR), plus the TLS 1.2 ServerHello (RFC 5246 §7.4.1.4), which carries the TLS 1.2
 * extensions and none of the TLS 1.3-only ones.
 */
export const ExtensionContext = {
  ClientHello: 1,
  ServerHello: 2,
  EncryptedExtensions: 4,
  Certificate: 8,
  CertificateRequest: 16,
  NewSessionTicket: 32,
  HelloRetryRequest: 64,
  Tls12ServerHello: 128,
} as const;

const CH = 1, SH = 2, EE = 4, CT = 8, CR = 16, NST = 32, HRR = 64, SH12 = 128;

/**
 * Where each known extension may appear. RFC 8446 §4.2 for the TLS 1.3 ones; the TLS 1.2
 * ServerHello column follows the defining RFCs (RFC 6066, 7301, 8422, 7627, 5746, 5077, 7366,
 * 8449). compress_certificate: RFC 8879 §3 (CH, CR). encrypted_client_hello:
 * draft-ietf-tls-esni §5, §7 (CH, EE, HRR). Types not listed here are unknown to the codec.
 */
const placement = new Map<number, number>([
  [E.ServerName, CH | EE | SH12],
  [E.MaxFragmentLength, CH | EE | SH12],
  [E.StatusRequest, CH | CR | CT | SH12],
  [E.SupportedGroups, CH | EE],
  [E.EcPointFormats, CH | SH12],
  [E.SignatureAlgorithms, CH | CR],
  [E.UseSrtp, CH | EE | SH12],
  [E.Heartbeat, CH | EE | SH12],
  [E.ApplicationLayerProtocolNegotiation, CH | EE | SH12],
  [E.SignedCertificateTimestamp, CH | CR | CT | SH12],
  [E.ClientCertificateType, CH | EE | SH12],
  [E.ServerCertificateType, CH | EE | SH12],
  [E.Padding, CH],
  [E.EncryptThenMac, CH | SH12],
  [E.ExtendedMasterSecret, CH | SH12],
  [E.CompressCertificate, CH | CR],
  [E.RecordSizeLimit, CH | EE | SH12],
  [E.SessionTicket, CH | SH12],
  [E.PreSharedKey, CH | SH],
  [E.EarlyData, CH | EE | NST],
  [E.SupportedVersions, CH | SH | HRR],
  [E.Cookie, CH | HRR],
  [E.PskKeyExchangeModes, CH],
  [E.CertificateAuthorities, CH | CR],
  [E.OidFilters, CR],
  [E.PostHandshakeAuth, CH],
  [E.SignatureAlgorithmsCert, CH | CR],
  [E.KeyShare, CH | SH | HRR],
  [E.EncryptedClientHello, CH | EE | HRR],
  [E.EchOuterExtensions, CH],
  [E.RenegotiationInfo, CH | SH12],
]);

const contextNames: Record<number, string> = {
  [CH]: 'ClientHello',
  [SH]: 'ServerHello',
  [EE]: 'EncryptedExtensions',
  [CT]: 'Certificate',
  [CR]: 'CertificateRequest',
  [NST]: 'NewSessionTicket',
  [HRR]: 'HelloRetryRequest',
  [SH12]: 'TLS 1.2 ServerHello',
};

/** The RFC name of an extension type for messages, e.g. `KeyShare`, or `0x....`. */
export function extensionName(type: number): string {
  return codePointName(ExtensionType, type);
}

/** True when the codec knows `type` (it appears in the placement table). */
export function isKnownExtension(type: number): boolean {
  return placement.has(type);
}

/** True when a known extension `type` may appear in `context` (an `ExtensionContext` bit). */
export function isAllowedIn(type: number, context: number): boolean {
  const p = placement.get(type);
  return p !== undefined && (p & context) !== 0;
}

/**
 * Bookkeeping for one extension block: records `type` in `order`, rejects a duplicate
 * (RFC 8446 §4.2) and a known extension outside its messages (§4.2 table). Returns whether
 * the type is known.
 * @throws ERR_TLS_DECODE_DUPLICATE_EXTENSION, ERR_TLS_PEER_MISPLACED_EXTENSION (both illegal_parameter).
 */
export function noteExtension(order: number[], type: number, context: number): boolean {
  // Blocks are small (a ClientHello has ~20), so a linear scan beats a Set allocation.
  for (let i = 0; i < order.length; i++) {
    if (order[i] === type) {
      throw new TlsDecodeError(
        'ERR_TLS_DECODE_DUPLICATE_EXTENSION',
        `${contextNames[context]}: extension ${extensionName(type)} appears twice, expected at most once`,
      );
    }
  }
  order.push(type);
  const p = placement.get(type);
  if (p === undefined) return false;
  if ((p & context) === 0) {
    throw new TlsProtocolError(
      'ERR_TLS_PEER_MISPLACED_EXTENSION',
      `extension ${extensionName(type)} is not allowed in ${contextNames[context]}`,
    );
  }
  return true;
}

/** Reads an extension header and returns a reader bounded to its body (extension_data<0..2^16-1>). */
export function readExtensionBody(block: Reader, type: number): Reader {
  // The name is only for error messages: look it up when the body does not fit.
  return block.vec16(block.fits16() ? 'extension_data' : extensionName(type), 0, 0xffff);
}

/** Opens an extension: writes the type and a 2-byte length; close with `w.end16(mark)`. */
export function startExtension(w: Writer, type: number): number {
  w.u16(type);
  return w.start16();
}

/** Writes an extension with a raw body. */
export function writeRawExtension(w: Writer, e: RawExtension): void {
  w.u16(e.type).opaque16(e.body);
}

function badValue(message: string): TlsDecodeError {
  return new TlsDecodeError('ERR_TLS_DECODE_BAD_VALUE', message);
}

/** An extension whose extension_data must be empty (e.g. early_data in CH/EE, extended_master_secret). */
export function readEmpty(r: Reader, type: number): true {
  if (r.remaining() !== 0) r.finish(extensionName(type));
  return true;
}

/** A list of uint16 in a `<min..max>` vector with a 2-byte length; the length must be even. */
export function readU16List(r: Reader, field: string, min: number, max: number): number[] {
  const list = r.vec16(field, min, max);
  return readU16Items(list, field);
}

/** The same with a 1-byte length (supported_versions in CH, compress_certificate). */
export function readU16List8(r: Reader, field: string, min: number, max: number): number[] {
  const list = r.vec8(field, min, max);
  return readU16Items(list, field);
}

function readU16Items(list: Reader, field: string): number[] {
  const n = list.remaining();
  if ((n & 1) !== 0) {
    throw new TlsDecodeError('ERR_TLS_DECODE_LENGTH', `${field}: odd length ${n}, expected a list of 2-byte values`);
  }
  const out: number[] = new Array<number>(n >> 1);
  for (let i = 0; i < out.length; i++) out[i] = list.u16(field);
  return out;
}

/** A list of uint8 in a vector with a 1-byte length. */
export function readU8List(r: Reader, field: string, min: number, max: number): number[] {
  const list = r.opaque8(field, min, max);
  const out: number[] = [];
  for (let i = 0; i < list.length; i++) out.push(list[i]!);
  return out;
}

export function writeU16List(w: Writer, values: readonly number[]): void {
  const m = w.start16();
  for (const v of values) w.u16(v);
  w.end16(m);
}

export function writeU16List8(w: Writer, values: readonly number[]): void {
  const m = w.start8();
  for (const v of values) w.u16(v);
  w.end8(m);
}

export function writeU8List(w: Writer, values: readonly number[]): void {
  const m = w.start8();
  for (const v of values) w.u8(v);
  w.end8(m);
}

/**
 * RFC 6066 §3 server_name in a ClientHello: ServerNameList server_name_list<1..2^16-1>.
 *
 * Q: what do we accept? A: exactly one entry of name_type host_name (0). Other name types have
 * no defined syntax (the RFC's `select` has no length for them) and the list "MUST NOT contain
 * more than one name of the same name_type", so anything else is decode_error. HostName is
 * "ASCII ... without a trailing dot" and must not be an IP literal: the codec rejects bytes
 * that cannot be in any ASCII host name (NUL, controls, space, DEL, non-ASCII) with
 * decode_error, and returns the rest as a string; DNS syntax, trailing dots and IP literals
 * are the engine's name policy (rustls ignores an IP-literal SNI for compatibility).
 */
export function readServerNameList(r: Reader): string {
  const list = r.vec16('server_name_list', 1, 0xffff);
  const nameType = list.u8('ServerName.name_type');
  if (nameType !== 0) throw badValue(`server_name: name_type ${nameType}, expected host_name (0)`);
  const name = list.opaque16('HostName', 1, 0xffff);
  if (list.remaining() > 0) throw badValue('server_name: more than one ServerName entry, expected one host_name');
  list.finish('server_name_list');
  r.finish('server_name');
  let s = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c <= 0x20 || c >= 0x7f) throw badValue(`server_name: byte 0x${c.toString(16).padStart(2, '0')} at ${i}, expected printable ASCII`);
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * Writes a server_name body with one host_name.
 * @throws ERR_TLS_USAGE for an empty or non-printable-ASCII name.
 */
export function writeServerNameList(w: Writer, name: string): void {
  if (name.length === 0 || name.length > 0xfffa) throw new TlsError('ERR_TLS_USAGE', `server_name: length ${name.length}, expected 1..65530`);
  const outer = w.start16();
  w.u8(0);
  w.u16(name.length);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) throw new TlsError('ERR_TLS_USAGE', `server_name: character code ${c} at ${i}, expected printable ASCII`);
    w.u8(c);
  }
  w.end16(outer);
}

/** RFC 7301 §3.1 ProtocolNameList protocol_name_list<2..2^16-1>, ProtocolName<1..2^8-1>. */
export function readProtocolNameList(r: Reader): Uint8Array[] {
  const list = r.vec16('protocol_name_list', 2, 0xffff);
  const out: Uint8Array[] = [];
  while (list.remaining() > 0) out.push(list.opaque8('ProtocolName', 1, 0xff));
  list.finish('protocol_name_list');
  return out;
}

/** RFC 7301 §3.1: in ServerHello/EncryptedExtensions the list "MUST contain exactly one" name. */
export function readSelectedProtocol(r: Reader): Uint8Array {
  const list = readProtocolNameList(r);
  if (list.length !== 1) throw badValue(`application_layer_protocol_negotiation: ${list.length} protocols from the server, expected exactly one`);
  return list[0]!;
}

export function writeProtocolNameList(w: Writer, names: readonly Uint8Array[]): void {
  const m = w.start16();
  for (const n of names) w.opaque8(n);
  w.end16(m);
}

/** RFC 8446 §4.2.8 KeyShareClientHello: client_shares<0..2^16-1>, key_exchange<1..2^16-1>. */
export function readClientShares(r: Reader): KeyShareEntry[] {
  const list = r.vec16('client_shares', 0, 0xffff);
  const shares: KeyShareEntry[] = [];
  while (list.remaining() > 0) shares.push(readKeyShareEntry(list));
  list.finish('client_shares');
  return shares;
}

/** One KeyShareEntry (the whole body of key_share in a ServerHello). */
export function readKeyShareEntry(r: Reader): KeyShareEntry {
  const group = r.u16('KeyShareEntry.group');
  return { group, keyExchange: r.opaque16('KeyShareEntry.key_exchange', 1, 0xffff) };
}

export function writeKeyShareEntry(w: Writer, e: KeyShareEntry): void {
  w.u16(e.group).opaque16(e.keyExchange);
}

export function writeClientShares(w: Writer, shares: readonly KeyShareEntry[]): void {
  const m = w.start16();
  for (const s of shares) writeKeyShareEntry(w, s);
  w.end16(m);
}

/**
 * RFC 8446 §4.2.11 OfferedPsks: identities<7..2^16-1> (identity<1..2^16-1>, uint32 age) and
 * binders<33..2^16-1> (PskBinderEntry<32..255>). Also returns where the binders vector starts.
 * @throws ERR_TLS_DECODE_ILLEGAL_VALUE (illegal_parameter) when the counts differ: "one
 *   [binder] for each value in the identities list".
 */
export function readOfferedPsks(r: Reader): { psks: OfferedPsks; bindersStart: number } {
  const ids = r.vec16('OfferedPsks.identities', 7, 0xffff);
  const identities: PskIdentity[] = [];
  while (ids.remaining() > 0) {
    const identity = ids.opaque16('PskIdentity.identity', 1, 0xffff);
    identities.push({ identity, obfuscatedTicketAge: ids.u32('PskIdentity.obfuscated_ticket_age') });
  }
  ids.finish('OfferedPsks.identities');
  const bindersStart = r.pos;
  const bs = r.vec16('OfferedPsks.binders', 33, 0xffff);
  const binders: Uint8Array[] = [];
  while (bs.remaining() > 0) binders.push(bs.opaque8('PskBinderEntry', 32, 0xff));
  bs.finish('OfferedPsks.binders');
  r.finish('pre_shared_key');
  if (binders.length !== identities.length) {
    throw new TlsDecodeError('ERR_TLS_DECODE_ILLEGAL_VALUE', `pre_shared_key: ${identities.length} identities but ${binders.length} binders, expected one binder per identity`);
  }
  return { psks: { identities, binders }, bindersStart };
}

/** Writes OfferedPsks; returns the offset in `w` of the binders vector's 2-byte length. */
export function writeOfferedPsks(w: Writer, p: OfferedPsks): number {
  const m = w.start16();
  for (const id of p.identities) w.opaque16(id.identity).u32(id.obfuscatedTicketAge);
  w.end16(m);
  const bindersOffset = w.len;
  const b = w.start16();
  for (const binder of p.binders) w.opaque8(binder);
  w.end16(b);
  return bindersOffset;
}

/** RFC 8446 §4.2.4 CertificateAuthoritiesExtension: authorities<3..2^16-1>, DistinguishedName<1..2^16-1>. */
export function readCertificateAuthorities(r: Reader, field = 'certificate_authorities'): Uint8Array[] {
  const list = r.vec16(field, 3, 0xffff);
  const out: Uint8Array[] = [];
  while (list.remaining() > 0) out.push(list.opaque16('DistinguishedName', 1, 0xffff));
  list.finish(field);
  return out;
}

export function writeCertificateAuthorities(w: Writer, names: readonly Uint8Array[]): void {
  const m = w.start16();
  for (const n of names) w.opaque16(n);
  w.end16(m);
}

/**
 * RFC 6066 §8 CertificateStatusRequest in a ClientHello: status_type, then for ocsp(1)
 * responder_id_list<0..2^16-1> and request_extensions<0..2^16-1>. Returns the whole body (a
 * view): the engine only needs to know it was asked. Other status types have no defined
 * syntax: their bytes are kept unchecked.
 */
export function readStatusRequest(r: Reader): Uint8Array {
  const start = r.pos;
  const statusType = r.u8('CertificateStatusRequest.status_type');
  if (statusType === 1) {
    const ids = r.vec16('responder_id_list', 0, 0xffff);
    while (ids.remaining() > 0) ids.opaque16('ResponderID', 1, 0xffff);
    ids.finish('responder_id_list');
    r.opaque16('request_extensions', 0, 0xffff);
    r.finish('status_request');
  } else {
    r.rest();
  }
  return r.buf.subarray(start, r.end);
}

/** RFC 8446 §4.4.2.1 CertificateStatus in a CertificateEntry: status_type ocsp(1), OCSPResponse<1..2^24-1>. */
export function readCertificateStatus(r: Reader): Uint8Array {
  const statusType = r.u8('CertificateStatus.status_type');
  if (statusType !== 1) throw badValue(`status_request: status_type ${statusType}, expected ocsp (1)`);
  const resp = r.opaque24('OCSPResponse', 1, 0xffffff);
  r.finish('status_request');
  return resp;
}

export function writeCertificateStatus(w: Writer, ocspResponse: Uint8Array): void {
  w.u8(1).opaque24(ocspResponse);
}

/** RFC 8446 §4.2.5 OIDFilterExtension: filters<0..2^16-1>, OID<1..2^8-1>, values<0..2^16-1>. */
export function readOidFilters(r: Reader): OidFilter[] {
  const list = r.vec16('OIDFilterExtension.filters', 0, 0xffff);
  const out: OidFilter[] = [];
  while (list.remaining() > 0) {
    const oid = list.opaque8('OIDFilter.certificate_extension_oid', 1, 0xff);
    out.push({ oid, values: list.opaque16('OIDFilter.certificate_extension_values', 0, 0xffff) });
  }
  list.finish('OIDFilterExtension.filters');
  r.finish('oid_filters');
  return out;
}

export function writeOidFilters(w: Writer, filters: readonly OidFilter[]): void {
  const m = w.start16();
  for (const f of filters) w.opaque8(f.oid).opaque16(f.values);
  w.end16(m);
}

/** RFC 5746 §3.2 renegotiation_info: renegotiated_connection<0..255>. */
export function readRenegotiationInfo(r: Reader): Uint8Array {
  const v = r.opaque8('renegotiated_connection', 0, 0xff);
  r.finish('renegotiation_info');
  return v;
}

/**
 * RFC 8449 §4 record_size_limit: a uint16. "MUST NOT send ... a value smaller than 64 ...
 * MUST treat receipt of a smaller value as a fatal error ... illegal_parameter".
 */
export function readRecordSizeLimit(r: Reader): number {
  const v = r.u16('RecordSizeLimit');
  r.finish('record_size_limit');
  if (v < 64) throw new TlsDecodeError('ERR_TLS_DECODE_ILLEGAL_VALUE', `record_size_limit: ${v}, expected at least 64`);
  return v;
}

/**
 * RFC 7685 §3 padding: "The client MUST fill the padding extension completely with zero
 * bytes"; we hold the client to it (decode_error) and keep only the length.
 */
export function readPadding(r: Reader): number {
  const body = r.rest();
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== 0) throw badValue(`padding: byte ${i} is 0x${body[i]!.toString(16)}, expected zero`);
  }
  return body.length;
}

/** The common tail of every decoded extension set. */
export interface ExtensionBookkeeping {
  /** Every extension type as received, in order. */
  order: number[];
  /** Extensions without a field, with bodies (views when decoded). */
  others: RawExtension[];
}

/**
 * Writes an extension block's entries (not its length): first the types in `ext.order`, in
 * that order (from `writeField`, else from `others`), then the `others` that `order` does not
 * list, then the set fields `order` does not list, in `canonical` order. `writeField` writes
 * one whole extension (header included) and returns false when its field is unset.
 * @throws ERR_TLS_INTERNAL when `order` lists a type that has no value.
 */
export function writeExtensionsInOrder<X extends ExtensionBookkeeping>(
  w: Writer,
  ext: X,
  canonical: readonly number[],
  writeField: (w: Writer, ext: X, type: number) => boolean,
  what: string,
): void {
  for (const type of ext.order) {
    if (writeField(w, ext, type)) continue;
    const o = findOther(ext.others, type);
    if (o === null) throw new TlsError('ERR_TLS_INTERNAL', `${what}: order lists ${extensionName(type)} but it has no value`);
    writeRawExtension(w, o);
  }
  for (const o of ext.others) if (!ext.order.includes(o.type)) writeRawExtension(w, o);
  for (const type of canonical) if (!ext.order.includes(type)) writeField(w, ext, type);
}

function findOther(others: readonly RawExtension[], type: number): RawExtension | null {
  for (const o of others) if (o.type === type) return o;
  return null;
}

/**
 * Iterates the extension types of a block without decoding bodies and reports whether
 * `wanted` is among them (used to pick the ServerHello variant before the real decode).
 * Malformed blocks return false; the real decode reports them.
 */
export function blockHasExtension(r: Reader, wanted: number): boolean {
  const b = r.buf, end = r.end;
  let p = r.pos;
  if (end - p < 2) return false;
  const blockEnd = Math.min(end, p + 2 + ((b[p]! << 8) | b[p + 1]!));
  p += 2;
  while (blockEnd - p >= 4) {
    const type = (b[p]! << 8) | b[p + 1]!;
    if (type === wanted) return true;
    p += 4 + ((b[p + 2]! << 8) | b[p + 3]!);
  }
  return false;
}
