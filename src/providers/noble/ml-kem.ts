/**
 * ML-KEM (FIPS 203) behind one small interface, and its pure-TypeScript back end on
 * `@noble/post-quantum` (pinned 0.7.1). The node provider has a node:crypto back end with the
 * same shape (`src/providers/node/ml-kem.ts`) and picks one; the hybrid groups
 * (`src/providers/node/hybrid.ts`) use either through `MlKem`.
 *
 * Runtime-agnostic: no `node:*` here, so the future noble provider can use it as is.
 */
import { ml_kem1024, ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { TlsError, TlsProtocolError } from '../../core/errors.ts';

/** The ML-KEM parameter sets TLS uses (draft-ietf-tls-ecdhe-mlkem, draft-ietf-tls-mlkem). */
export type MlKemName = 'ML-KEM-768' | 'ML-KEM-1024';

/** FIPS 203 Table 3 sizes, in bytes. */
export interface MlKemSizes {
  readonly encapsulationKey: number;
  readonly ciphertext: number;
  readonly sharedSecret: 32;
  /** The seed (d || z) a key pair is derived from (FIPS 203 §6.1, ML-KEM.KeyGen_internal). */
  readonly seed: 64;
}

/** FIPS 203 Table 3. */
export const mlKemSizes: Readonly<Record<MlKemName, MlKemSizes>> = {
  'ML-KEM-768': { encapsulationKey: 1184, ciphertext: 1088, sharedSecret: 32, seed: 64 },
  'ML-KEM-1024': { encapsulationKey: 1568, ciphertext: 1568, sharedSecret: 32, seed: 64 },
};

/** The result of encapsulation: the ciphertext to send and the shared secret to keep. */
export interface MlKemEncapsulation {
  readonly ciphertext: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

/** A generated key pair: the encapsulation key to send; the decapsulation key stays inside. */
export interface MlKemKeyPair {
  /** The encapsulation key (FIPS 203 `ek`). Owned by the caller. */
  readonly encapsulationKey: Uint8Array;
  /**
   * ML-KEM.Decaps (FIPS 203 §7.3). A ciphertext of the right length never fails: a forged one
   * yields the implicit-rejection secret, so the handshake fails later at Finished.
   * @throws ERR_TLS_PEER_BAD_KEY_SHARE (illegal_parameter) for a ciphertext of the wrong length.
   */
  decapsulate(ciphertext: Uint8Array): Uint8Array;
}

/**
 * One ML-KEM parameter set on one back end.
 *
 * ```ts
 * const kem = nobleMlKem768;
 * const kp = kem.generate();                        // client
 * const { ciphertext, sharedSecret } = kem.encapsulate(kp.encapsulationKey); // server
 * kp.decapsulate(ciphertext);                       // client: the same sharedSecret
 * ```
 */
export interface MlKem {
  readonly name: MlKemName;
  /** Which library does the work, e.g. `noble` or `node`. */
  readonly backend: string;
  readonly sizes: MlKemSizes;
  /** ML-KEM.KeyGen with fresh randomness. */
  generate(): MlKemKeyPair;
  /** ML-KEM.KeyGen_internal(d, z) from a 64-byte seed d || z (known-answer tests). */
  fromSeed(seed: Uint8Array): MlKemKeyPair;
  /**
   * ML-KEM.Encaps (FIPS 203 §7.2) with fresh randomness, including the encapsulation key
   * checks of §7.2: the length and the modulus check (every coefficient below q).
   * @throws ERR_TLS_PEER_BAD_KEY_SHARE (illegal_parameter) when `encapsulationKey` fails them.
   */
  encapsulate(encapsulationKey: Uint8Array): MlKemEncapsulation;
}

/** A malformed peer ML-KEM value: ERR_TLS_PEER_BAD_KEY_SHARE (illegal_parameter). */
export function badMlKemShare(name: MlKemName, why: string, cause?: unknown): TlsProtocolError {
  return new TlsProtocolError('ERR_TLS_PEER_BAD_KEY_SHARE', `${name} key share: ${why}`, cause === undefined ? undefined : { cause });
}

/** Checks a peer value's length before any back end sees it. */
export function checkMlKemLength(name: MlKemName, what: 'encapsulation key' | 'ciphertext', value: Uint8Array, expected: number): void {
  if (value.length !== expected) throw badMlKemShare(name, `${what} of ${value.length} bytes, expected ${expected}`);
}

type NobleKem = typeof ml_kem768;

class NobleKeyPair implements MlKemKeyPair {
  readonly encapsulationKey: Uint8Array;
  private readonly kem: NobleMlKem;
  private readonly decapsulationKey: Uint8Array;

  constructor(kem: NobleMlKem, encapsulationKey: Uint8Array, decapsulationKey: Uint8Array) {
    this.kem = kem;
    this.encapsulationKey = encapsulationKey;
    this.decapsulationKey = decapsulationKey;
  }

  decapsulate(ciphertext: Uint8Array): Uint8Array {
    const { name, sizes } = this.kem;
    checkMlKemLength(name, 'ciphertext', ciphertext, sizes.ciphertext);
    try {
      return this.kem.impl.decapsulate(ciphertext, this.decapsulationKey);
    } catch (e) {
      throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `${name} decapsulation failed in @noble/post-quantum`, { cause: e });
    }
  }
}

/** ML-KEM on `@noble/post-quantum` (pure TypeScript; ~0.4 ms per operation on this machine). */
export class NobleMlKem implements MlKem {
  readonly name: MlKemName;
  readonly backend = 'noble';
  readonly sizes: MlKemSizes;
  readonly impl: NobleKem;

  constructor(name: MlKemName, impl: NobleKem) {
    this.name = name;
    this.sizes = mlKemSizes[name];
    this.impl = impl;
  }

  generate(): MlKemKeyPair {
    const { publicKey, secretKey } = this.impl.keygen();
    return new NobleKeyPair(this, publicKey, secretKey);
  }

  fromSeed(seed: Uint8Array): MlKemKeyPair {
    if (seed.length !== this.sizes.seed) throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `${this.name} seed of ${seed.length} bytes, expected ${this.sizes.seed}`);
    const { publicKey, secretKey } = this.impl.keygen(seed);
    return new NobleKeyPair(this, publicKey, secretKey);
  }

  encapsulate(encapsulationKey: Uint8Array): MlKemEncapsulation {
    return this.encapsulateWith(encapsulationKey, undefined);
  }

  /**
   * ML-KEM.Encaps_internal(ek, m) with a caller-chosen 32-byte message `m` (FIPS 203 §6.2):
   * for known-answer tests only; real use needs fresh randomness (`encapsulate`).
   */
  encapsulateDeterministic(encapsulationKey: Uint8Array, m: Uint8Array): MlKemEncapsulation {
    if (m.length !== 32) throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `${this.name} encapsulation message of ${m.length} bytes, expected 32`);
    return this.encapsulateWith(encapsulationKey, m);
  }

  private encapsulateWith(encapsulationKey: Uint8Array, m: Uint8Array | undefined): MlKemEncapsulation {
    checkMlKemLength(this.name, 'encapsulation key', encapsulationKey, this.sizes.encapsulationKey);
    let r: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      // noble runs the FIPS 203 §7.2 modulus check (ByteEncode12(ByteDecode12(ek)) == ek).
      r = m === undefined ? this.impl.encapsulate(encapsulationKey) : this.impl.encapsulate(encapsulationKey, m);
    } catch (e) {
      throw badMlKemShare(this.name, 'encapsulation key fails the modulus check (FIPS 203 §7.2)', e);
    }
    return { ciphertext: r.cipherText, sharedSecret: r.sharedSecret };
  }
}

/** ML-KEM-768 on @noble/post-quantum. */
export const nobleMlKem768: NobleMlKem = new NobleMlKem('ML-KEM-768', ml_kem768);
/** ML-KEM-1024 on @noble/post-quantum. */
export const nobleMlKem1024: NobleMlKem = new NobleMlKem('ML-KEM-1024', ml_kem1024);
