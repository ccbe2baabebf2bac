/**
 * The pure-TypeScript provider on `@noble/*` only: no `node:` modules, no `Buffer`, randomness
 * from `globalThis.crypto.getRandomValues`. It runs wherever the core does (Node, Deno, Bun,
 * browsers, Workers) and behaves like the node provider: the same suites and order, the same
 * share validation and errors, the same signature schemes and key-suits-scheme rules, the same
 * AEAD limits. It is much slower (PLATFORM-NOTES: ~1 ms per EC operation, ~50-110 MB/s AEAD).
 *
 * Key exchange: x25519, secp256r1, secp384r1 (rustls' order without the hybrids: the hybrid
 * combiner lives in `providers/node/hybrid.ts`, which imports node:crypto). Not FIPS.
 */
import type { CipherSuiteDefinition, CryptoProvider, KeyExchangeGroup, SignatureVerifier, SigningKey } from '../../core/crypto/provider.ts';
import { TlsError } from '../../core/errors.ts';
import { nobleHashes } from './hash.ts';
import { secp256r1, secp384r1, x25519 } from './key-exchange.ts';
import { fillRandom } from './random.ts';
import { NobleSignatureVerifier, nobleSchemeInfo } from './signatures.ts';
import { loadNobleSigningKey } from './signing-key.ts';
import { allCipherSuites } from './suites.ts';

export { sha256, sha384, sha512, nobleHashes } from './hash.ts';
export { aes128Gcm, aes256Gcm, chacha20Poly1305 } from './aead.ts';
export { x25519, secp256r1, secp384r1, NobleX25519Exchange, NobleEcdhExchange, nobleExchangeFromPrivateKey } from './key-exchange.ts';
export { NobleSignatureVerifier } from './signatures.ts';
export { loadNobleSigningKey, NobleSigningKey } from './signing-key.ts';
export { fillRandom } from './random.ts';
export * from './suites.ts';

/** Options for `createNobleProvider`, as `NodeProviderOptions` where they apply. */
export interface NobleProviderOptions {
  /** Cipher suite code points to offer, in this order (default: all, rustls' order). */
  readonly cipherSuites?: readonly number[];
  /** NamedGroup code points, in this order (default: x25519, secp256r1, secp384r1). */
  readonly keyExchangeGroups?: readonly number[];
  /** SignatureScheme code points to verify (default: all). */
  readonly signatureSchemes?: readonly number[];
  /** How many parsed public keys the verifier caches (default 64). */
  readonly publicKeyCacheSize?: number;
}

const allGroups: readonly KeyExchangeGroup[] = Object.freeze([x25519, secp256r1, secp384r1]);

function pick<T>(all: readonly T[], codeOf: (t: T) => number, wanted: readonly number[] | undefined, what: string): T[] {
  if (wanted === undefined) return [...all];
  return wanted.map((w) => {
    const t = all.find((x) => codeOf(x) === w);
    if (t === undefined) throw new TlsError('ERR_TLS_CONFIG', `${what} 0x${w.toString(16).padStart(4, '0')} is not supported by the noble provider`);
    return t;
  });
}

/**
 * Makes a pure-TypeScript provider, optionally restricted to some suites, groups and schemes.
 * @throws ERR_TLS_CONFIG for an unknown code point.
 * @example
 * const provider = createNobleProvider({ cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] });
 * const config = createClientConfig({ provider, verifier: createServerVerifier({ roots, signatures: provider.signatures }) });
 */
export function createNobleProvider(options: NobleProviderOptions = {}): CryptoProvider {
  const cipherSuites: readonly CipherSuiteDefinition[] = Object.freeze(pick(allCipherSuites, (s) => s.suite, options.cipherSuites, 'cipher suite'));
  const keyExchangeGroups = Object.freeze(pick(allGroups, (g) => g.group, options.keyExchangeGroups, 'group'));
  const schemes = pick([...nobleSchemeInfo.keys()], (s) => s, options.signatureSchemes, 'signature scheme');
  const signatures: SignatureVerifier = new NobleSignatureVerifier(schemes, options.publicKeyCacheSize);
  return Object.freeze({
    name: 'noble',
    fips: false,
    fillRandom,
    hashes: nobleHashes,
    cipherSuites,
    keyExchangeGroups,
    allKeyExchangeGroups: keyExchangeGroups,
    signatures,
    loadSigningKey(key: string | Uint8Array, passphrase?: string): SigningKey {
      return loadNobleSigningKey(key, passphrase);
    },
  });
}

/** The ready pure-TypeScript provider with every suite, group and scheme. */
export const nobleCryptoProvider: CryptoProvider = createNobleProvider();
