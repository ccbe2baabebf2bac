// test/helpers/fixed-provider.ts: queued randoms and ephemeral keys reproduce RFC 8448 shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixedProvider } from '../helpers/fixed-provider.ts';
import { NamedGroup } from '../../src/core/codec/codepoints.ts';
import { fromHex, toHex } from '../../src/core/util.ts';

// RFC 8448 §3: the client's and server's X25519 key pairs.
const clientPrivate = fromHex('49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005');
const clientPublic = '99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c';
const serverPrivate = fromHex('b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e');
const serverPublic = 'c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f';

test('x25519 start() and startAndComplete() use the queued private keys', () => {
  const p = createFixedProvider({ x25519PrivateKeys: [clientPrivate, serverPrivate] });
  const x = p.keyExchangeGroups.find((g) => g.group === NamedGroup.X25519)!;
  const client = x.start();
  assert.equal(toHex(client.publicShare), clientPublic);
  const server = x.startAndComplete(client.publicShare);
  assert.equal(toHex(server.publicShare), serverPublic);
  assert.deepEqual(client.complete(server.publicShare), server.sharedSecret);
  // RFC 8448 §3: the (EC)DHE input to "extract secret handshake".
  assert.equal(toHex(server.sharedSecret), '8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d');
  assert.deepEqual(p.remaining().keys, { x25519: 0, secp256r1: 0, secp384r1: 0 });
  assert.throws(() => x.start(), /no x25519 private key left/);
});

test('fillRandom replays queued outputs, checks lengths, and runs out as asked', () => {
  const r1 = fromHex('cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7');
  const p = createFixedProvider({ randoms: [r1, new Uint8Array(4)] });
  const out = new Uint8Array(32);
  p.fillRandom(out);
  assert.deepEqual(out, r1);
  assert.throws(() => p.fillRandom(new Uint8Array(5)), /wants 5 bytes, the queued random has 4/);
  assert.throws(() => p.fillRandom(new Uint8Array(5)), /no queued random left/);
  const lenient = createFixedProvider({ whenRandomsRunOut: 'random', whenKeysRunOut: 'generate' });
  const a = new Uint8Array(16);
  lenient.fillRandom(a);
  assert.notDeepEqual(a, new Uint8Array(16));
  assert.equal(lenient.keyExchangeGroups[0]!.start().publicShare.length, 32);
});

test('NIST groups use queued scalars; everything else is the node provider', () => {
  const d = fromHex('ab'.repeat(32));
  const p = createFixedProvider({ secp256r1PrivateKeys: [d, d] });
  const g = p.keyExchangeGroups.find((k) => k.group === NamedGroup.Secp256r1)!;
  assert.deepEqual(g.start().publicShare, g.start().publicShare);
  assert.equal(p.cipherSuites.length, 9);
  assert.equal(p.hashes.sha256.outputLength, 32);
});
