/**
 * RFC 8879 certificate compression with node:zlib: zlib (1), brotli (2), and zstd (3) where the
 * running Node has it (`zlib.zstdCompressSync`, Node 22.15+/23.8+; not Node 20).
 *
 * Decompression passes `maxOutputLength: expectedLength`, so node stops (and throws) as soon as
 * the output would pass the size the peer announced: a decompression bomb costs at most that
 * much memory, and the engine has already bounded it (64 KiB by default).
 */
import * as zlib from 'node:zlib';
import { CertificateCompressionAlgorithm } from '../../core/codec/codepoints.ts';
import type { CertificateCompressor } from '../../core/crypto/provider.ts';

type SyncCodec = (data: Uint8Array, options?: zlib.ZlibOptions | zlib.BrotliOptions) => Buffer;

function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

class NodeCompressor implements CertificateCompressor {
  readonly algorithm: number;
  readonly name: string;
  readonly compressFn: SyncCodec;
  readonly decompressFn: SyncCodec;
  readonly compressOptions: zlib.ZlibOptions | zlib.BrotliOptions;

  constructor(algorithm: number, name: string, compressFn: SyncCodec, decompressFn: SyncCodec, compressOptions: zlib.ZlibOptions | zlib.BrotliOptions) {
    this.algorithm = algorithm;
    this.name = name;
    this.compressFn = compressFn;
    this.decompressFn = decompressFn;
    this.compressOptions = compressOptions;
  }

  compress(data: Uint8Array): Uint8Array {
    return view(this.compressFn(data, this.compressOptions));
  }

  decompress(data: Uint8Array, expectedLength: number): Uint8Array {
    // Throws ERR_BUFFER_TOO_LARGE (a RangeError) when the output would exceed the bound.
    return view(this.decompressFn(data, { maxOutputLength: Math.max(1, expectedLength) }));
  }
}

/**
 * zlib (RFC 1950), level 9: certificates are compressed once per chain and cached by the
 * engine, so the best ratio is worth its cost.
 */
export const zlibCertificateCompressor: CertificateCompressor = new NodeCompressor(
  CertificateCompressionAlgorithm.Zlib, 'zlib', zlib.deflateSync, zlib.inflateSync, { level: 9 },
);

/** brotli (RFC 7932) at maximum quality, with a size hint. */
export const brotliCertificateCompressor: CertificateCompressor = new NodeCompressor(
  CertificateCompressionAlgorithm.Brotli, 'brotli', zlib.brotliCompressSync, zlib.brotliDecompressSync,
  { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY } },
);

interface ZstdApi {
  zstdCompressSync?: SyncCodec;
  zstdDecompressSync?: SyncCodec;
}

function makeZstd(): CertificateCompressor | null {
  // Feature detection: Node 20 has no zstd in node:zlib.
  const z = zlib as unknown as ZstdApi;
  if (typeof z.zstdCompressSync !== 'function' || typeof z.zstdDecompressSync !== 'function') return null;
  return new NodeCompressor(CertificateCompressionAlgorithm.Zstd, 'zstd', z.zstdCompressSync, z.zstdDecompressSync, {});
}

/** zstd (RFC 8878), or null when this Node has no `zlib.zstdCompressSync`. */
export const zstdCertificateCompressor: CertificateCompressor | null = makeZstd();

/** Every algorithm this Node can do, in code point order (preference comes from the config). */
export const nodeCertificateCompressors: readonly CertificateCompressor[] = Object.freeze(
  [zlibCertificateCompressor, brotliCertificateCompressor, zstdCertificateCompressor].filter((c): c is CertificateCompressor => c !== null),
);
