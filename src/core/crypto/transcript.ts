/**
 * The handshake transcript hash (RFC 8446 §4.4.1, RFC 5246 §7.4.9).
 *
 * Until the cipher suite (and so the hash) is known the transcript keeps the raw messages;
 * `startHash()` feeds them to the hash and drops them. Snapshots (`current()`) do not end the
 * hash. `replaceWithMessageHash()` does the HelloRetryRequest substitution, and `fork()` gives
 * an independent copy (ECH keeps an inner and an outer transcript until the server decides).
 * TLS 1.2 client authentication signs the raw messages, so they can be kept on request.
 */
import type { HashAlgorithm, HashContext } from './provider.ts';
import { HandshakeType } from '../codec/codepoints.ts';
import { TlsError } from '../errors.ts';
import { concatBytes } from '../util.ts';

function internal(message: string): TlsError {
  return new TlsError('ERR_TLS_INTERNAL', `transcript: ${message}`);
}

/** A transcript hash that can start before its hash function is known. */
export class Transcript {
  #hash: HashAlgorithm | null;
  #ctx: HashContext | null;
  /** Raw messages, kept only while the hash is unknown. Each entry is our own copy. */
  #pending: Uint8Array[] | null;
  /** Raw messages kept for TLS 1.2 CertificateVerify (RFC 5246 §7.4.8), or null. */
  #raw: Uint8Array[] | null;

  /** @param hash the hash if the suite is already known, else null (messages are buffered). */
  constructor(hash: HashAlgorithm | null = null) {
    this.#hash = hash;
    this.#ctx = hash === null ? null : hash.start();
    this.#pending = hash === null ? [] : null;
    this.#raw = null;
  }

  /**
   * A transcript that starts from `message_hash` of ClientHello1 (RFC 8446 §4.4.1): what a
   * server reconstructs from a HelloRetryRequest cookie.
   */
  static fromClientHello1Hash(hash: HashAlgorithm, clientHello1Hash: Uint8Array): Transcript {
    if (clientHello1Hash.length !== hash.outputLength) throw internal(`ClientHello1 hash is ${clientHello1Hash.length} bytes, expected ${hash.outputLength}`);
    const t = new Transcript(hash);
    t.#ctx!.update(messageHashHeader(hash));
    t.#ctx!.update(clientHello1Hash);
    return t;
  }

  /** The hash, once known. */
  get hash(): HashAlgorithm | null {
    return this.#hash;
  }

  /**
   * Adds one whole handshake message (with its 4-byte header). Copies it only while the hash
   * is unknown, so the caller's buffer may be reused afterwards.
   */
  add(message: Uint8Array): void {
    if (this.#ctx !== null) this.#ctx.update(message);
    else this.#pending!.push(message.slice());
    if (this.#raw !== null) this.#raw.push(message.slice());
  }

  /**
   * Fixes the hash (the suite was chosen) and hashes the buffered messages.
   * @throws ERR_TLS_INTERNAL if a different hash was already started.
   */
  startHash(hash: HashAlgorithm): void {
    if (this.#hash !== null) {
      if (this.#hash !== hash && this.#hash.name !== hash.name) throw internal(`hash already ${this.#hash.name}, cannot switch to ${hash.name}`);
      return;
    }
    const ctx = hash.start();
    for (const m of this.#pending!) ctx.update(m);
    this.#hash = hash;
    this.#ctx = ctx;
    this.#pending = null;
  }

  /** Transcript-Hash of everything added so far. @throws ERR_TLS_INTERNAL before `startHash`. */
  current(): Uint8Array {
    if (this.#ctx === null) throw internal('hash requested before the cipher suite fixed it');
    return this.#ctx.current();
  }

  /**
   * Transcript-Hash of everything so far followed by `extra`, without adding it (PSK binders
   * over a truncated ClientHello, RFC 8446 §4.2.11.2). Before `startHash`, pass the hash to
   * use (a client computes binders with each PSK's hash before the server chose a suite).
   */
  currentWith(extra: Uint8Array, hash: HashAlgorithm | null = null): Uint8Array {
    if (this.#ctx !== null) {
      if (hash !== null && hash.name !== this.#hash!.name) throw internal(`hash is ${this.#hash!.name}, not ${hash.name}`);
      if (this.#ctx.currentWith !== undefined) return this.#ctx.currentWith(extra);
      const f = this.#ctx.fork();
      f.update(extra);
      return f.current();
    }
    if (hash === null) throw internal('hash requested before the cipher suite fixed it');
    const ctx = hash.start();
    for (const m of this.#pending!) ctx.update(m);
    ctx.update(extra);
    return ctx.current();
  }

  /**
   * HelloRetryRequest (RFC 8446 §4.4.1): replaces ClientHello1 with the synthetic message
   * `message_hash(254) 00 00 Hash.length || Hash(ClientHello1)`. Call after `startHash` and
   * before adding the HelloRetryRequest, while the transcript holds only ClientHello1.
   */
  replaceWithMessageHash(): void {
    if (this.#ctx === null || this.#hash === null) throw internal('HelloRetryRequest substitution needs the hash');
    const ch1 = this.#ctx.current();
    const ctx = this.#hash.start();
    ctx.update(messageHashHeader(this.#hash));
    ctx.update(ch1);
    this.#ctx = ctx;
    if (this.#raw !== null) this.#raw = [concatBytes(messageHashHeader(this.#hash), ch1)];
  }

  /** An independent copy (ECH: ClientHelloInner and ClientHelloOuter transcripts). */
  fork(): Transcript {
    const t = new Transcript(null);
    t.#hash = this.#hash;
    t.#ctx = this.#ctx === null ? null : this.#ctx.fork();
    t.#pending = this.#pending === null ? null : [...this.#pending];
    t.#raw = this.#raw === null ? null : [...this.#raw];
    return t;
  }

  /**
   * TLS 1.2 client authentication signs `handshake_messages` themselves (RFC 5246 §7.4.8), so
   * keep raw messages from now on — including those still buffered. Call before the first
   * message when a client certificate may be requested.
   */
  keepRawMessages(): void {
    if (this.#raw === null) this.#raw = this.#pending === null ? [] : [...this.#pending];
  }

  /** The raw messages kept since `keepRawMessages()`, concatenated; stops keeping them. */
  takeRawMessages(): Uint8Array {
    if (this.#raw === null) throw internal('raw messages were not kept');
    const out = concatBytes(...this.#raw);
    this.#raw = null;
    return out;
  }
}

function messageHashHeader(hash: HashAlgorithm): Uint8Array {
  return Uint8Array.of(HandshakeType.MessageHash, 0, 0, hash.outputLength);
}
