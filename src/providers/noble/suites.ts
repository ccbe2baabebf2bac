/**
 * The cipher suites of the noble provider: the node provider's list and order (rustls'
 * preference: TLS 1.3 first, then TLS 1.2 ECDHE with AEADs only, ECDSA before RSA, AES-256
 * before AES-128 before ChaCha20), over the noble hashes and AEADs.
 */
import { CipherSuite } from '../../core/codec/codepoints.ts';
import type { CipherSuiteDefinition, Tls12CipherSuite, Tls13CipherSuite } from '../../core/crypto/provider.ts';
import { aes128Gcm, aes256Gcm, chacha20Poly1305 } from './aead.ts';
import { sha256, sha384 } from './hash.ts';

const C = CipherSuite;

/** TLS_AES_256_GCM_SHA384 (RFC 8446 §B.4). */
export const TLS13_AES_256_GCM_SHA384: Tls13CipherSuite = Object.freeze({ version: 'TLSv1.3', suite: C.TLS_AES_256_GCM_SHA384, name: 'TLS_AES_256_GCM_SHA384', hash: sha384, aead: aes256Gcm });
/** TLS_AES_128_GCM_SHA256 (RFC 8446 §B.4). */
export const TLS13_AES_128_GCM_SHA256: Tls13CipherSuite = Object.freeze({ version: 'TLSv1.3', suite: C.TLS_AES_128_GCM_SHA256, name: 'TLS_AES_128_GCM_SHA256', hash: sha256, aead: aes128Gcm });
/** TLS_CHACHA20_POLY1305_SHA256 (RFC 8446 §B.4). */
export const TLS13_CHACHA20_POLY1305_SHA256: Tls13CipherSuite = Object.freeze({ version: 'TLSv1.3', suite: C.TLS_CHACHA20_POLY1305_SHA256, name: 'TLS_CHACHA20_POLY1305_SHA256', hash: sha256, aead: chacha20Poly1305 });

function tls12(suite: number, name: string, authentication: 'ecdsa' | 'rsa', aead: Tls12CipherSuite['aead']): Tls12CipherSuite {
  // RFC 5289 §3.2: the PRF hash is SHA-384 for the AES-256 suites, SHA-256 otherwise;
  // RFC 5288 §3 GCM nonce = 4-byte salt || 8-byte explicit; RFC 7905 §2 ChaCha20 nonce = IV XOR seq.
  const hash = aead === aes256Gcm ? sha384 : sha256;
  const nonce = aead === chacha20Poly1305 ? 'xor' : 'gcm-explicit';
  return Object.freeze({ version: 'TLSv1.2', suite, name, hash, aead, authentication, nonce });
}

/** TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (RFC 5289). */
export const TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = tls12(C.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ecdsa', aes256Gcm);
/** TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (RFC 5289). */
export const TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = tls12(C.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ecdsa', aes128Gcm);
/** TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (RFC 7905). */
export const TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = tls12(C.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ecdsa', chacha20Poly1305);
/** TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (RFC 5289). */
export const TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = tls12(C.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'rsa', aes256Gcm);
/** TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (RFC 5289). */
export const TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = tls12(C.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'rsa', aes128Gcm);
/** TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (RFC 7905). */
export const TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = tls12(C.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'rsa', chacha20Poly1305);

/** Every suite, in preference order (rustls' DEFAULT_CIPHER_SUITES). */
export const allCipherSuites: readonly CipherSuiteDefinition[] = Object.freeze([
  TLS13_AES_256_GCM_SHA384,
  TLS13_AES_128_GCM_SHA256,
  TLS13_CHACHA20_POLY1305_SHA256,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
]);
