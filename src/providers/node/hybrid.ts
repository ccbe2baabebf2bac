/**
 * Hybrid post-quantum key exchange for TLS 1.3 (draft-ietf-tls-ecdhe-mlkem): one classical
 * (EC)DHE group and one ML-KEM parameter set, run side by side; the key shares and the shared
 * secrets are plain concatenations (no KDF), in an order fixed per group:
 *
 * | group                       | client share      | server share     | shared secret        |
 * |-----------------------------|-------------------|------------------|----------------------|
 * | X25519MLKEM768 (0x11EC)     | ek(1184) ‖ X(32)  | ct(1088) ‖ X(32) | ss_mlkem ‖ ss_x25519 |
 * | SecP256r1MLKEM768 (0x11EB)  | P(65) ‖ ek(1184)  | P(65) ‖ ct(1088) | ss_ecdh ‖ ss_mlkem   |
 * | SecP384r1MLKEM1024 (0x11ED) | P(97) ‖ ek(1568)  | P(97) ‖ ct(1568) | ss_ecdh ‖ ss_mlkem   |
 *
 * (X25519MLKEM768 puts ML-KEM first so that the FIPS-approved secret leads, as SP 800-56C
 * wants; the NIST-curve hybrids are all-approved and keep ECDH first. Orders checked against
 * OpenSSL 3.5 in test/interop/pq-node24.test.ts.) The peer's share must have exactly
 * the combined length; a wrong length, a bad ECDH point or an ML-KEM encapsulation key that
 * fails the FIPS 203 §7.2 modulus check is ERR_TLS_PEER_BAD_KEY_SHARE (illegal_parameter).
 *
 * Only interfaces here (`KeyExchangeGroup`, `MlKem`): the same combiner serves any provider.
 * Hybrids are TLS 1.3 only (`usableInTls12: false`).
 */
import { NamedGroup } from '../../core/codec/codepoints.ts';
import type { ActiveKeyExchange, CompletedKeyExchange, KeyExchangeGroup } from '../../core/crypto/provider.ts';
import { TlsProtocolError } from '../../core/errors.ts';
import type { MlKem, MlKemKeyPair } from '../noble/ml-kem.ts';
import { bestMlKem1024, bestMlKem768 } from './ml-kem.ts';
import { secp256r1, secp384r1, x25519 } from './key-exchange.ts';

/** Which component comes first in shares and in the shared secret. */
export type HybridOrder = 'mlkem-first' | 'ecdh-first';

/** The static description of one hybrid group. */
export interface HybridGroupSpec {
  readonly group: number;
  readonly name: string;
  readonly classical: KeyExchangeGroup;
  /** The classical share's fixed length (X25519 32; uncompressed P-256 65, P-384 97). */
  readonly classicalShareLength: number;
  readonly kem: MlKem;
  readonly order: HybridOrder;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function badLength(spec: HybridGroupSpec, what: string, got: number, expected: number): TlsProtocolError {
  return new TlsProtocolError('ERR_TLS_PEER_BAD_KEY_SHARE', `${spec.name} ${what} key share of ${got} bytes, expected ${expected} (draft-ietf-tls-ecdhe-mlkem)`);
}

/** Splits a peer share into (classical, kem) parts by the group's order. Lengths checked by the caller. */
function split(spec: HybridGroupSpec, share: Uint8Array, kemLength: number): { classical: Uint8Array; kem: Uint8Array } {
  if (spec.order === 'mlkem-first') {
    return { kem: share.subarray(0, kemLength), classical: share.subarray(kemLength) };
  }
  return { classical: share.subarray(0, spec.classicalShareLength), kem: share.subarray(spec.classicalShareLength) };
}

function join(spec: HybridGroupSpec, classical: Uint8Array, kem: Uint8Array): Uint8Array {
  return spec.order === 'mlkem-first' ? concat(kem, classical) : concat(classical, kem);
}

/** The client's half of a hybrid exchange: a classical exchange and an ML-KEM key pair. */
export class HybridExchange implements ActiveKeyExchange {
  readonly group: number;
  readonly publicShare: Uint8Array;
  readonly spec: HybridGroupSpec;
  readonly classical: ActiveKeyExchange;
  readonly keyPair: MlKemKeyPair;

  constructor(spec: HybridGroupSpec, classical: ActiveKeyExchange, keyPair: MlKemKeyPair) {
    this.spec = spec;
    this.group = spec.group;
    this.classical = classical;
    this.keyPair = keyPair;
    this.publicShare = join(spec, classical.publicShare, keyPair.encapsulationKey);
  }

  /** Completes with the server's share (ciphertext and ECDH share, in the group's order). */
  complete(peerShare: Uint8Array): Uint8Array {
    const spec = this.spec;
    const expected = spec.classicalShareLength + spec.kem.sizes.ciphertext;
    if (peerShare.length !== expected) throw badLength(spec, 'server', peerShare.length, expected);
    const parts = split(spec, peerShare, spec.kem.sizes.ciphertext);
    const classicalSecret = this.classical.complete(parts.classical);
    const kemSecret = this.keyPair.decapsulate(parts.kem);
    return join(spec, classicalSecret, kemSecret);
  }
}

/**
 * A hybrid group: `start()` for the client (key pair + ECDH share), `startAndComplete()` for the
 * server (encapsulate to the client's key, ECDH with its share) in one step.
 */
export class HybridGroup implements KeyExchangeGroup {
  readonly group: number;
  readonly name: string;
  readonly usableInTls12 = false;
  readonly spec: HybridGroupSpec;

  constructor(spec: HybridGroupSpec) {
    this.spec = spec;
    this.group = spec.group;
    this.name = spec.name;
  }

  start(): HybridExchange {
    return new HybridExchange(this.spec, this.spec.classical.start(), this.spec.kem.generate());
  }

  startAndComplete(peerShare: Uint8Array): CompletedKeyExchange {
    const spec = this.spec;
    const expected = spec.classicalShareLength + spec.kem.sizes.encapsulationKey;
    if (peerShare.length !== expected) throw badLength(spec, 'client', peerShare.length, expected);
    const parts = split(spec, peerShare, spec.kem.sizes.encapsulationKey);
    // ECDH first: its point checks are cheaper than encapsulation.
    const classical = spec.classical.startAndComplete(parts.classical);
    const kem = spec.kem.encapsulate(parts.kem);
    return {
      group: spec.group,
      publicShare: join(spec, classical.publicShare, kem.ciphertext),
      sharedSecret: join(spec, classical.sharedSecret, kem.sharedSecret),
    };
  }
}

/** X25519MLKEM768 (0x11EC): ML-KEM first everywhere. `kem` defaults to the fastest back end. */
export function x25519MlKem768(kem: MlKem = bestMlKem768()): HybridGroup {
  return new HybridGroup({ group: NamedGroup.X25519MLKEM768, name: 'X25519MLKEM768', classical: x25519, classicalShareLength: 32, kem, order: 'mlkem-first' });
}

/** SecP256r1MLKEM768 (0x11EB): ECDH first everywhere. */
export function secp256r1MlKem768(kem: MlKem = bestMlKem768()): HybridGroup {
  return new HybridGroup({ group: NamedGroup.SecP256r1MLKEM768, name: 'SecP256r1MLKEM768', classical: secp256r1, classicalShareLength: 65, kem, order: 'ecdh-first' });
}

/** SecP384r1MLKEM1024 (0x11ED): ECDH first everywhere. */
export function secp384r1MlKem1024(kem: MlKem = bestMlKem1024()): HybridGroup {
  return new HybridGroup({ group: NamedGroup.SecP384r1MLKEM1024, name: 'SecP384r1MLKEM1024', classical: secp384r1, classicalShareLength: 97, kem, order: 'ecdh-first' });
}
