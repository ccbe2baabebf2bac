// TLS 1.2 PRF (RFC 5246 §5) against the widely published SHA-256 / SHA-384 test vectors
// (posted to the IETF TLS list, used by rustls, Go and others), and the derived values (master
// secret, RFC 7627 EMS, key block, verify_data, RFC 5705 exporter) against OpenSSL 3.0's
// independent TLS1-PRF (`openssl kdf ... TLS1-PRF`), values recorded below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256, sha384 } from '../../src/providers/node/hash.ts';
import { exportKeyingMaterial, extendedMasterSecret, keyBlock, masterSecret, prf, verifyData } from '../../src/core/crypto/tls12-prf.ts';
import { fromHex, toHex, utf8 } from '../../src/core/util.ts';

test('PRF SHA-256 published vector (100 bytes)', () => {
  const out = prf(sha256, fromHex('9bbe436ba940f017b17652849a71db35'), 'test label', fromHex('a0ba9f936cda311827a6f796ffd5198c'), 100);
  assert.equal(
    toHex(out),
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab' +
      '4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
  );
  // Any shorter output is a prefix.
  assert.deepEqual(prf(sha256, fromHex('9bbe436ba940f017b17652849a71db35'), 'test label', fromHex('a0ba9f936cda311827a6f796ffd5198c'), 33), out.subarray(0, 33));
});

test('PRF SHA-384 published vector (148 bytes)', () => {
  const out = prf(sha384, fromHex('b80b733d6ceefcdc71566ea48e5567df'), 'test label', fromHex('cd665cf6a8447dd6ff8b27555edb7465'), 148);
  assert.equal(
    toHex(out),
    '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd' +
      '8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6' +
      '91c8f3a26854308d5eaa3be85e0990703d73e56f',
  );
});

const pms = fromHex('0303' + '11'.repeat(46));
const clientRandom = Uint8Array.from({ length: 32 }, (_, i) => i);
const serverRandom = Uint8Array.from({ length: 32 }, (_, i) => 32 + i);
const master = fromHex('87cdd67d29ca2bb85db2e8262aee0d6056fa58013a605bd2838c4fec3b4fcf913f66ef31f6f826ae06be534d6da36dd7');

test('master secret (RFC 5246 §8.1)', () => {
  assert.equal(toHex(masterSecret(sha256, pms, clientRandom, serverRandom)), toHex(master));
  assert.throws(() => masterSecret(sha256, pms, clientRandom.subarray(1), serverRandom), { code: 'ERR_TLS_INTERNAL' });
});

test('extended master secret (RFC 7627 §4) over the session hash', () => {
  const sessionHash = sha384.digest(utf8('abc'));
  assert.equal(
    toHex(extendedMasterSecret(sha384, pms, sessionHash)),
    '55cfc6d3f259e67639c415147eed1aa257ff4a02430188b8d7d2ea7557172d9df01cb0f8b43efe28ffe57b389d0f6226',
  );
  assert.notDeepEqual(extendedMasterSecret(sha256, pms, sha256.digest(utf8('abc'))), masterSecret(sha256, pms, clientRandom, serverRandom));
});

test('key block (RFC 5246 §6.3): server_random first, split into keys and fixed IVs', () => {
  const expected = 'f7d251aceaa37e0aaae756905c3cdd1260ab104844509d6474a07c4ba2b053cb045ad8c8fbf94473';
  const kb = keyBlock(sha256, master, clientRandom, serverRandom, 16, 4); // AES-128-GCM
  assert.equal(toHex(kb.clientWriteKey) + toHex(kb.serverWriteKey) + toHex(kb.clientWriteIv) + toHex(kb.serverWriteIv), expected);
  assert.equal(kb.clientWriteIv.length, 4);
  const chacha = keyBlock(sha256, master, clientRandom, serverRandom, 32, 12);
  assert.equal(toHex(chacha.clientWriteKey), expected.slice(0, 64)); // the PRF stream is the same
  assert.equal(chacha.serverWriteIv.length, 12);
});

test('Finished verify_data (RFC 5246 §7.4.9)', () => {
  const hh = sha256.digest(utf8('handshake'));
  assert.equal(toHex(verifyData(sha256, master, 'client finished', hh)), '70b3a0f4d7c44842d7a9a72e');
  assert.equal(toHex(verifyData(sha256, master, 'server finished', hh)), '4f5cf94256b1375838b79603');
});

test('RFC 5705 exporter: no context, a context, and an empty context all differ', () => {
  assert.equal(toHex(exportKeyingMaterial(sha256, master, 'EXPORTER-test', clientRandom, serverRandom, null, 20)), '2ac9de436bc915e73d03d4362ca9011013d53aa0');
  assert.equal(toHex(exportKeyingMaterial(sha256, master, 'EXPORTER-test', clientRandom, serverRandom, fromHex('010203'), 20)), 'b564f41f645741a8b1dd43c9d6bf40cb4aad0caa');
  assert.equal(toHex(exportKeyingMaterial(sha256, master, 'EXPORTER-test', clientRandom, serverRandom, new Uint8Array(0), 20)), '9958cb84c942da7dbe8671ed567ee6cbf19292f5');
  assert.throws(() => exportKeyingMaterial(sha256, master, 'EXPORTER-test', clientRandom, serverRandom, new Uint8Array(0x10000), 20), { code: 'ERR_TLS_USAGE' });
});
