/**
 * Validation of peer key shares that every provider applies the same way (RFC 8446 §4.2.8.2,
 * §7.4.2; RFC 7748 §6.1). Every failure is ERR_TLS_PEER_BAD_KEY_SHARE (illegal_parameter).
 */
import { TlsProtocolError } from '../errors.ts';
import type { ActiveKeyExchange, CompletedKeyExchange, KeyExchangeGroup } from './provider.ts';

/** X25519 public values and secrets are 32 bytes (RFC 7748 §6.1). */
export const X25519_SHARE_LENGTH = 32;

/** A malformed or invalid peer key share. */
export function badKeyShare(group: string, why: string, cause?: unknown): TlsProtocolError {
  return new TlsProtocolError('ERR_TLS_PEER_BAD_KEY_SHARE', `${group} key share: ${why}`, cause === undefined ? undefined : { cause });
}

/** Checks the length of a peer X25519 share. */
export function checkX25519Share(share: Uint8Array): void {
  if (share.length !== X25519_SHARE_LENGTH) throw badKeyShare('x25519', `${share.length} bytes, expected ${X25519_SHARE_LENGTH}`);
}

/**
 * RFC 8446 §7.4.2 / RFC 7748 §6.1: an all-zero X25519 secret means the peer sent a small-order
 * point. The check runs over every byte (no early exit).
 */
export function checkX25519Secret(secret: Uint8Array): void {
  let acc = 0;
  for (let i = 0; i < secret.length; i++) acc |= secret[i]!;
  if (acc === 0) throw badKeyShare('x25519', 'small-order point (shared secret is all zeros)');
}

/**
 * RFC 8446 §4.2.8.2: UncompressedPointRepresentation { legacy_form = 4; X; Y }, fixed length.
 * Whether the point is on the curve is the provider's check.
 */
export function checkUncompressedPoint(group: string, share: Uint8Array, coordinateLength: number): void {
  const expected = 1 + 2 * coordinateLength;
  if (share.length !== expected) throw badKeyShare(group, `${share.length} bytes, expected ${expected} (uncompressed point)`);
  if (share[0] !== 0x04) throw badKeyShare(group, `point form 0x${share[0]!.toString(16).padStart(2, '0')}, expected 0x04 (uncompressed)`);
}

/**
 * A NIST ECDH group (secp256r1, secp384r1) of some provider: `start` makes that provider's
 * exchange; `startAndComplete` (the server's side) is a started exchange completed at once.
 */
export class EcdhGroup implements KeyExchangeGroup {
  readonly group: number;
  readonly name: string;
  readonly usableInTls12 = true;
  readonly #start: () => ActiveKeyExchange;

  constructor(group: number, name: string, start: () => ActiveKeyExchange) {
    this.group = group;
    this.name = name;
    this.#start = start;
  }

  start(): ActiveKeyExchange {
    return this.#start();
  }

  startAndComplete(peerShare: Uint8Array): CompletedKeyExchange {
    const kx = this.#start();
    return { group: this.group, publicShare: kx.publicShare, sharedSecret: kx.complete(peerShare) };
  }
}
