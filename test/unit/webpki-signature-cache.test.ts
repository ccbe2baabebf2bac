import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SignatureVerifier } from '../../src/core/crypto/provider.ts';
import { cachingSignatureVerifier } from '../../src/webpki/signature-cache.ts';

/** A fake provider: "valid" when the signature's first byte equals the message's; counts calls. */
function fake(): SignatureVerifier & { calls: number } {
  const v = {
    calls: 0,
    supportedSchemes: [0x0403],
    verify(_scheme: number, _spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      v.calls++;
      return signature[0] === message[0];
    },
  };
  return v;
}

test('signature cache: a repeated success is answered without the provider', () => {
  const inner = fake();
  const c = cachingSignatureVerifier(inner);
  const spki = Uint8Array.of(1, 2, 3), msg = Uint8Array.of(7, 8), sig = Uint8Array.of(7, 9);
  assert.equal(c.verify(0x0403, spki, msg, sig), true);
  assert.equal(c.verify(0x0403, spki.slice(), msg.slice(), sig.slice()), true);
  assert.equal(inner.calls, 1);
  assert.deepEqual(c.supportedSchemes, [0x0403]);
});

test('signature cache: any differing input goes to the provider', () => {
  const inner = fake();
  const c = cachingSignatureVerifier(inner);
  const spki = Uint8Array.of(1, 2, 3), msg = Uint8Array.of(7, 8), sig = Uint8Array.of(7, 9);
  assert.equal(c.verify(0x0403, spki, msg, sig), true);
  assert.equal(c.verify(0x0403, spki, Uint8Array.of(7, 9), sig), true); // other message
  assert.equal(c.verify(0x0403, Uint8Array.of(1, 2, 4), msg, sig), true); // other key
  assert.equal(c.verify(0x0804, spki, msg, sig), true); // other scheme
  assert.equal(inner.calls, 4);
});

test('signature cache: failures are not cached and entries are copies', () => {
  const inner = fake();
  const c = cachingSignatureVerifier(inner);
  const spki = Uint8Array.of(1), msg = Uint8Array.of(7), bad = Uint8Array.of(6);
  assert.equal(c.verify(0x0403, spki, msg, bad), false);
  assert.equal(c.verify(0x0403, spki, msg, bad), false);
  assert.equal(inner.calls, 2);
  const reused = Uint8Array.of(5);
  const sig = Uint8Array.of(5);
  assert.equal(c.verify(0x0403, spki, reused, sig), true);
  reused[0] = 4; // the caller reuses its buffer: the cached entry must not follow it
  assert.equal(c.verify(0x0403, spki, reused, sig), false);
  assert.equal(inner.calls, 4);
});

test('signature cache: bounded, oldest entry dropped first', () => {
  const inner = fake();
  const c = cachingSignatureVerifier(inner, 2);
  const spki = Uint8Array.of(1);
  for (const b of [1, 2, 3]) assert.equal(c.verify(0x0403, spki, Uint8Array.of(b), Uint8Array.of(b)), true);
  assert.equal(inner.calls, 3);
  assert.equal(c.verify(0x0403, spki, Uint8Array.of(3), Uint8Array.of(3)), true);
  assert.equal(inner.calls, 3, 'newest entry still cached');
  assert.equal(c.verify(0x0403, spki, Uint8Array.of(1), Uint8Array.of(1)), true);
  assert.equal(inner.calls, 4, 'oldest entry was evicted');
});

test('signature cache: a signature whose Map key collides with a cached one still goes to the provider', () => {
  // White-box: the cache keys entries by a 32-bit FNV-1a hash of the signature. Find two
  // 8-byte signatures with equal hashes (birthday search) and check that the second one is not
  // answered from the first one's entry. Should the key change, the pair no longer collides
  // and the assertions still hold.
  const fnv = (b: Uint8Array): number => {
    let h = (0x811c9dc5 ^ b.length) >>> 0;
    for (const x of b) h = Math.imul(h ^ x, 0x01000193);
    return h >>> 0;
  };
  const seen = new Map<number, Uint8Array>();
  let pair: [Uint8Array, Uint8Array] | null = null;
  let x = 0x2545f491; // xorshift32: deterministic pseudo-random 8-byte signatures
  const next = (): number => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; pair === null && i < 1 << 20; i++) {
    const u = next(), v = next();
    const s = Uint8Array.of(u & 0xff, (u >>> 8) & 0xff, (u >>> 16) & 0xff, u >>> 24, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    const h = fnv(s);
    const other = seen.get(h);
    if (other !== undefined && other[0] !== s[0]) pair = [other, s];
    else seen.set(h, s);
  }
  assert.ok(pair !== null, 'no colliding pair found');
  const [a, b] = pair;
  const inner = fake();
  const c = cachingSignatureVerifier(inner);
  const spki = Uint8Array.of(1), msg = Uint8Array.of(a[0]!);
  assert.equal(c.verify(0x0403, spki, msg, a), true);
  // The provider refuses b for this message (first bytes differ): so must the cache.
  assert.equal(c.verify(0x0403, spki, msg, b), false);
  assert.equal(inner.calls, 2);
  // And a's entry was not replaced by the failure.
  assert.equal(c.verify(0x0403, spki, msg, a), true);
  assert.equal(inner.calls, 2);
});
