// The JS SHA-256 / HMAC-SHA256 / HKDF-Expand for short inputs (src/providers/node/sha256-small.ts):
// FIPS 180-4 example vectors, RFC 4231 HMAC-SHA256 cases 1-7, RFC 5869 A.1-A.3 through the node
// provider's sha256 (which routes short inputs here), and a differential property test against
// node:crypto across the 55/56/64-byte padding and block-size-key boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, getFips, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { Sha256Stream, hkdfExpandSha256Small, hkdfExpandSha256SmallInto, hmacSha256Small, sha256Small } from '../../src/providers/node/sha256-small.ts';
import { sha256, sha384 } from '../../src/providers/node/hash.ts';
import { fromHex, toHex, utf8 } from '../../src/core/util.ts';
import { rfc5869Sha256Cases } from '../helpers/rfc5869.ts';

const ascii = (s: string): Uint8Array => utf8(s);

// FIPS 180-4 / NIST CSRC "SHA256.pdf" examples, plus the empty message.
const sha256Cases: [string, Uint8Array, string][] = [
  ['empty', new Uint8Array(0), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['"abc" (one block)', ascii('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['448-bit message (two blocks)', ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  [
    '896-bit message',
    ascii('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'),
    'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
  ],
  ['1,000,000 x "a"', new Uint8Array(1_000_000).fill(0x61), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
];

for (const [name, msg, want] of sha256Cases) {
  test(`SHA-256 FIPS 180-4: ${name}`, () => {
    assert.equal(toHex(sha256Small(msg)), want);
    // The streaming context (transcripts): whole, and in pieces that straddle block edges.
    const whole = new Sha256Stream();
    whole.update(msg);
    assert.equal(toHex(whole.current()), want, 'Sha256Stream, one update');
    for (const step of [1, 7, 63, 64, 65, 1000]) {
      if (msg.length > 200_000 && step < 1000) continue;
      const s = new Sha256Stream();
      for (let i = 0; i < msg.length; i += step) s.update(msg.subarray(i, i + step));
      assert.equal(toHex(s.current()), want, `Sha256Stream, updates of ${step} bytes`);
      assert.equal(toHex(s.current()), want, 'a second snapshot gives the same digest');
    }
  });
}

test('Sha256Stream: a snapshot leaves the context open; a fork is independent of its parent', () => {
  const a = new Sha256Stream();
  a.update(ascii('ab'));
  assert.equal(toHex(a.current()), createHash('sha256').update('ab').digest('hex'));
  const f = a.fork();
  a.update(ascii('c'));
  f.update(ascii('x'.repeat(70)));
  assert.equal(toHex(a.current()), sha256Cases[1]![2], 'parent: "abc"');
  assert.equal(toHex(f.current()), createHash('sha256').update('ab' + 'x'.repeat(70)).digest('hex'), 'fork: its own bytes only');
  const snap = a.current();
  snap.fill(0);
  assert.equal(toHex(a.current()), sha256Cases[1]![2], 'results are the caller\'s to overwrite');
  // currentWith: the digest with extra bytes, leaving the context as it was (PSK binders).
  for (const extra of [new Uint8Array(0), ascii('d'), new Uint8Array(61).fill(3), new Uint8Array(200).fill(4)]) {
    const before = toHex(a.current());
    assert.equal(toHex(a.currentWith(extra)), createHash('sha256').update('abc').update(extra).digest('hex'), `currentWith ${extra.length} bytes`);
    assert.equal(toHex(a.current()), before, `currentWith ${extra.length} bytes left the context unchanged`);
  }
  const input = ascii('abc');
  const b = new Sha256Stream();
  b.update(input);
  input.fill(0);
  assert.equal(toHex(b.current()), sha256Cases[1]![2], 'input is not kept');
});

test('differential: Sha256Stream equals node:crypto for any chunking, with snapshots and forks between updates', () => {
  fc.assert(
    fc.property(fc.array(bytes(300), { minLength: 0, maxLength: 12 }), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (chunks, snapshots) => {
      const ours = new Sha256Stream();
      const theirs = createHash('sha256');
      let fork: { ours: Sha256Stream; theirs: ReturnType<typeof createHash> } | null = null;
      chunks.forEach((c, i) => {
        ours.update(c);
        theirs.update(c);
        if (snapshots[i] === true) {
          assert.equal(toHex(ours.current()), theirs.copy().digest('hex'));
          fork = { ours: ours.fork(), theirs: theirs.copy() };
        } else if (fork !== null) {
          fork.ours.update(c);
          fork.theirs.update(c);
        }
      });
      assert.equal(toHex(ours.current()), theirs.digest('hex'));
      if (fork !== null) {
        const f = fork as { ours: Sha256Stream; theirs: ReturnType<typeof createHash> };
        assert.equal(toHex(f.ours.current()), f.theirs.digest('hex'));
      }
    }),
    { seed: 0x5a258, numRuns: 2000 },
  );
});

test('the node provider hashes SHA-256 transcripts in JS outside FIPS mode, on node:crypto otherwise', () => {
  const ctx = sha256.start();
  assert.ok(getFips() === 0 ? ctx instanceof Sha256Stream : !(ctx instanceof Sha256Stream), `start() gave ${ctx.constructor.name} with getFips() = ${getFips()}`);
  ctx.update(ascii('abc'));
  assert.equal(toHex(ctx.current()), sha256Cases[1]![2]);
  assert.equal(toHex(ctx.fork().current()), sha256Cases[1]![2]);
});

const aa131 = new Uint8Array(131).fill(0xaa);
// RFC 4231 §4.2-§4.8 (HMAC-SHA-256 column).
const hmacCases: { name: string; key: Uint8Array; data: Uint8Array; mac: string; truncate?: number }[] = [
  { name: '1', key: new Uint8Array(20).fill(0x0b), data: ascii('Hi There'), mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7' },
  { name: '2 (key shorter than the output)', key: ascii('Jefe'), data: ascii('what do ya want for nothing?'), mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' },
  { name: '3', key: new Uint8Array(20).fill(0xaa), data: new Uint8Array(50).fill(0xdd), mac: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe' },
  { name: '4', key: fromHex('0102030405060708090a0b0c0d0e0f10111213141516171819'), data: new Uint8Array(50).fill(0xcd), mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b' },
  { name: '5 (truncation to 128 bits)', key: new Uint8Array(20).fill(0x0c), data: ascii('Test With Truncation'), mac: 'a3b6167473100ee06e0c796c2955552b', truncate: 16 },
  { name: '6 (131-byte key, hashed first)', key: aa131, data: ascii('Test Using Larger Than Block-Size Key - Hash Key First'), mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54' },
  {
    name: '7 (131-byte key, 152-byte data)',
    key: aa131,
    data: ascii('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'),
    mac: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
];

for (const c of hmacCases) {
  test(`HMAC-SHA256 RFC 4231 test case ${c.name}`, () => {
    for (const mac of [hmacSha256Small(c.key, c.data), sha256.hmac(c.key, c.data)]) {
      assert.equal(mac.length, 32);
      // Case 5: RFC 4231 §4.6 compares the leftmost 128 bits only (RFC 2104 §5).
      assert.equal(toHex(c.truncate === undefined ? mac : mac.subarray(0, c.truncate)), c.mac);
    }
  });
}

// RFC 5869 Appendix A.1-A.3 through sha256.hkdfExtract/hkdfExpand (short inputs take the JS
// path there) and through hkdfExpandSha256Small directly.
for (const c of rfc5869Sha256Cases) {
  test(`HKDF-SHA256 RFC 5869 ${c.name}`, () => {
    const prk = sha256.hkdfExtract(c.salt, c.ikm);
    assert.equal(toHex(prk), c.prk);
    assert.equal(toHex(hmacSha256Small(c.salt, c.ikm)), c.prk);
    assert.equal(toHex(sha256.hkdfExpand(prk, c.info, c.length)), c.okm);
    assert.equal(toHex(hkdfExpandSha256Small(prk, c.info, c.length)), c.okm);
  });
}

test('hkdfExpandInto on SHA-384 (node:crypto) equals hkdfExpand and writes only out; L is bounded on both paths', () => {
  const prk = sha384.hkdfExtract(new Uint8Array(0), ascii('ikm'));
  for (const length of [0, 12, 48, 49, 100]) {
    const out = new Uint8Array(length + 1).fill(0xaa);
    sha384.hkdfExpandInto!(prk, ascii('info'), out.subarray(0, length));
    assert.deepEqual(out.subarray(0, length), sha384.hkdfExpand(prk, ascii('info'), length), `L=${length}`);
    assert.equal(out[length], 0xaa, `L=${length}: nothing written after out`);
  }
  // RFC 5869 §2.3: L <= 255 * HashLen, for the JS path (SHA-256) and node:crypto's (SHA-384).
  for (const hash of [sha256, sha384]) {
    const p = hash.hkdfExtract(new Uint8Array(0), ascii('ikm'));
    assert.doesNotThrow(() => hash.hkdfExpandInto!(p, ascii('info'), new Uint8Array(255 * hash.outputLength)));
    assert.throws(() => hash.hkdfExpandInto!(p, ascii('info'), new Uint8Array(255 * hash.outputLength + 1)), { code: 'ERR_TLS_CRYPTO_FAILURE' }, `${hash.name}: L over 255 * HashLen`);
  }
});

test('results are fresh arrays and do not depend on inputs zeroed after the call', () => {
  const key = new Uint8Array(32).fill(7);
  const data = new Uint8Array(40).fill(9);
  const a = hmacSha256Small(key, data);
  const want = toHex(a);
  key.fill(0);
  data.fill(0);
  const b = hmacSha256Small(key, data);
  assert.notEqual(a.buffer, b.buffer);
  assert.equal(toHex(a), want);
  b.fill(0);
  assert.equal(toHex(a), want);
  const e1 = hkdfExpandSha256Small(a, data, 32);
  const e2 = hkdfExpandSha256Small(a, data, 32);
  assert.notEqual(e1.buffer, e2.buffer);
  assert.deepEqual(e1, e2);
  assert.equal(hkdfExpandSha256Small(a, data, 0).length, 0);
});

const bytes = (max: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: max }),
    // Weight the padding / block edges: 55, 56, 63, 64, 65, 119, 120, 127, 128, 129 bytes.
    fc.constantFrom(0, 1, 31, 32, 33, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 183, 184, 191, 192, 193).filter((n) => n <= max).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
  );

test('differential: SHA-256 and HMAC-SHA256 equal node:crypto (keys 0-200 B, messages 0-300 B)', () => {
  fc.assert(
    fc.property(bytes(200), bytes(300), (key, msg) => {
      const want = createHmac('sha256', key).update(msg).digest('hex');
      assert.equal(toHex(hmacSha256Small(key, msg)), want);
      assert.equal(toHex(sha256.hmac(key, msg)), want);
      assert.equal(toHex(sha256.hkdfExtract(key, msg)), want);
      assert.equal(toHex(sha256Small(msg)), createHash('sha256').update(msg).digest('hex'));
    }),
    { seed: 0x5a256, numRuns: 3000 },
  );
});

test('differential: HKDF-SHA256 extract + expand equal node:crypto hkdfSync (info 0-200 B, L 0-300)', () => {
  fc.assert(
    fc.property(bytes(100), bytes(100), bytes(200), fc.integer({ min: 0, max: 300 }), (salt, ikm, info, length) => {
      const want = Buffer.from(hkdfSync('sha256', ikm, salt, info, length)).toString('hex');
      const prk = sha256.hkdfExtract(salt, ikm);
      assert.equal(toHex(sha256.hkdfExpand(prk, info, length)), want);
      assert.equal(toHex(hkdfExpandSha256Small(prk, info, length)), want);
      // Into the caller's memory (the engine's transient keys): exactly out.length bytes written,
      // on the JS path or, for long inputs, through node:crypto.
      const out = new Uint8Array(length + 2).fill(0xee);
      sha256.hkdfExpandInto!(prk, info, out.subarray(1, 1 + length));
      assert.equal(toHex(out.subarray(1, 1 + length)), want, 'provider hkdfExpandInto');
      assert.equal(out[0], 0xee, 'nothing written before out');
      assert.equal(out[length + 1], 0xee, 'nothing written after out');
      const js = new Uint8Array(length);
      hkdfExpandSha256SmallInto(prk, info, js);
      assert.equal(toHex(js), want, 'hkdfExpandSha256SmallInto');
    }),
    { seed: 0x5a257, numRuns: 1500 },
  );
});
