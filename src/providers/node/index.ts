/**
 * The node:crypto (OpenSSL) provider: the default on Node.js, FIPS-aware.
 *
 * In FIPS mode (`crypto.getFips()`), what a FIPS module does not approve is left out:
 * ChaCha20-Poly1305 suites, the X25519 group, and Ed25519/Ed448 signature verification.
 * Everything else (AES-GCM, P-256/P-384, ECDSA, RSA-PSS, RSA PKCS#1 v1.5 for certificates)
 * stays. X25519MLKEM768 goes with X25519; SecP256r1MLKEM768 and SecP384r1MLKEM1024 stay only
 * with node:crypto's ML-KEM (the @noble fallback is not a validated module).
 *
 * Key exchange: X25519MLKEM768 first by default (draft-ietf-tls-ecdhe-mlkem), then x25519,
 * secp256r1, secp384r1, as rustls. SecP256r1MLKEM768 and SecP384r1MLKEM1024 are supported
 * (`allKeyExchangeGroups`, so `groups: ['SecP256r1MLKEM768']` works) but not offered by
 * default, as rustls. ML-KEM runs on node:crypto when this Node has it (24.7+, OpenSSL 3.5),
 * else on @noble/post-quantum; `mlKem` forces one.
 */
import { getFips } from 'node:crypto';
import { SignatureScheme } from '../../core/codec/codepoints.ts';
import type { CipherSuiteDefinition, CryptoProvider, KeyExchangeGroup, SignatureVerifier, SigningKey } from '../../core/crypto/provider.ts';
import { TlsError } from '../../core/errors.ts';
import { nodeHashes } from './hash.ts';
import { secp256r1, secp384r1, x25519 } from './key-exchange.ts';
import { secp256r1MlKem768, secp384r1MlKem1024, x25519MlKem768 } from './hybrid.ts';
import { nodeMlKem1024, nodeMlKem768 } from './ml-kem.ts';
import { nobleMlKem1024, nobleMlKem768, type MlKem } from '../noble/ml-kem.ts';
import { fillRandom } from './random.ts';
import { NodeSignatureVerifier, schemeInfo } from './signatures.ts';
import { loadSigningKey } from './signing-key.ts';
import { allCipherSuites } from './suites.ts';
import { nodeCertificateCompressors } from './compression.ts';

export { sha256, sha384, sha512, nodeHashes } from './hash.ts';
export { aes128Gcm, aes256Gcm, chacha20Poly1305 } from './aead.ts';
export { x25519, secp256r1, secp384r1 } from './key-exchange.ts';
export { HybridGroup, HybridExchange, x25519MlKem768, secp256r1MlKem768, secp384r1MlKem1024, type HybridGroupSpec, type HybridOrder } from './hybrid.ts';
export { NodeMlKem, nodeMlKem768, nodeMlKem1024, bestMlKem768, bestMlKem1024 } from './ml-kem.ts';
export { NodeSignatureVerifier } from './signatures.ts';
export { loadSigningKey, NodeSigningKey } from './signing-key.ts';
export * from './suites.ts';
export { zlibCertificateCompressor, brotliCertificateCompressor, zstdCertificateCompressor, nodeCertificateCompressors } from './compression.ts';

/** The hybrid groups on one ML-KEM back end, built once per back end. */
interface HybridSet {
  readonly x25519MlKem768: KeyExchangeGroup;
  readonly secp256r1MlKem768: KeyExchangeGroup;
  readonly secp384r1MlKem1024: KeyExchangeGroup;
}
const hybridSets = new Map<string, HybridSet>();

function hybridSet(backend: 'node' | 'noble'): HybridSet | null {
  let set = hybridSets.get(backend);
  if (set === undefined) {
    const k768: MlKem | null = backend === 'node' ? nodeMlKem768() : nobleMlKem768;
    const k1024: MlKem | null = backend === 'node' ? nodeMlKem1024() : nobleMlKem1024;
    if (k768 === null || k1024 === null) return null;
    set = { x25519MlKem768: x25519MlKem768(k768), secp256r1MlKem768: secp256r1MlKem768(k768), secp384r1MlKem1024: secp384r1MlKem1024(k1024) };
    hybridSets.set(backend, set);
  }
  return set;
}

/**
 * Every group in preference order, and the default subset: rustls offers X25519MLKEM768 first
 * and leaves the NIST-curve hybrids out of its defaults; so do we.
 */
function groupLists(mlKem: 'auto' | 'node' | 'noble', fips: boolean): { all: KeyExchangeGroup[]; defaults: KeyExchangeGroup[] } {
  let hybrids: HybridSet | null;
  if (mlKem === 'node') {
    hybrids = hybridSet('node');
    if (hybrids === null) throw new TlsError('ERR_TLS_CONFIG', 'mlKem: "node" was asked for but this Node has no ML-KEM in node:crypto (needs Node 24.7+ with OpenSSL 3.5)');
  } else if (mlKem === 'noble') {
    hybrids = fips ? null : hybridSet('noble');
  } else {
    hybrids = hybridSet('node') ?? (fips ? null : hybridSet('noble'));
  }
  const defaults: KeyExchangeGroup[] = [];
  if (hybrids !== null && !fips) defaults.push(hybrids.x25519MlKem768);
  if (!fips) defaults.push(x25519);
  defaults.push(secp256r1, secp384r1);
  const all = [...defaults];
  if (hybrids !== null) all.push(hybrids.secp256r1MlKem768, hybrids.secp384r1MlKem1024);
  return { all, defaults };
}

/** Options for `createNodeProvider`. */
export interface NodeProviderOptions {
  /** Cipher suite code points to offer, in this order (default: all, rustls' order). */
  readonly cipherSuites?: readonly number[];
  /**
   * NamedGroup code points, in this order (default: X25519MLKEM768, x25519, secp256r1,
   * secp384r1). SecP256r1MLKEM768 and SecP384r1MLKEM1024 can be named here.
   */
  readonly keyExchangeGroups?: readonly number[];
  /**
   * Which ML-KEM back end the hybrid groups use: `'auto'` (default) node:crypto when this Node
   * has it, else @noble/post-quantum; `'node'` (throws ERR_TLS_CONFIG when unavailable);
   * `'noble'` (pure TypeScript; none in FIPS mode).
   */
  readonly mlKem?: 'auto' | 'node' | 'noble';
  /** SignatureScheme code points to verify (default: all). */
  readonly signatureSchemes?: readonly number[];
  /**
   * `'auto'` (default): follow `crypto.getFips()`. `'require'`: throw ERR_TLS_CONFIG unless
   * node runs in FIPS mode.
   */
  readonly fips?: 'auto' | 'require';
  /** How many imported public keys the verifier caches (default 64). */
  readonly publicKeyCacheSize?: number;
}

// FIPS 140-3 (OpenSSL 3 FIPS provider): no ChaCha20-Poly1305, X25519 or EdDSA.
const fipsForbiddenSchemes = new Set<number>([SignatureScheme.Ed25519, SignatureScheme.Ed448]);

function pick<T>(all: readonly T[], codeOf: (t: T) => number, wanted: readonly number[] | undefined, what: string): T[] {
  if (wanted === undefined) return [...all];
  return wanted.map((w) => {
    const t = all.find((x) => codeOf(x) === w);
    if (t === undefined) throw new TlsError('ERR_TLS_CONFIG', `${what} 0x${w.toString(16).padStart(4, '0')} is not supported by the node provider${getFips() ? ' in FIPS mode' : ''}`);
    return t;
  });
}

/**
 * Makes a node:crypto provider, optionally restricted to some suites, groups and schemes.
 * @throws ERR_TLS_CONFIG for an unknown (or, in FIPS mode, forbidden) code point, or for
 *   `fips: 'require'` outside FIPS mode.
 * @example
 * const provider = createNodeProvider({ cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256] });
 */
export function createNodeProvider(options: NodeProviderOptions = {}): CryptoProvider {
  const fips = getFips() === 1;
  if (options.fips === 'require' && !fips) throw new TlsError('ERR_TLS_CONFIG', 'FIPS mode was required but node:crypto is not in FIPS mode');
  const suites: readonly CipherSuiteDefinition[] = fips ? allCipherSuites.filter((s) => s.aead.name !== 'CHACHA20-POLY1305') : allCipherSuites;
  const groupList = groupLists(options.mlKem ?? 'auto', fips);
  const schemes = [...schemeInfo.keys()].filter((s) => !fips || !fipsForbiddenSchemes.has(s));
  const cipherSuites = Object.freeze(pick(suites, (s) => s.suite, options.cipherSuites, 'cipher suite'));
  const keyExchangeGroups = Object.freeze(options.keyExchangeGroups === undefined ? groupList.defaults : pick(groupList.all, (g) => g.group, options.keyExchangeGroups, 'group'));
  // Groups configs may name: with an explicit list, exactly it; else every supported group.
  const allKeyExchangeGroups = options.keyExchangeGroups === undefined ? Object.freeze(groupList.all) : keyExchangeGroups;
  const signatures: SignatureVerifier = new NodeSignatureVerifier(pick(schemes, (s) => s, options.signatureSchemes, 'signature scheme'), options.publicKeyCacheSize);
  return Object.freeze({
    name: fips ? 'node-fips' : 'node',
    fips,
    fillRandom,
    hashes: nodeHashes,
    cipherSuites,
    keyExchangeGroups,
    allKeyExchangeGroups,
    signatures,
    loadSigningKey(key: string | Uint8Array, passphrase?: string): SigningKey {
      const k = loadSigningKey(key, passphrase);
      if (fips && k.keyType === 'ed25519') throw new TlsError('ERR_TLS_CONFIG_BAD_KEY', 'Ed25519 keys are not allowed in FIPS mode');
      return k;
    },
    // RFC 8879: zlib, brotli and (Node 22.15+) zstd; the configs choose and order them.
    certificateCompressors: nodeCertificateCompressors,
  });
}

/** The ready node:crypto provider with every suite, group and scheme (less FIPS exclusions). */
export const nodeCryptoProvider: CryptoProvider = createNodeProvider();
