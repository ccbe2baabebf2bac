/**
 * The TLS 1.2 PRF (RFC 5246 §5) and what is built on it: the master secret (§8.1), the
 * extended master secret (RFC 7627 §4), the key block (§6.3), Finished verify_data (§7.4.9)
 * and keying-material exporters (RFC 5705). Over a provider `HashAlgorithm`: the suite's PRF
 * hash (SHA-256, or SHA-384 for the AES-256-GCM suites, RFC 5289 §3.2).
 */
import type { HashAlgorithm } from './provider.ts';
import { TlsError } from '../errors.ts';
import { concatBytes, utf8 } from '../util.ts';

/**
 * PRF(secret, label, seed) = P_hash(secret, label + seed) with
 * P_hash = HMAC(secret, A(1) + seed') + HMAC(secret, A(2) + seed') + ..., A(0) = seed',
 * A(i) = HMAC(secret, A(i-1)) (RFC 5246 §5). Returns `length` bytes.
 */
export function prf(hash: HashAlgorithm, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 1 << 16) {
    throw new TlsError('ERR_TLS_INTERNAL', `TLS 1.2 PRF: length ${length} is outside 0..65536`);
  }
  const labelSeed = concatBytes(utf8(label), seed);
  const out = new Uint8Array(length);
  let a = labelSeed; // A(0)
  for (let off = 0; off < length; ) {
    a = hash.hmac(secret, a); // A(i)
    const block = hash.hmac(secret, concatBytes(a, labelSeed));
    const n = Math.min(block.length, length - off);
    out.set(n === block.length ? block : block.subarray(0, n), off);
    off += n;
  }
  return out;
}

const MASTER_SECRET_LENGTH = 48;
const VERIFY_DATA_LENGTH = 12;
const RANDOM_LENGTH = 32;

function checkRandoms(clientRandom: Uint8Array, serverRandom: Uint8Array): void {
  if (clientRandom.length !== RANDOM_LENGTH || serverRandom.length !== RANDOM_LENGTH) {
    throw new TlsError('ERR_TLS_INTERNAL', `TLS 1.2 randoms are ${clientRandom.length} and ${serverRandom.length} bytes, expected 32`);
  }
}

/**
 * master_secret = PRF(pre_master_secret, "master secret", ClientHello.random +
 * ServerHello.random)[0..47] (RFC 5246 §8.1). Without EMS: only for peers that lack it.
 */
export function masterSecret(hash: HashAlgorithm, preMasterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Uint8Array {
  checkRandoms(clientRandom, serverRandom);
  return prf(hash, preMasterSecret, 'master secret', concatBytes(clientRandom, serverRandom), MASTER_SECRET_LENGTH);
}

/**
 * master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]
 * (RFC 7627 §4), where session_hash is the transcript hash from ClientHello up to and
 * including ClientKeyExchange (§3).
 */
export function extendedMasterSecret(hash: HashAlgorithm, preMasterSecret: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf(hash, preMasterSecret, 'extended master secret', sessionHash, MASTER_SECRET_LENGTH);
}

/** The keys of one TLS 1.2 AEAD connection (no MAC keys: RFC 5288 §3, RFC 7905 §2). */
export interface Tls12KeyBlock {
  readonly clientWriteKey: Uint8Array;
  readonly serverWriteKey: Uint8Array;
  /** GCM: the 4-byte implicit salt; ChaCha20-Poly1305: the 12-byte IV. */
  readonly clientWriteIv: Uint8Array;
  readonly serverWriteIv: Uint8Array;
}

/**
 * key_block = PRF(master_secret, "key expansion", server_random + client_random), split into
 * client/server write MAC keys (empty for AEADs), write keys and write IVs (RFC 5246 §6.3).
 * `fixedIvLength` is 4 for AES-GCM (RFC 5288 §3) and 12 for ChaCha20-Poly1305 (RFC 7905 §2).
 */
export function keyBlock(hash: HashAlgorithm, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, keyLength: number, fixedIvLength: number): Tls12KeyBlock {
  checkRandoms(clientRandom, serverRandom);
  // Note the order: server_random first here, unlike the master secret.
  const block = prf(hash, master, 'key expansion', concatBytes(serverRandom, clientRandom), 2 * keyLength + 2 * fixedIvLength);
  let o = 0;
  const take = (n: number): Uint8Array => block.slice(o, (o += n));
  const clientWriteKey = take(keyLength);
  const serverWriteKey = take(keyLength);
  const clientWriteIv = take(fixedIvLength);
  const serverWriteIv = take(fixedIvLength);
  block.fill(0);
  return { clientWriteKey, serverWriteKey, clientWriteIv, serverWriteIv };
}

/**
 * verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]
 * (RFC 5246 §7.4.9); `label` is "client finished" or "server finished". Compare received
 * values with `constantTimeEqual`.
 */
export function verifyData(hash: HashAlgorithm, master: Uint8Array, label: 'client finished' | 'server finished', handshakeHash: Uint8Array): Uint8Array {
  return prf(hash, master, label, handshakeHash, VERIFY_DATA_LENGTH);
}

/**
 * RFC 5705 §4 exporter: PRF(master_secret, label, client_random + server_random
 * [+ uint16 context length + context]). A null `context` (no context) differs from an empty one.
 * @throws ERR_TLS_USAGE for a context of 2^16 bytes or more.
 */
export function exportKeyingMaterial(hash: HashAlgorithm, master: Uint8Array, label: string, clientRandom: Uint8Array, serverRandom: Uint8Array, context: Uint8Array | null, length: number): Uint8Array {
  checkRandoms(clientRandom, serverRandom);
  if (context === null) return prf(hash, master, label, concatBytes(clientRandom, serverRandom), length);
  if (context.length > 0xffff) throw new TlsError('ERR_TLS_USAGE', `exporter context is ${context.length} bytes, at most 65535 allowed (RFC 5705 §4)`);
  const len = Uint8Array.of(context.length >>> 8, context.length & 0xff);
  return prf(hash, master, label, concatBytes(clientRandom, serverRandom, len, context), length);
}
