// Transcript: buffering before the suite is known, snapshots, forks (ECH), the HRR
// message_hash substitution (RFC 8446 §4.4.1) and raw messages for TLS 1.2 client auth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256, sha384 } from '../../src/providers/node/hash.ts';
import { Transcript } from '../../src/core/crypto/transcript.ts';
import { concatBytes, fromHex, toHex } from '../../src/core/util.ts';

const m1 = fromHex('010000020a0b');
const m2 = fromHex('020000030c0d0e');
const m3 = fromHex('08000000');

test('messages added before the hash is known are hashed once it is; the caller may reuse its buffer', () => {
  const t = new Transcript();
  assert.equal(t.hash, null);
  assert.throws(() => t.current(), { code: 'ERR_TLS_INTERNAL' });
  const buf = m1.slice();
  t.add(buf);
  buf.fill(0xff); // the transcript kept its own copy
  t.add(m2);
  t.startHash(sha384);
  t.add(m3);
  assert.equal(toHex(t.current()), toHex(sha384.digest(concatBytes(m1, m2, m3))));
  // current() does not end the hash.
  t.add(m1);
  assert.equal(toHex(t.current()), toHex(sha384.digest(concatBytes(m1, m2, m3, m1))));
  assert.doesNotThrow(() => t.startHash(sha384), 'same hash again is fine');
  assert.throws(() => t.startHash(sha256), { code: 'ERR_TLS_INTERNAL' });
});

test('currentWith hashes a partial message without adding it, with a given hash before the suite is known', () => {
  const t = new Transcript();
  t.add(m1);
  assert.throws(() => t.currentWith(m2), { code: 'ERR_TLS_INTERNAL' });
  assert.equal(toHex(t.currentWith(m2, sha256)), toHex(sha256.digest(concatBytes(m1, m2))));
  assert.equal(toHex(t.currentWith(m2, sha384)), toHex(sha384.digest(concatBytes(m1, m2))));
  t.startHash(sha256);
  assert.equal(toHex(t.currentWith(m2)), toHex(sha256.digest(concatBytes(m1, m2))));
  assert.equal(toHex(t.current()), toHex(sha256.digest(m1)), 'nothing was added');
  assert.throws(() => t.currentWith(m2, sha384), { code: 'ERR_TLS_INTERNAL' });
});

test('HRR: ClientHello1 becomes message_hash(254) 00 00 Hash.length Hash(ClientHello1)', () => {
  const t = new Transcript();
  t.add(m1);
  assert.throws(() => t.replaceWithMessageHash(), { code: 'ERR_TLS_INTERNAL' });
  t.startHash(sha384);
  t.replaceWithMessageHash();
  t.add(m2);
  const synthetic = concatBytes(Uint8Array.of(254, 0, 0, 48), sha384.digest(m1));
  assert.equal(toHex(t.current()), toHex(sha384.digest(concatBytes(synthetic, m2))));
  const rebuilt = Transcript.fromClientHello1Hash(sha384, sha384.digest(m1));
  rebuilt.add(m2);
  assert.deepEqual(rebuilt.current(), t.current());
  assert.throws(() => Transcript.fromClientHello1Hash(sha384, sha256.digest(m1)), { code: 'ERR_TLS_INTERNAL' });
});

test('fork gives independent transcripts, before and after the hash is known (ECH inner/outer)', () => {
  const t = new Transcript();
  t.add(m1);
  const early = t.fork();
  t.add(m2);
  early.add(m3);
  t.startHash(sha256);
  early.startHash(sha256);
  assert.equal(toHex(t.current()), toHex(sha256.digest(concatBytes(m1, m2))));
  assert.equal(toHex(early.current()), toHex(sha256.digest(concatBytes(m1, m3))));
  const late = t.fork();
  late.add(m3);
  assert.equal(toHex(t.current()), toHex(sha256.digest(concatBytes(m1, m2))));
  assert.equal(toHex(late.current()), toHex(sha256.digest(concatBytes(m1, m2, m3))));
});

test('raw messages for TLS 1.2 CertificateVerify (RFC 5246 §7.4.8)', () => {
  const t = new Transcript();
  assert.throws(() => t.takeRawMessages(), { code: 'ERR_TLS_INTERNAL' });
  t.add(m1);
  t.keepRawMessages(); // includes the buffered ClientHello
  t.startHash(sha256);
  t.add(m2);
  assert.deepEqual(t.takeRawMessages(), concatBytes(m1, m2));
  t.add(m3);
  assert.throws(() => t.takeRawMessages(), { code: 'ERR_TLS_INTERNAL' }, 'no longer kept');
  assert.equal(toHex(t.current()), toHex(sha256.digest(concatBytes(m1, m2, m3))));
});
