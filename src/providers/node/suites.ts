/**
 * The cipher suites of the node provider: the shared table (`core/crypto/suite-table.ts`: rustls' preference
 * order, TLS 1.3 first, then TLS 1.2 ECDHE with AEADs only) over this provider's hashes and AEADs.
 */
import { defineCipherSuites } from '../../core/crypto/suite-table.ts';
import { aes128Gcm, aes256Gcm, chacha20Poly1305 } from './aead.ts';
import { sha256, sha384 } from './hash.ts';

const suites = defineCipherSuites({ sha256, sha384, aes128Gcm, aes256Gcm, chacha20Poly1305 });

export const TLS13_AES_256_GCM_SHA384 = suites.TLS13_AES_256_GCM_SHA384;
export const TLS13_AES_128_GCM_SHA256 = suites.TLS13_AES_128_GCM_SHA256;
export const TLS13_CHACHA20_POLY1305_SHA256 = suites.TLS13_CHACHA20_POLY1305_SHA256;
export const TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = suites.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;
export const TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = suites.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
export const TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = suites.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;
export const TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = suites.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
export const TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = suites.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
export const TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = suites.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256;
/** Every suite, in preference order (rustls' DEFAULT_CIPHER_SUITES). */
export const allCipherSuites = suites.all;
