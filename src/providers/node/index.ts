/**
 * The node:crypto (OpenSSL) provider: the default on Node.js, FIPS-aware.
 *
 * In FIPS mode (`crypto.getFips()`), what a FIPS module does not approve is left out:
 * ChaCha20-Poly1305 suites, the X25519 group, and Ed25519/Ed448 signature verification.
 * Everything else (AES-GCM, P-256/P-384, ECDSA, RSA-PSS, RSA PKCS#1 v1.5 for certificates)
 * stays.
 */
import { getFips } from 'node:crypto';
import { NamedGroup, SignatureScheme } from '../../core/codec/codepoints.ts';
import type { CipherSuiteDefinition, CryptoProvider, KeyExchangeGroup, SignatureVerifier, SigningKey } from '../../core/crypto/provider.ts';
import { TlsError } from '../../core/errors.ts';
import { nodeHashes } from './hash.ts';
import { secp256r1, secp384r1, x25519 } from './key-exchange.ts';
import { fillRandom } from './random.ts';
import { NodeSignatureVerifier, schemeInfo } from './signatures.ts';
import { loadSigningKey } from './signing-key.ts';
import { allCipherSuites } from './suites.ts';

export { sha256, sha384, sha512, nodeHashes } from './hash.ts';
export { aes128Gcm, aes256Gcm, chacha20Poly1305 } from './aead.ts';
export { x25519, secp256r1, secp384r1 } from './key-exchange.ts';
export { NodeSignatureVerifier } from './signatures.ts';
export { loadSigningKey, NodeSigningKey } from './signing-key.ts';
export * from './suites.ts';

/** Every group, in preference order (rustls: X25519, then P-256, then P-384). */
const allGroups: readonly KeyExchangeGroup[] = [x25519, secp256r1, secp384r1];

/** Options for `createNodeProvider`. */
export interface NodeProviderOptions {
  /** Cipher suite code points to offer, in this order (default: all, rustls' order). */
  readonly cipherSuites?: readonly number[];
  /** NamedGroup code points, in this order (default: x25519, secp256r1, secp384r1). */
  readonly keyExchangeGroups?: readonly number[];
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
  const groups = fips ? allGroups.filter((g) => g.group !== NamedGroup.X25519) : allGroups;
  const schemes = [...schemeInfo.keys()].filter((s) => !fips || !fipsForbiddenSchemes.has(s));
  const cipherSuites = Object.freeze(pick(suites, (s) => s.suite, options.cipherSuites, 'cipher suite'));
  const keyExchangeGroups = Object.freeze(pick(groups, (g) => g.group, options.keyExchangeGroups, 'group'));
  const signatures: SignatureVerifier = new NodeSignatureVerifier(pick(schemes, (s) => s, options.signatureSchemes, 'signature scheme'), options.publicKeyCacheSize);
  return Object.freeze({
    name: fips ? 'node-fips' : 'node',
    fips,
    fillRandom,
    hashes: nodeHashes,
    cipherSuites,
    keyExchangeGroups,
    signatures,
    loadSigningKey(key: string | Uint8Array, passphrase?: string): SigningKey {
      const k = loadSigningKey(key, passphrase);
      if (fips && k.keyType === 'ed25519') throw new TlsError('ERR_TLS_CONFIG_BAD_KEY', 'Ed25519 keys are not allowed in FIPS mode');
      return k;
    },
  });
}

/** The ready node:crypto provider with every suite, group and scheme (less FIPS exclusions). */
export const nodeCryptoProvider: CryptoProvider = createNodeProvider();
