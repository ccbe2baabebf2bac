/**
 * The cipher suite table every provider shares: which AEAD and hash each suite uses and the
 * preference order (rustls': TLS 1.3 first, then TLS 1.2 ECDHE with AEADs only, ECDSA before
 * RSA, AES-256 before AES-128 before ChaCha20). A provider passes its own hash and AEAD
 * implementations; the table is data, no cryptography happens here.
 */
import { CipherSuite } from '../codec/codepoints.ts';
import type { AeadAlgorithm, CipherSuiteDefinition, HashAlgorithm, Tls12CipherSuite, Tls13CipherSuite } from './provider.ts';

/** The primitives the suites are built from. */
export interface SuitePrimitives {
  readonly sha256: HashAlgorithm;
  readonly sha384: HashAlgorithm;
  readonly aes128Gcm: AeadAlgorithm;
  readonly aes256Gcm: AeadAlgorithm;
  readonly chacha20Poly1305: AeadAlgorithm;
}

/** Every suite by IANA name, and `all` in preference order. */
export interface SuiteTable {
  readonly TLS13_AES_256_GCM_SHA384: Tls13CipherSuite;
  readonly TLS13_AES_128_GCM_SHA256: Tls13CipherSuite;
  readonly TLS13_CHACHA20_POLY1305_SHA256: Tls13CipherSuite;
  readonly TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: Tls12CipherSuite;
  readonly TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: Tls12CipherSuite;
  readonly TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: Tls12CipherSuite;
  readonly TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: Tls12CipherSuite;
  readonly TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: Tls12CipherSuite;
  readonly TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: Tls12CipherSuite;
  readonly all: readonly CipherSuiteDefinition[];
}

/** Builds the suite definitions over one provider's primitives. */
export function defineCipherSuites(p: SuitePrimitives): SuiteTable {
  const C = CipherSuite;
  // RFC 8446 §B.4.
  const tls13 = (suite: number, name: string, hash: HashAlgorithm, aead: AeadAlgorithm): Tls13CipherSuite =>
    Object.freeze({ version: 'TLSv1.3', suite, name, hash, aead });
  // RFC 5289 §3.2: the PRF hash is SHA-384 for the AES-256 suites, SHA-256 otherwise;
  // RFC 5288 §3 GCM nonce = 4-byte salt || 8-byte explicit; RFC 7905 §2 ChaCha20 nonce = IV XOR seq.
  const tls12 = (suite: number, name: string, authentication: 'ecdsa' | 'rsa', aead: AeadAlgorithm): Tls12CipherSuite =>
    Object.freeze({
      version: 'TLSv1.2', suite, name, authentication, aead,
      hash: aead === p.aes256Gcm ? p.sha384 : p.sha256,
      nonce: aead === p.chacha20Poly1305 ? 'xor' : 'gcm-explicit',
    });
  const t = {
    TLS13_AES_256_GCM_SHA384: tls13(C.TLS_AES_256_GCM_SHA384, 'TLS_AES_256_GCM_SHA384', p.sha384, p.aes256Gcm),
    TLS13_AES_128_GCM_SHA256: tls13(C.TLS_AES_128_GCM_SHA256, 'TLS_AES_128_GCM_SHA256', p.sha256, p.aes128Gcm),
    TLS13_CHACHA20_POLY1305_SHA256: tls13(C.TLS_CHACHA20_POLY1305_SHA256, 'TLS_CHACHA20_POLY1305_SHA256', p.sha256, p.chacha20Poly1305),
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: tls12(C.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ecdsa', p.aes256Gcm),
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: tls12(C.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ecdsa', p.aes128Gcm),
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: tls12(C.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ecdsa', p.chacha20Poly1305),
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: tls12(C.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'rsa', p.aes256Gcm),
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: tls12(C.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'rsa', p.aes128Gcm),
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: tls12(C.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'rsa', p.chacha20Poly1305),
  };
  // rustls' DEFAULT_CIPHER_SUITES order.
  const all: readonly CipherSuiteDefinition[] = Object.freeze([
    t.TLS13_AES_256_GCM_SHA384, t.TLS13_AES_128_GCM_SHA256, t.TLS13_CHACHA20_POLY1305_SHA256,
    t.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, t.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, t.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    t.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, t.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, t.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  ]);
  return Object.freeze({ ...t, all });
}
