/**
 * Crypto provider interfaces (types only). Everything cryptographic the engine and webpki do
 * goes through these; only `src/providers/*` implement them (ARCHITECTURE "Layers").
 * Byte arguments are borrowed for the duration of the call; returned bytes belong to the caller.
 */

/** Hash functions TLS needs. */
export type HashName = 'sha256' | 'sha384' | 'sha512';

/** An incremental hash (transcript hashing). */
export interface HashContext {
  update(data: Uint8Array): void;
  /** The digest of everything so far, without ending the context (transcript snapshots). */
  current(): Uint8Array;
  /** An independent copy of this context. */
  fork(): HashContext;
  /**
   * Optional: the digest of everything so far followed by `extra`, leaving the context as it
   * was (a PSK binder's truncated ClientHello, RFC 8446 §4.2.11.2). Without it the transcript
   * forks the context; a provider that can do this without a copy saves one per call.
   */
  currentWith?(extra: Uint8Array): Uint8Array;
}

/** One hash function with its HMAC and HKDF (RFC 2104, RFC 5869). */
export interface HashAlgorithm {
  readonly name: HashName;
  readonly outputLength: number;
  start(): HashContext;
  digest(data: Uint8Array): Uint8Array;
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-Extract(salt, ikm) (RFC 5869 §2.2). An empty salt means HashLen zeros. */
  hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  /** HKDF-Expand(prk, info, length) (RFC 5869 §2.3); length <= 255 * HashLen. */
  hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /**
   * Optional: HKDF-Expand(prk, info, out.length) written into `out` (the caller's memory)
   * instead of a new array: the engine uses it for keys it only needs during one call (record
   * keys and IVs, finished keys, binder keys) and zeroes `out` afterwards. `out` never
   * overlaps `prk` or `info`.
   */
  hkdfExpandInto?(prk: Uint8Array, info: Uint8Array, out: Uint8Array): void;
}

/**
 * An AEAD algorithm (RFC 5116) with its usage limits in records (RFC 8446 §5.5;
 * draft-irtf-cfrg-aead-limits). Limits are numbers, not BigInts.
 */
export interface AeadAlgorithm {
  readonly name: 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305';
  readonly keyLength: number;
  readonly nonceLength: 12;
  readonly tagLength: 16;
  /** Records one key may protect before it must be replaced. */
  readonly confidentialityLimit: number;
  /** Failed decryptions one key may see before the connection must close. */
  readonly integrityLimit: number;
  /**
   * Prepares a key once per traffic secret; the returned object is reused for every record.
   * `key` is borrowed for the call (the engine zeroes it right after): keep a copy.
   */
  importKey(key: Uint8Array): AeadKey;
}

/**
 * A prepared AEAD key. Both methods are on the record hot path: no allocation beyond the cipher.
 * Calls are synchronous and `nonce`/`aad` are scratch buffers the record layer rewrites for the
 * next record: use them during the call, never keep them.
 */
export interface AeadKey {
  /**
   * Encrypts `plaintext` with `aad` and writes ciphertext || tag (plaintext.length + 16 bytes)
   * into `out` at `outOffset`. `out` may alias `plaintext` at the same offset (in place).
   */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): void;
  /**
   * Decrypts `ciphertext` (including the 16-byte tag) and writes the plaintext into `out` at
   * `outOffset`. Returns the plaintext length, or -1 when authentication fails (then nothing
   * meaningful is in `out`). `out` may alias `ciphertext` at the same offset.
   */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, out: Uint8Array, outOffset: number): number;
  /**
   * Optional, for libraries that cannot decrypt in place (node:crypto's `update()` always
   * returns a new buffer): decrypts `ciphertext` (including the tag) into a NEW buffer of
   * exactly `ciphertext.length - 16` bytes and returns it, or `null` when authentication fails.
   * The caller owns the result (nothing else references it), so the engine can hand it to the
   * application without the copy back into `ciphertext` that `open` would need. Never releases
   * unauthenticated plaintext (RFC 5116 §2.2). Providers that decrypt in place omit it.
   */
  openToNew?(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
  /**
   * Optional: returns `length` bytes of memory for the record layer to seal records into
   * (headers, ciphertext and tags of one write), for providers that can hand out cheaper
   * memory than `new Uint8Array(length)` (e.g. recycled send buffers: allocating and freeing
   * a 64 KiB buffer per write costs more than the copy into it on node). The record layer
   * overwrites every byte before anything reads it and returns the result from `writeTls()`.
   * The memory may be uninitialized or hold ciphertext sent earlier, never key material or
   * plaintext. Providers without such memory omit it.
   */
  allocateSealed?(length: number): Uint8Array;
}

/** A TLS 1.3 cipher suite (RFC 8446 §B.4): an AEAD and the hash of the key schedule. */
export interface Tls13CipherSuite {
  readonly version: 'TLSv1.3';
  readonly suite: number;
  readonly name: string;
  readonly hash: HashAlgorithm;
  readonly aead: AeadAlgorithm;
}

/** A TLS 1.2 ECDHE AEAD cipher suite (RFC 5289, RFC 7905). */
export interface Tls12CipherSuite {
  readonly version: 'TLSv1.2';
  readonly suite: number;
  readonly name: string;
  readonly hash: HashAlgorithm;
  readonly aead: AeadAlgorithm;
  /** Which certificate key signs the ServerKeyExchange. */
  readonly authentication: 'ecdsa' | 'rsa';
  /** GCM: 4-byte implicit salt + 8-byte explicit nonce; ChaCha20: 12-byte IV XOR (RFC 7905). */
  readonly nonce: 'gcm-explicit' | 'xor';
}

export type CipherSuiteDefinition = Tls13CipherSuite | Tls12CipherSuite;

/** One side of an (EC)DHE or KEM exchange in progress (the client's, or a DH server's). */
export interface ActiveKeyExchange {
  readonly group: number;
  /** Our key_share bytes. */
  readonly publicShare: Uint8Array;
  /**
   * Completes the exchange with the peer's share. Throws a `TlsError`
   * (ERR_TLS_PEER_BAD_KEY_SHARE, illegal_parameter) for a malformed or invalid share.
   */
  complete(peerShare: Uint8Array): Uint8Array;
}

/** The server's half of an exchange done in one step (needed for KEMs). */
export interface CompletedKeyExchange {
  readonly group: number;
  readonly publicShare: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

/** A key-exchange group (RFC 8446 §4.2.7), classical or hybrid post-quantum. */
export interface KeyExchangeGroup {
  readonly group: number;
  /** IANA name, e.g. `x25519`, `secp256r1`, `X25519MLKEM768`. */
  readonly name: string;
  /** Usable in TLS 1.2 ECDHE as well (false for KEMs). */
  readonly usableInTls12: boolean;
  /** Starts an exchange: generates our key pair. */
  start(): ActiveKeyExchange;
  /** Server side: responds to the client's share in one step. Throws like `complete`. */
  startAndComplete(peerShare: Uint8Array): CompletedKeyExchange;
}

/** A private key that can sign handshake messages. `sign` may return a Promise (async keys, HSMs). */
export interface SigningKey {
  /** `rsa`, `ecdsa-p256`, `ecdsa-p384`, `ed25519`. */
  readonly keyType: string;
  /** The signature schemes this key can make, in our preference order (safe for TLS 1.3). */
  readonly schemes: readonly number[];
  /**
   * The schemes usable in TLS 1.2 (ServerKeyExchange, CertificateVerify), in preference order:
   * for RSA keys this adds rsa_pkcs1_*, which TLS 1.3 handshakes must not use (RFC 8446 §4.2.3).
   * When absent, TLS 1.2 uses `schemes`.
   */
  readonly tls12Schemes?: readonly number[];
  /** The first of our schemes that the peer offered, or null. */
  chooseScheme(offered: readonly number[]): number | null;
  sign(scheme: number, message: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** The DER SubjectPublicKeyInfo of the matching public key. */
  publicKeySpki(): Uint8Array;
}

/** Signature verification for handshake signatures and certificate signatures. */
export interface SignatureVerifier {
  /** Signature schemes this provider can verify (TLS SignatureScheme code points). */
  readonly supportedSchemes: readonly number[];
  /**
   * Verifies `signature` over `message` with the DER SubjectPublicKeyInfo `spki` using
   * `scheme` (a TLS SignatureScheme code point; certificates use the same code points, with
   * rsa_pkcs1_* and rsa_pss_pss_* allowed there). Returns false for a bad signature and for a
   * key that does not suit the scheme; never throws for bad input.
   */
  verify(scheme: number, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /**
   * Certificates only: an ECDSA signature whose hash does not follow the curve, which has no
   * TLS code point (RFC 5758 allows P-384 with SHA-256 and P-256 with SHA-384; rustls-webpki
   * accepts both). Optional: without it, such certificates are refused as unsupported.
   */
  verifyEcdsaWithHash?(hash: HashName, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * One RFC 8879 certificate compression algorithm (zlib = 1, brotli = 2, zstd = 3). Not
 * cryptography, but it lives with the provider because core cannot reach a compression
 * library (`src/core/compression.ts` has the engine's side).
 */
export interface CertificateCompressor {
  /** The CertificateCompressionAlgorithm code point (RFC 8879 §3). */
  readonly algorithm: number;
  /** Compresses `data` (a Certificate message body); returns bytes the caller owns. */
  compress(data: Uint8Array): Uint8Array;
  /**
   * Decompresses `data`, producing at most `expectedLength` bytes: a stream that would grow
   * beyond it must fail without allocating more (decompression bombs). Throws on corrupt
   * input or overflow; the engine turns any throw into bad_certificate (RFC 8879 §4).
   */
  decompress(data: Uint8Array, expectedLength: number): Uint8Array;
}

/** Everything cryptographic, in one object the configs take. */
export interface CryptoProvider {
  readonly name: string;
  /** True when the provider is running in a FIPS-validated mode. */
  readonly fips: boolean;
  /** Fills `out` with cryptographically secure random bytes. */
  fillRandom(out: Uint8Array): void;
  readonly hashes: Readonly<Record<HashName, HashAlgorithm>>;
  /** Supported suites in preference order. */
  readonly cipherSuites: readonly CipherSuiteDefinition[];
  /** The groups configs use by default, in preference order. */
  readonly keyExchangeGroups: readonly KeyExchangeGroup[];
  /**
   * Every group a config may name (`groups: ['SecP256r1MLKEM768']`), a superset of
   * `keyExchangeGroups` holding groups not offered by default. Absent: `keyExchangeGroups`.
   */
  readonly allKeyExchangeGroups?: readonly KeyExchangeGroup[];
  readonly signatures: SignatureVerifier;
  /**
   * Loads a private key from PEM (PKCS#8, SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`) or
   * DER (PKCS#8). Throws ERR_TLS_CONFIG_BAD_KEY with a readable reason.
   */
  loadSigningKey(key: string | Uint8Array, passphrase?: string): SigningKey;
  /** RFC 8879 certificate compression algorithms this provider offers; absent means none. */
  readonly certificateCompressors?: readonly CertificateCompressor[];
}
