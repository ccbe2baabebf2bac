// The key schedule's transient keys (issue 5: fewer young objects per handshake): finished keys,
// binder keys, the "derived" secrets between stages and record keys/IVs are expanded into module
// memory and zeroed right after use. Checked here: the results equal the allocating path and a
// provider without `hkdfExpandInto` (noble), and every buffer handed to `hkdfExpandInto` is all
// zeros once the call that used it returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256, sha384 } from '../../src/providers/node/hash.ts';
import { sha256 as nobleSha256, sha384 as nobleSha384 } from '../../src/providers/noble/hash.ts';
import {
  EarlySecret, HandshakeSecret, finishedKey, finishedVerifyData, hkdfExpandLabel, hkdfExpandLabelInto, trafficKeys, transientTrafficKeys, verifyFinished, wipeTrafficKeys,
} from '../../src/core/crypto/key-schedule.ts';
import type { HashAlgorithm } from '../../src/core/crypto/provider.ts';
import { fromHex, toHex } from '../../src/core/util.ts';

/** `base` with a spy on `hkdfExpandInto`: every `out` it was given, to check they were wiped. */
function spied(base: HashAlgorithm): { hash: HashAlgorithm; outs: Uint8Array[] } {
  const outs: Uint8Array[] = [];
  const hash: HashAlgorithm = {
    name: base.name,
    outputLength: base.outputLength,
    start: () => base.start(),
    digest: (d) => base.digest(d),
    hmac: (k, d) => base.hmac(k, d),
    hkdfExtract: (s, i) => base.hkdfExtract(s, i),
    hkdfExpand: (p, i, l) => base.hkdfExpand(p, i, l),
    hkdfExpandInto: (p, i, out) => {
      outs.push(out);
      base.hkdfExpandInto!(p, i, out);
    },
  };
  return { hash, outs };
}

/** `base` without the optional method: the fallback that copies and zeroes. */
function withoutInto(base: HashAlgorithm): HashAlgorithm {
  return { name: base.name, outputLength: base.outputLength, start: () => base.start(), digest: (d) => base.digest(d), hmac: (k, d) => base.hmac(k, d), hkdfExtract: (s, i) => base.hkdfExtract(s, i), hkdfExpand: (p, i, l) => base.hkdfExpand(p, i, l) };
}

const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

// RFC 8448 §3 (simple 1-RTT): the server handshake traffic secret and its Finished key / write
// key / write IV, the published values.
const sHts = fromHex('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38');
const sHtsKey = '3fce516009c21727d0f2e4e86ee403bc';
const sHtsIv = '5d313eb2671276ee13000b30';

test('transientTrafficKeys: the RFC 8448 §3 server handshake key and IV, in memory that wipeTrafficKeys zeroes', () => {
  for (const hash of [sha256, nobleSha256, withoutInto(sha256)]) {
    const k = transientTrafficKeys(hash, sHts, 16, 12);
    assert.equal(toHex(k.key), sHtsKey, `${hash.name} key`);
    assert.equal(toHex(k.iv), sHtsIv, `${hash.name} iv`);
    const again = trafficKeys(hash, sHts, 16, 12);
    assert.deepEqual([toHex(again.key), toHex(again.iv)], [sHtsKey, sHtsIv], 'the allocating form agrees');
    wipeTrafficKeys(k);
    assert.ok(allZero(k.key) && allZero(k.iv), 'key and IV zeroed');
  }
  // AES-256 keys (32 bytes) and a longer IV use the same scratch views by length.
  const secret48 = new Uint8Array(48).fill(0x42); // noble wants a PRK of at least HashLen
  const k32 = transientTrafficKeys(sha384, secret48, 32, 12);
  assert.equal(toHex(k32.key), toHex(trafficKeys(nobleSha384, secret48, 32, 12).key));
  wipeTrafficKeys(k32);
});

test('hkdfExpandLabelInto equals hkdfExpandLabel with and without the provider method', () => {
  const ctx = fromHex('00112233');
  for (const [base, noble] of [[sha256, nobleSha256], [sha384, nobleSha384]] as const) {
    const secret = new Uint8Array(base.outputLength).fill(0x42); // noble wants a PRK of at least HashLen
    for (const length of [0, 1, 12, 32, 48, 100]) {
      const want = toHex(hkdfExpandLabel(noble, secret, 'some label', ctx, length));
      for (const hash of [base, noble, withoutInto(base)]) {
        const out = new Uint8Array(length);
        hkdfExpandLabelInto(hash, secret, 'some label', ctx, out);
        assert.equal(toHex(out), want, `${hash.name} L=${length}`);
      }
    }
  }
});

test('finished keys, binder keys and "derived" secrets are zeroed after the call that used them', () => {
  for (const base of [sha256, sha384]) {
    const { hash, outs } = spied(base);
    const th = base.digest(fromHex('01'));
    const psk = new Uint8Array(base.outputLength).fill(5);

    // Finished (RFC 8446 §4.4.4): HMAC(finished_key, hash), finished_key transient.
    const vd = finishedVerifyData(hash, sHts.subarray(0, 32), th);
    assert.equal(toHex(vd), toHex(base.hmac(finishedKey(base, sHts.subarray(0, 32)), th)), `${base.name} verify_data`);
    assert.ok(verifyFinished(hash, sHts.subarray(0, 32), th, vd));

    // Binder (§4.2.11.2): binder key and its finished key, both transient.
    const early = new EarlySecret(hash, psk);
    const reference = new EarlySecret(withoutInto(base), psk);
    const binder = early.binder('resumption', th);
    assert.equal(toHex(binder), toHex(reference.binder('resumption', th)), `${base.name} binder`);
    assert.ok(early.verifyBinder('resumption', th, binder));
    assert.ok(!early.verifyBinder('external', th, binder), 'the external binder key differs');

    // Stages: the "derived" secret of Early -> Handshake and Handshake -> Master.
    const hsSecret = early.intoHandshakeSecret(new Uint8Array(32).fill(9));
    const hsRef = reference.intoHandshakeSecret(new Uint8Array(32).fill(9));
    assert.equal(toHex(hsSecret.clientHandshakeTrafficSecret(th)), toHex(hsRef.clientHandshakeTrafficSecret(th)), `${base.name} c hs traffic`);
    const master = hsSecret.intoMasterSecret();
    const masterRef = hsRef.intoMasterSecret();
    assert.equal(toHex(master.serverApplicationTrafficSecret(th)), toHex(masterRef.serverApplicationTrafficSecret(th)), `${base.name} s ap traffic`);

    assert.ok(outs.length >= 7, `${base.name}: ${outs.length} transient expansions seen`);
    for (const [i, o] of outs.entries()) assert.ok(allZero(o), `${base.name}: transient buffer ${i} (${o.length} bytes) is zeroed`);
  }
});

test('psk_ke and full handshakes: the zero IKM and the no-PSK constants are not written to', () => {
  for (const hash of [sha256, nobleSha256]) {
    const a = new EarlySecret(hash, null).intoHandshakeSecret(null).clientHandshakeTrafficSecret(new Uint8Array(hash.outputLength));
    const b = new EarlySecret(hash, null).intoHandshakeSecret(null).clientHandshakeTrafficSecret(new Uint8Array(hash.outputLength));
    assert.equal(toHex(a), toHex(b), `${hash.name}: the same inputs give the same secret twice`);
    const direct = new HandshakeSecret(hash, hash.hkdfExtract(hkdfExpandLabel(hash, hash.hkdfExtract(new Uint8Array(32), new Uint8Array(32)), 'derived', hash.digest(new Uint8Array(0)), 32), new Uint8Array(32)));
    assert.equal(toHex(direct.clientHandshakeTrafficSecret(new Uint8Array(32))), toHex(a), `${hash.name}: RFC 8446 §7.1 spelled out`);
  }
});
