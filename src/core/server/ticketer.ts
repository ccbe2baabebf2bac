/**
 * Stateless TLS 1.3 tickets (RFC 8446 §4.6.1; the RFC 5077 §4 recommended construction): the
 * server's session state sealed with an AEAD key only the server (or its fleet) knows.
 *
 * Ticket format: key_name(16) || nonce(12) || AEAD(key, nonce, aad = key_name, state) || tag(16).
 * key_name identifies the key (the first 16 bytes of SHA-256 over it), so tickets sealed under a
 * previous key still open after a rotation, and unknown keys are recognised without trial
 * decryption. Stateless tickets can be replayed: a server using only a ticketer never accepts
 * 0-RTT (see `ServerSessionStore` for single-use tickets).
 */
import type { AeadAlgorithm, AeadKey, CryptoProvider } from '../crypto/provider.ts';
import { TlsUsageError } from '../errors.ts';

/**
 * Seals and opens tickets; replaceable by the user. Either method may return a Promise
 * (e.g. keys in a KMS); the connection parks until it settles.
 */
export interface Ticketer {
  /** Seals the session state into an opaque ticket (1..65535 bytes). */
  encrypt(state: Uint8Array): Uint8Array | PromiseLike<Uint8Array>;
  /** Opens a ticket; null when it is not ours, tampered with, or its key is gone. */
  decrypt(ticket: Uint8Array): Uint8Array | null | PromiseLike<Uint8Array | null>;
}

export interface TicketerOptions {
  provider: CryptoProvider;
  /**
   * 32-byte keys, newest first: the first seals, all open. Give the same keys to every server of
   * a fleet (and call `setKeys` on all of them to rotate). Absent: a random key, rotated
   * automatically every `rotateEverySeconds`.
   */
  keys?: readonly Uint8Array[];
  /** Automatic rotation period when no `keys` are given; the previous key still opens tickets. Default 6 hours (as rustls). */
  rotateEverySeconds?: number;
  /** Clock (ms since the Unix epoch); default Date.now. */
  now?: () => number;
}

/** A `Ticketer` with its keys settable. */
export interface RotatingTicketer extends Ticketer {
  /** Replaces the keys (newest first, 1..4 keys of 32 bytes). */
  setKeys(keys: readonly Uint8Array[]): void;
}

const KEY_NAME_LENGTH = 16;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const MAX_KEYS = 4;

interface TicketKey {
  readonly name: Uint8Array;
  readonly key: AeadKey;
  readonly createdAt: number;
}

/** A 32-byte-key AEAD from the provider's suites: AES-256-GCM, else ChaCha20-Poly1305. */
function ticketAead(provider: CryptoProvider): AeadAlgorithm {
  let fallback: AeadAlgorithm | null = null;
  for (const s of provider.cipherSuites) {
    if (s.aead.keyLength !== 32) continue;
    if (s.aead.name === 'AES-256-GCM') return s.aead;
    fallback ??= s.aead;
  }
  if (fallback === null) throw new TlsUsageError('ERR_TLS_CONFIG', `createTicketer: provider ${provider.name} has no AEAD with a 32-byte key`);
  return fallback;
}

/** The key whose name starts `ticket` (names are public: a plain comparison), or null. */
function keyNamed(keys: readonly TicketKey[], ticket: Uint8Array): TicketKey | null {
  for (const k of keys) {
    let i = 0;
    while (i < KEY_NAME_LENGTH && k.name[i] === ticket[i]) i++;
    if (i === KEY_NAME_LENGTH) return k;
  }
  return null;
}

/**
 * Creates the default stateless ticketer.
 * @throws TlsUsageError ERR_TLS_CONFIG for keys that are not 32 bytes or a bad period.
 * @example
 * const config = createServerConfig({ provider, certificates, ticketer: createTicketer({ provider }) });
 */
export function createTicketer(o: TicketerOptions): RotatingTicketer {
  const provider = o.provider;
  const aead = ticketAead(provider);
  const now = o.now ?? (() => Date.now());
  const period = (o.rotateEverySeconds ?? 6 * 3600) * 1000;
  if (!Number.isFinite(period) || period <= 0) throw new TlsUsageError('ERR_TLS_CONFIG', 'createTicketer: rotateEverySeconds must be positive');
  const sha256 = provider.hashes.sha256;
  const makeKey = (raw: Uint8Array): TicketKey => {
    if (!(raw instanceof Uint8Array) || raw.length !== 32) throw new TlsUsageError('ERR_TLS_CONFIG', `createTicketer: keys must be 32 bytes, got ${raw instanceof Uint8Array ? raw.length : typeof raw}`);
    return { name: sha256.digest(raw).subarray(0, KEY_NAME_LENGTH), key: aead.importKey(raw), createdAt: now() };
  };
  const randomKey = (): TicketKey => {
    const raw = new Uint8Array(32);
    provider.fillRandom(raw);
    const k = makeKey(raw);
    raw.fill(0);
    return k;
  };
  const automatic = o.keys === undefined;
  let keys: TicketKey[] = automatic ? [randomKey()] : [];
  const setKeys = (list: readonly Uint8Array[]): void => {
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_KEYS) throw new TlsUsageError('ERR_TLS_CONFIG', `createTicketer: give 1..${MAX_KEYS} keys, newest first`);
    keys = list.map(makeKey);
  };
  if (!automatic) setKeys(o.keys!);
  const rotate = (): void => {
    if (!automatic || now() - keys[0]!.createdAt < period) return;
    keys = [randomKey(), keys[0]!]; // the previous key still opens its tickets for one period
  };
  const nonce = new Uint8Array(NONCE_LENGTH);
  return {
    setKeys,
    encrypt(state: Uint8Array): Uint8Array {
      rotate();
      const k = keys[0]!;
      const out = new Uint8Array(KEY_NAME_LENGTH + NONCE_LENGTH + state.length + TAG_LENGTH);
      out.set(k.name, 0);
      provider.fillRandom(nonce); // random 96-bit nonces: far below 2^32 tickets per key
      out.set(nonce, KEY_NAME_LENGTH);
      k.key.seal(nonce, k.name, state, out, KEY_NAME_LENGTH + NONCE_LENGTH);
      return out;
    },
    decrypt(ticket: Uint8Array): Uint8Array | null {
      rotate();
      if (ticket.length < KEY_NAME_LENGTH + NONCE_LENGTH + TAG_LENGTH) return null;
      const k = keyNamed(keys, ticket);
      if (k === null) return null; // an unknown (or retired) key: the client gets a full handshake
      const sealed = ticket.slice(KEY_NAME_LENGTH + NONCE_LENGTH); // decrypted in place: copy
      const n = k.key.open(ticket.subarray(KEY_NAME_LENGTH, KEY_NAME_LENGTH + NONCE_LENGTH), k.name, sealed, sealed, 0);
      return n < 0 ? null : sealed.subarray(0, n);
    },
  };
}
