/**
 * RFC 8879 certificate compression, the engine's side: config validation, choosing an
 * algorithm, building our (possibly compressed) Certificate message with a per-certificate
 * cache, and decompressing the peer's CompressedCertificate within a size bound. The
 * algorithms themselves come from the provider (`CryptoProvider.certificateCompressors`):
 * core cannot reach a compression library.
 */
import { type Certificate, type CertificateEntryExtensions, decodeCertificate, encodeCertificate } from './codec/certificate.ts';
import { CertificateCompressionAlgorithm, ExtensionType } from './codec/codepoints.ts';
import { decodeCompressedCertificate, encodeCompressedCertificate } from './codec/compressed-certificate.ts';
import { Writer } from './codec/writer.ts';
import type { CertificateCompressionInfo } from './conn/api.ts';
import type { CertificateCompressor, CryptoProvider } from './crypto/provider.ts';
import { TlsProtocolError, TlsUsageError } from './errors.ts';

/**
 * The default preference order: brotli, then zlib, as rustls (`compress::
 * default_cert_compressors()`: "we especially recommend brotli as it has the widest deployment
 * so far"). zstd is used only when configured explicitly.
 */
export const DEFAULT_CERTIFICATE_COMPRESSION: readonly number[] = [CertificateCompressionAlgorithm.Brotli, CertificateCompressionAlgorithm.Zlib];

/**
 * Largest Certificate message body we accept from a CompressedCertificate by default: 64 KiB,
 * rustls' CERTIFICATE_MAX_SIZE_LIMIT and the bound our handshake joiner puts on an
 * uncompressed Certificate, so compression does not let a peer make us hold more.
 */
export const DEFAULT_MAX_DECOMPRESSED_CERTIFICATE_SIZE = 0x10000;

/** RFC 8879 §4: uncompressed_length is a uint24. */
const MAX_UINT24 = 0xffffff;

const algorithmNames: Readonly<Record<string, number>> = {
  zlib: CertificateCompressionAlgorithm.Zlib,
  brotli: CertificateCompressionAlgorithm.Brotli,
  zstd: CertificateCompressionAlgorithm.Zstd,
};

/** `zlib`, `brotli`, `zstd`, or `0x....` for other code points. */
export function certificateCompressionName(algorithm: number): string {
  for (const k in algorithmNames) if (algorithmNames[k] === algorithm) return k;
  return '0x' + algorithm.toString(16).padStart(4, '0');
}

/** The code point for `zlib`, `brotli` or `zstd` (case-insensitive), or null. */
export function certificateCompressionAlgorithm(name: string): number | null {
  return algorithmNames[name.toLowerCase()] ?? null;
}

/** The validated compression part of a client or server config. */
export interface CompressionSettings {
  /** Our algorithms in preference order; empty: compression off. */
  readonly certificateCompression: readonly CertificateCompressor[];
  /** Largest uncompressed_length we accept from the peer. */
  readonly maxDecompressedCertificateSize: number;
}

/**
 * Validates `certificateCompression` and `maxDecompressedCertificateSize` against the
 * provider. Absent: `DEFAULT_CERTIFICATE_COMPRESSION` filtered to what the provider has.
 * @throws TlsUsageError ERR_TLS_CONFIG for an algorithm the provider lacks, a duplicate, or a
 *   size outside 4..2^24-1.
 */
export function validateCompression(
  provider: CryptoProvider,
  option: readonly number[] | 'none' | undefined,
  maxSize: number | undefined,
  side: 'client' | 'server',
): CompressionSettings {
  const available = provider.certificateCompressors ?? [];
  const max = maxSize ?? DEFAULT_MAX_DECOMPRESSED_CERTIFICATE_SIZE;
  // A Certificate body is at least 4 bytes (context length, list length).
  if (!Number.isInteger(max) || max < 4 || max > MAX_UINT24) {
    throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: maxDecompressedCertificateSize ${String(max)} is not an integer in 4..16777215`);
  }
  if (option === 'none') return { certificateCompression: [], maxDecompressedCertificateSize: max };
  if (option === undefined) {
    const chosen: CertificateCompressor[] = [];
    for (const a of DEFAULT_CERTIFICATE_COMPRESSION) {
      const c = available.find((x) => x.algorithm === a);
      if (c !== undefined) chosen.push(c);
    }
    return { certificateCompression: chosen, maxDecompressedCertificateSize: max };
  }
  if (!Array.isArray(option)) {
    throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: certificateCompression must be an array of algorithm code points or "none"`);
  }
  const chosen: CertificateCompressor[] = [];
  for (const a of option) {
    const c = available.find((x) => x.algorithm === a);
    if (c === undefined) {
      const have = available.map((x) => certificateCompressionName(x.algorithm)).join(', ') || 'none';
      throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: certificate compression ${certificateCompressionName(Number(a))} is not offered by provider ${provider.name} (it has: ${have})`);
    }
    if (chosen.includes(c)) {
      throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: certificate compression ${certificateCompressionName(a)} is listed twice`);
    }
    chosen.push(c);
  }
  return { certificateCompression: chosen, maxDecompressedCertificateSize: max };
}

/** Our most preferred compressor among the algorithms the peer offered, or null (RFC 8879 §3). */
export function chooseCompressor(ours: readonly CertificateCompressor[], offered: readonly number[] | null): CertificateCompressor | null {
  if (offered === null) return null;
  for (const c of ours) if (offered.includes(c.algorithm)) return c;
  return null;
}

/** Our Certificate message as it goes on the wire and into the transcript. */
export interface EncodedCertificate {
  /** The complete handshake message (header included); shared when cached: never mutate. */
  readonly bytes: Uint8Array;
  /** How it was compressed, or null when it is a plain Certificate. */
  readonly info: CertificateCompressionInfo | null;
}

/** One cached Certificate message and what it was built from (compared by identity on a hit). */
interface CachedCertificate {
  readonly chain: readonly Uint8Array[];
  readonly ocsp: Uint8Array | null;
  readonly encoded: EncodedCertificate;
}

/** Stands for "no compression" as a cache key. */
const PLAIN = {};

/**
 * Encoded Certificate messages per certificate object (usually the CertifiedKey), then per
 * compressor (or none): a chain is encoded and compressed once, not per handshake (as rustls'
 * CompressionCache). Keyed weakly: a CertifiedKey the user drops frees its entries. At most two
 * entries per certificate and compressor (with and without the stapled OCSP response).
 */
const cache = new WeakMap<object, Map<object, CachedCertificate[]>>();

function sameRefs(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] || a[i]!.length !== b[i]!.length) return false;
  return true;
}

const noEntryExtensions = (): CertificateEntryExtensions => ({ statusRequest: null, signedCertificateTimestamp: null, order: [], others: [], unknown: [] });

/**
 * Encodes our Certificate (RFC 8446 §4.4.2) for `chain`, end-entity first, with an empty
 * certificate_request_context; `ocsp` (non-empty) is stapled in the end-entity's
 * CertificateEntry (§4.4.2.1). As a CompressedCertificate (RFC 8879 §4) when `compressor` is
 * non-null: the compressed bytes are the Certificate message body (no handshake header).
 * `cacheOwner` (usually the CertifiedKey) keys the cache; null disables it. A hit needs the same
 * chain elements and OCSP response (the same objects: replace a CertifiedKey's certificates or
 * response to change them, never rewrite their bytes in place). A compressor that throws, or
 * output that does not fit, falls back to the plain Certificate: compression is optional for
 * the sender.
 */
export function encodeOwnCertificate(chain: readonly Uint8Array[], ocsp: Uint8Array | null, compressor: CertificateCompressor | null, cacheOwner: object | null): EncodedCertificate {
  const staple = ocsp !== null && ocsp.length > 0 ? ocsp : null;
  const slot = compressor ?? PLAIN;
  const entries = cacheOwner === null ? undefined : cache.get(cacheOwner)?.get(slot);
  if (entries !== undefined) {
    for (const e of entries) if (e.ocsp === staple && sameRefs(e.chain, chain)) return e.encoded;
  }

  const cert: Certificate = {
    certificateRequestContext: new Uint8Array(0),
    certificateList: chain.map((c) => ({ certData: c, extensions: noEntryExtensions() })),
  };
  if (staple !== null && cert.certificateList.length > 0) {
    const ee = cert.certificateList[0]!.extensions;
    ee.statusRequest = staple;
    ee.order = [ExtensionType.StatusRequest];
  }
  const w = new Writer(1024);
  encodeCertificate(w, cert);
  const plain = w.toBytes();
  let result: EncodedCertificate = { bytes: plain, info: null };
  if (compressor !== null) {
    const body = plain.subarray(4);
    let compressed: Uint8Array | null = null;
    try {
      compressed = compressor.compress(body);
    } catch {
      compressed = null;
    }
    if (compressed !== null && compressed.length >= 1 && compressed.length <= MAX_UINT24 && body.length <= MAX_UINT24) {
      const cw = new Writer(compressed.length + 16);
      encodeCompressedCertificate(cw, { algorithm: compressor.algorithm, uncompressedLength: body.length, compressedCertificateMessage: compressed });
      result = {
        bytes: cw.toBytes(),
        info: { algorithm: compressor.algorithm, algorithmName: certificateCompressionName(compressor.algorithm), compressedLength: compressed.length, uncompressedLength: body.length },
      };
    }
  }
  if (cacheOwner !== null) {
    let bySlot = cache.get(cacheOwner);
    if (bySlot === undefined) cache.set(cacheOwner, (bySlot = new Map()));
    // Two variants per slot (stapled or not); a replaced chain or response evicts the oldest.
    const list = (bySlot.get(slot) ?? []).filter((e) => e.ocsp !== staple || !sameRefs(e.chain, chain));
    list.push({ chain: chain.slice(), ocsp: staple, encoded: result });
    if (list.length > 2) list.shift();
    bySlot.set(slot, list);
  }
  return result;
}

/**
 * Decompressed peer Certificate bodies seen recently (a client meets the same server chain
 * again and again): an entry is used only for byte-identical compressed input with the same
 * compressor object and claimed length, so a hit returns exactly what decompression would. Bounded in
 * entries and size; only successes are kept.
 */
interface DecompressedEntry {
  /** The compressor that produced `out` (a custom one never answers for another). */
  readonly compressor: CertificateCompressor;
  readonly compressed: Uint8Array;
  readonly out: Uint8Array;
}
const DECOMPRESSED_ENTRIES = 8;
const DECOMPRESSED_MAX_SIZE = 0x8000;
const decompressed: DecompressedEntry[] = [];

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function findDecompressed(compressor: CertificateCompressor, compressed: Uint8Array, length: number): Uint8Array | null {
  for (let i = 0; i < decompressed.length; i++) {
    const e = decompressed[i]!;
    if (e.compressor !== compressor || e.out.length !== length || !sameBytes(e.compressed, compressed)) continue;
    if (i !== decompressed.length - 1) {
      decompressed.splice(i, 1);
      decompressed.push(e); // most recently used last
    }
    return e.out;
  }
  return null;
}

function rememberDecompressed(compressor: CertificateCompressor, compressed: Uint8Array, out: Uint8Array): void {
  if (out.length > DECOMPRESSED_MAX_SIZE || compressed.length > DECOMPRESSED_MAX_SIZE) return;
  decompressed.push({ compressor, compressed: compressed.slice(), out });
  if (decompressed.length > DECOMPRESSED_ENTRIES) decompressed.shift();
}

/** The peer's certificate, decompressed. */
export interface DecompressedCertificate {
  /**
   * Aliases a buffer that may be shared with other connections (a cache of recent chains), not
   * the record buffer: copy what you keep, never mutate it.
   */
  readonly certificate: Certificate;
  readonly info: CertificateCompressionInfo;
}

/**
 * Decodes a CompressedCertificate body from `peer` and decompresses it (RFC 8879 §4).
 * @throws ERR_TLS_PEER_ILLEGAL_PARAMETER (illegal_parameter) for an algorithm we did not
 *   offer; ERR_TLS_PEER_BAD_COMPRESSED_CERTIFICATE (bad_certificate) when uncompressed_length
 *   is 0 or above `maxSize`, the data does not decompress, or decompresses to another length;
 *   ERR_TLS_DECODE_* for a malformed message or decompressed Certificate.
 */
export function decompressPeerCertificate(body: Uint8Array, offered: readonly CertificateCompressor[], maxSize: number, peer: 'server' | 'client'): DecompressedCertificate {
  const cc = decodeCompressedCertificate(body);
  const name = certificateCompressionName(cc.algorithm);
  const compressor = offered.find((c) => c.algorithm === cc.algorithm);
  if (compressor === undefined) {
    const ours = offered.map((c) => certificateCompressionName(c.algorithm)).join(', ');
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `${peer} CompressedCertificate uses ${name}; we offered ${ours} (RFC 8879 §4)`);
  }
  // A decompression bomb is refused before any work: the claimed size is bounded first, and
  // the provider may not produce more than the claimed size.
  if (cc.uncompressedLength === 0 || cc.uncompressedLength > maxSize) {
    throw new TlsProtocolError('ERR_TLS_PEER_BAD_COMPRESSED_CERTIFICATE', `${peer} CompressedCertificate claims uncompressed_length ${cc.uncompressedLength}: expected 1..${maxSize} bytes`);
  }
  let out = findDecompressed(compressor, cc.compressedCertificateMessage, cc.uncompressedLength);
  if (out === null) {
    try {
      out = compressor.decompress(cc.compressedCertificateMessage, cc.uncompressedLength);
    } catch (e) {
      throw new TlsProtocolError('ERR_TLS_PEER_BAD_COMPRESSED_CERTIFICATE', `${peer} CompressedCertificate (${name}) does not decompress to the ${cc.uncompressedLength} bytes uncompressed_length claims`, { cause: e });
    }
    // RFC 8879 §4: "If, after decompression, the specified length does not match the actual
    // length, the party receiving the invalid message MUST abort ... with bad_certificate."
    if (out.length !== cc.uncompressedLength) {
      throw new TlsProtocolError('ERR_TLS_PEER_BAD_COMPRESSED_CERTIFICATE', `${peer} CompressedCertificate (${name}) decompressed to ${out.length} bytes, but uncompressed_length is ${cc.uncompressedLength}`);
    }
    // Kept only once it decodes: a malformed Certificate is never cached.
    const certificate = decodeCertificate(out);
    rememberDecompressed(compressor, cc.compressedCertificateMessage, out);
    return { certificate, info: { algorithm: cc.algorithm, algorithmName: name, compressedLength: cc.compressedCertificateMessage.length, uncompressedLength: cc.uncompressedLength } };
  }
  return {
    certificate: decodeCertificate(out),
    info: { algorithm: cc.algorithm, algorithmName: name, compressedLength: cc.compressedCertificateMessage.length, uncompressedLength: cc.uncompressedLength },
  };
}
