/**
 * RFC 8879 certificate compression, the engine's side: config validation, choosing an
 * algorithm, building our (possibly compressed) Certificate message with a per-certificate
 * cache, and decompressing the peer's CompressedCertificate within a size bound. The
 * algorithms themselves come from the provider (`CryptoProvider.certificateCompressors`):
 * core cannot reach a compression library.
 */
import { type Certificate, decodeCertificate, encodeCertificate } from './codec/certificate.ts';
import { CertificateCompressionAlgorithm } from './codec/codepoints.ts';
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

/**
 * Compressed messages per certificate object, then per compressor and variant, so a chain is
 * compressed once per algorithm, not per handshake. Keyed weakly: a CertifiedKey the user
 * drops frees its entries. At most (compressors x variants) entries per certificate.
 */
const cache = new WeakMap<object, Map<CertificateCompressor, Map<number, EncodedCertificate>>>();

/**
 * Encodes our Certificate (RFC 8446 §4.4.2), as a CompressedCertificate (RFC 8879 §4) when
 * `compressor` is non-null: the compressed bytes are the Certificate message body (no
 * handshake header). `cacheOwner` (usually the CertifiedKey) with `variant` (anything else
 * that changes the message, e.g. whether OCSP is stapled) keys the cache; null disables it.
 * A compressor that throws, or output that does not fit, falls back to the plain Certificate:
 * compression is optional for the sender.
 */
export function encodeOwnCertificate(cert: Certificate, compressor: CertificateCompressor | null, cacheOwner: object | null, variant: number): EncodedCertificate {
  const perOwner = cacheOwner === null || compressor === null ? undefined : cache.get(cacheOwner)?.get(compressor);
  const hit = perOwner?.get(variant);
  if (hit !== undefined) return hit;

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
  if (cacheOwner !== null && compressor !== null) {
    let byCompressor = cache.get(cacheOwner);
    if (byCompressor === undefined) cache.set(cacheOwner, (byCompressor = new Map()));
    let byVariant = byCompressor.get(compressor);
    if (byVariant === undefined) byCompressor.set(compressor, (byVariant = new Map()));
    byVariant.set(variant, result);
  }
  return result;
}

/** The peer's certificate, decompressed. */
export interface DecompressedCertificate {
  /** Aliases a fresh buffer the engine owns (not the record buffer). */
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
  let out: Uint8Array;
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
  return {
    certificate: decodeCertificate(out),
    info: { algorithm: cc.algorithm, algorithmName: name, compressedLength: cc.compressedCertificateMessage.length, uncompressedLength: cc.uncompressedLength },
  };
}
