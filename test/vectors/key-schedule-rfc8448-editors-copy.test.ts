// The TLS 1.3 key schedule and transcript, value by value, against the editors' copy of the
// RFC 8448 traces (draft-ietf-tls-tls13-vectors, 2018-09-27): the same scenarios as RFC 8448
// but another run, so its randoms, keys and derived values differ from the published RFC (see
// shared/vectors/rfc8448/README.md). Read straight from the text: §3 (simple 1-RTT), §4
// (resumed 0-RTT: binder, early secrets), §5 (HelloRetryRequest: message_hash, P-256).
// The published RFC 8448 §3 is checked end to end in key-schedule-rfc8448-published.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sha256 } from '../../src/providers/node/hash.ts';
import { aes128Gcm } from '../../src/providers/node/aead.ts';
import { X25519Exchange, ecdhExchangeFromPrivateKey } from '../../src/providers/node/key-exchange.ts';
import { NamedGroup } from '../../src/core/codec/codepoints.ts';
import { toHex, fromHex } from '../../src/core/util.ts';
import {
  EarlySecret, HandshakeSecret, deriveSecret, emptyTranscriptHash, exportKeyingMaterial, finishedKey,
  finishedVerifyData, hkdfExpandLabel, nextTrafficSecret, resumptionPsk, trafficKeys, verifyFinished,
} from '../../src/core/crypto/key-schedule.ts';
import { Transcript } from '../../src/core/crypto/transcript.ts';

// ------------------------------------------------------------------ RFC text parser

interface Step {
  readonly side: 'client' | 'server';
  readonly title: string;
  readonly fields: ReadonlyMap<string, string>; // name -> hex
}

function parseSections(text: string): Map<number, Step[]> {
  const sections = new Map<number, Step[]>();
  let steps: Step[] | null = null;
  let step: { side: 'client' | 'server'; title: string; fields: Map<string, string> } | null = null;
  let field: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\f/g, '');
    if (/^Thomson\s+Expires/.test(line) || /^Internet-Draft\s+TLS 1\.3 Traces/.test(line)) continue;
    const sec = /^(\d+)\.\s{2}\S/.exec(line);
    if (sec) {
      steps = [];
      sections.set(Number(sec[1]), steps);
      step = null;
      field = null;
      continue;
    }
    if (steps === null) continue;
    const st = /^ {3}\{(client|server)\}\s+(.*)$/.exec(line);
    if (st) {
      step = { side: st[1] as 'client' | 'server', title: st[2]!.trim(), fields: new Map() };
      steps.push(step);
      field = null;
      continue;
    }
    const f = /^ {6}(\S.*?) \((\d+) octets\):\s+(.*)$/.exec(line);
    if (f && step) {
      field = f[1]!;
      step.fields.set(field, f[3]!.trim() === '(empty)' ? '' : f[3]!.replace(/\s+/g, ''));
      continue;
    }
    const cont = /^ {9}([0-9a-f]{2}( [0-9a-f]{2})*)\s*$/.exec(line);
    if (cont && step && field !== null) {
      step.fields.set(field, step.fields.get(field)! + cont[1]!.replace(/\s+/g, ''));
      continue;
    }
    if (line.trim() !== '') field = null; // prose or a title continuation ends a field
  }
  return sections;
}

const text = readFileSync(new URL('../../../shared/vectors/rfc8448/draft-ietf-tls-tls13-vectors-editors-copy-20180927.txt', import.meta.url), 'utf8');
const sections = parseSections(text);

/** The `field` of the `n`th step of `side` whose title starts with `title`, as hex. */
function v(section: number, side: 'client' | 'server', title: string, field: string, n = 0): string {
  const matches = (sections.get(section) ?? []).filter((s) => s.side === side && s.title.startsWith(title));
  const s = matches[n];
  assert.ok(s, `editors' copy §${section}: no ${n}th {${side}} step "${title}"`);
  const value = s.fields.get(field);
  assert.ok(value !== undefined, `editors' copy §${section}: {${side}} "${title}" has no field "${field}"`);
  return value;
}
const b = (hex: string): Uint8Array => fromHex(hex);

test('the RFC 8448 editors\' copy parses (sanity)', () => {
  assert.equal(v(3, 'server', 'extract secret "early"', 'secret'), '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a');
  assert.equal(v(3, 'client', 'construct a ClientHello', 'ClientHello').length, 196 * 2);
});

// ------------------------------------------------------------------ §3 simple 1-RTT

test('RFC 8448 editors\' copy §3: every secret, finished key and traffic key from the inputs', () => {
  const h = sha256;
  const m = (side: 'client' | 'server', name: string) => b(v(3, side, `construct a ${name}`, name));
  const ch = m('client', 'ClientHello');
  const sh = m('server', 'ServerHello');
  const ee = m('server', 'EncryptedExtensions');
  const cert = m('server', 'Certificate');
  const cv = m('server', 'CertificateVerify');
  const sfin = b(v(3, 'server', 'construct a Finished', 'Finished'));
  const cfin = b(v(3, 'client', 'construct a Finished', 'Finished'));

  // (EC)DHE from the client's private key and the server's share.
  const client = X25519Exchange.fromPrivateKey(b(v(3, 'client', 'create an ephemeral x25519', 'private key')));
  assert.equal(toHex(client.publicShare), v(3, 'client', 'create an ephemeral x25519', 'public key'));
  const shared = client.complete(b(v(3, 'server', 'create an ephemeral x25519', 'public key')));
  assert.equal(toHex(shared), v(3, 'server', 'extract secret "handshake"', 'IKM'));

  // The stage primitives, value by value.
  const early = h.hkdfExtract(new Uint8Array(32), new Uint8Array(32));
  assert.equal(toHex(early), v(3, 'server', 'extract secret "early"', 'secret'));
  assert.equal(toHex(emptyTranscriptHash(h)), v(3, 'server', 'derive secret for handshake "tls13 derived"', 'hash'));
  const derived1 = deriveSecret(h, early, 'derived', emptyTranscriptHash(h));
  assert.equal(toHex(derived1), v(3, 'server', 'derive secret for handshake "tls13 derived"', 'expanded'));
  const hsSecret = h.hkdfExtract(derived1, shared);
  assert.equal(toHex(hsSecret), v(3, 'server', 'extract secret "handshake"', 'secret'));
  const derived2 = deriveSecret(h, hsSecret, 'derived', emptyTranscriptHash(h));
  assert.equal(toHex(derived2), v(3, 'server', 'derive secret for master "tls13 derived"', 'expanded'));
  const master = h.hkdfExtract(derived2, new Uint8Array(32));
  assert.equal(toHex(master), v(3, 'server', 'extract secret "master"', 'secret'));

  // The stage classes, driven by the transcript as the engine drives them.
  const t = new Transcript();
  t.add(ch);
  t.startHash(h); // the server chose TLS_AES_128_GCM_SHA256
  t.add(sh);
  const helloHash = t.current();
  assert.equal(toHex(helloHash), v(3, 'server', 'derive secret "tls13 c hs traffic"', 'hash'));
  const hs = new EarlySecret(h, null).intoHandshakeSecret(shared);
  const cHs = hs.clientHandshakeTrafficSecret(helloHash);
  const sHs = hs.serverHandshakeTrafficSecret(helloHash);
  assert.equal(toHex(cHs), v(3, 'server', 'derive secret "tls13 c hs traffic"', 'expanded'));
  assert.equal(toHex(sHs), v(3, 'server', 'derive secret "tls13 s hs traffic"', 'expanded'));

  // Handshake traffic keys: server write = client read, and the reverse.
  const sHsKeys = trafficKeys(h, sHs, aes128Gcm.keyLength);
  assert.equal(toHex(sHsKeys.key), v(3, 'server', 'derive write traffic keys for handshake data', 'key expanded'));
  assert.equal(toHex(sHsKeys.iv), v(3, 'server', 'derive write traffic keys for handshake data', 'iv expanded'));
  const cHsKeys = trafficKeys(h, cHs, aes128Gcm.keyLength);
  assert.equal(toHex(cHsKeys.key), v(3, 'server', 'derive read traffic keys for handshake data', 'key expanded'));
  assert.equal(toHex(cHsKeys.iv), v(3, 'server', 'derive read traffic keys for handshake data', 'iv expanded'));

  // Server Finished over CH..CertificateVerify.
  t.add(ee);
  t.add(cert);
  t.add(cv);
  assert.equal(toHex(finishedKey(h, sHs)), v(3, 'server', 'calculate finished', 'expanded'));
  const sVerify = finishedVerifyData(h, sHs, t.current());
  assert.equal(toHex(sVerify), v(3, 'server', 'calculate finished', 'finished'));
  assert.deepEqual(sfin.subarray(4), sVerify);
  assert.equal(verifyFinished(h, sHs, t.current(), sfin.subarray(4)), true);
  const tampered = sVerify.slice();
  tampered[0]! ^= 1;
  assert.equal(verifyFinished(h, sHs, t.current(), tampered), false);
  t.add(sfin);
  const serverFinishedHash = t.current();

  const ms = hs.intoMasterSecret();
  assert.throws(() => hs.clientHandshakeTrafficSecret(helloHash), { code: 'ERR_TLS_INTERNAL' }, 'a consumed stage refuses');
  const cAp = ms.clientApplicationTrafficSecret(serverFinishedHash);
  const sAp = ms.serverApplicationTrafficSecret(serverFinishedHash);
  const exp = ms.exporterMasterSecret(serverFinishedHash);
  assert.equal(toHex(serverFinishedHash), v(3, 'server', 'derive secret "tls13 c ap traffic"', 'hash'));
  assert.equal(toHex(cAp), v(3, 'server', 'derive secret "tls13 c ap traffic"', 'expanded'));
  assert.equal(toHex(sAp), v(3, 'server', 'derive secret "tls13 s ap traffic"', 'expanded'));
  assert.equal(toHex(exp), v(3, 'server', 'derive secret "tls13 exp master"', 'expanded'));
  const sApKeys = trafficKeys(h, sAp, 16);
  assert.equal(toHex(sApKeys.key), v(3, 'server', 'derive write traffic keys for application data', 'key expanded'));
  assert.equal(toHex(sApKeys.iv), v(3, 'server', 'derive write traffic keys for application data', 'iv expanded'));
  const cApKeys = trafficKeys(h, cAp, 16);
  assert.equal(toHex(cApKeys.key), v(3, 'client', 'derive write traffic keys for application data', 'key expanded'));
  assert.equal(toHex(cApKeys.iv), v(3, 'client', 'derive write traffic keys for application data', 'iv expanded'));

  // Client Finished, then the resumption master secret and the ticket PSK.
  assert.equal(toHex(finishedKey(h, cHs)), v(3, 'client', 'calculate finished "tls13 finished":', 'expanded'));
  assert.equal(toHex(finishedVerifyData(h, cHs, serverFinishedHash)), v(3, 'client', 'calculate finished "tls13 finished":', 'finished'));
  t.add(cfin);
  const res = ms.resumptionMasterSecret(t.current());
  assert.equal(toHex(t.current()), v(3, 'client', 'derive secret "tls13 res master"', 'hash'));
  assert.equal(toHex(res), v(3, 'client', 'derive secret "tls13 res master"', 'expanded'));
  const nonce = b(v(3, 'server', 'generate resumption secret', 'hash'));
  assert.equal(toHex(resumptionPsk(h, res, nonce)), v(3, 'server', 'generate resumption secret', 'expanded'));
  ms.wipe();
  assert.throws(() => ms.exporterMasterSecret(serverFinishedHash), { code: 'ERR_TLS_INTERNAL' });

  // The HkdfLabel encodings the trace prints.
  assert.equal(v(3, 'server', 'derive write traffic keys for handshake data', 'key info'), '001009746c73313320' + '6b6579' + '00');
});

// ------------------------------------------------------------------ §4 resumed 0-RTT

test('RFC 8448 editors\' copy §4: early secret from the ticket PSK, binder, early traffic and exporter secrets', () => {
  const h = sha256;
  const psk = b(v(4, 'client', 'extract secret "early"', 'IKM'));
  // The PSK is the ticket PSK of §3.
  assert.equal(toHex(psk), v(3, 'server', 'generate resumption secret', 'expanded'));
  assert.equal(toHex(h.hkdfExtract(new Uint8Array(32), psk)), v(4, 'client', 'extract secret "early"', 'secret'));
  const es = new EarlySecret(h, psk);

  // Binder over Transcript-Hash(Truncate(ClientHello)) (RFC 8446 §4.2.11.2).
  const prefix = b(v(4, 'client', 'calculate PSK binder', 'ClientHello prefix'));
  const t = new Transcript();
  const binderHash = t.currentWith(prefix, h); // before the suite is known, with the PSK's hash
  assert.equal(toHex(binderHash), v(4, 'client', 'calculate PSK binder', 'binder hash'));
  const binderKey = es.binderKey('resumption');
  assert.equal(toHex(binderKey), v(4, 'client', 'calculate PSK binder', 'PRK'));
  assert.equal(toHex(finishedKey(h, binderKey)), v(4, 'client', 'calculate PSK binder', 'expanded'));
  const binder = es.binder('resumption', binderHash);
  assert.equal(toHex(binder), v(4, 'client', 'calculate PSK binder', 'finished'));
  assert.equal(es.verifyBinder('resumption', binderHash, binder), true);
  assert.equal(es.verifyBinder('external', binderHash, binder), false, 'ext and res binder keys differ');

  // The whole ClientHello (with binders) as sent.
  const ch = b(v(4, 'client', 'send handshake record', 'payload'));
  assert.equal(ch.length, 512);
  assert.deepEqual(ch.subarray(0, prefix.length), prefix);
  t.add(ch);
  const chHash = t.currentWith(new Uint8Array(0), h);
  assert.equal(toHex(chHash), v(4, 'client', 'derive secret "tls13 c e traffic"', 'hash'));
  const cEarly = es.clientEarlyTrafficSecret(chHash);
  assert.equal(toHex(cEarly), v(4, 'client', 'derive secret "tls13 c e traffic"', 'expanded'));
  assert.equal(toHex(es.earlyExporterMasterSecret(chHash)), v(4, 'client', 'derive secret "tls13 e exp master"', 'expanded'));
  const earlyKeys = trafficKeys(h, cEarly, 16);
  assert.equal(toHex(earlyKeys.key), v(4, 'client', 'derive write traffic keys for early application data', 'key expanded'));
  assert.equal(toHex(earlyKeys.iv), v(4, 'client', 'derive write traffic keys for early application data', 'iv expanded'));

  // Handshake secret with both PSK and (EC)DHE.
  const client = X25519Exchange.fromPrivateKey(b(v(4, 'client', 'create an ephemeral x25519', 'private key')));
  const shared = client.complete(b(v(4, 'server', 'create an ephemeral x25519', 'public key')));
  const hs = es.intoHandshakeSecret(shared);
  assert.throws(() => es.binderKey('resumption'), { code: 'ERR_TLS_INTERNAL' });
  t.startHash(h);
  t.add(b(v(4, 'server', 'construct a ServerHello', 'ServerHello')));
  assert.equal(toHex(hs.clientHandshakeTrafficSecret(t.current())), v(4, 'server', 'derive secret "tls13 c hs traffic"', 'expanded'));
  assert.equal(toHex(hs.serverHandshakeTrafficSecret(t.current())), v(4, 'server', 'derive secret "tls13 s hs traffic"', 'expanded'));
  const ms = hs.intoMasterSecret();
  t.add(b(v(4, 'server', 'construct a EncryptedExtensions', 'EncryptedExtensions')));
  t.add(b(v(4, 'server', 'construct a Finished', 'Finished')));
  assert.equal(toHex(ms.serverApplicationTrafficSecret(t.current())), v(4, 'server', 'derive secret "tls13 s ap traffic"', 'expanded'));
  assert.equal(toHex(ms.exporterMasterSecret(t.current())), v(4, 'server', 'derive secret "tls13 exp master"', 'expanded'));
  t.add(b(v(4, 'client', 'construct a EndOfEarlyData', 'EndOfEarlyData')));
  t.add(b(v(4, 'client', 'construct a Finished', 'Finished')));
  assert.equal(toHex(ms.resumptionMasterSecret(t.current())), v(4, 'client', 'derive secret "tls13 res master"', 'expanded'));
});

// ------------------------------------------------------------------ §5 HelloRetryRequest

test('RFC 8448 editors\' copy §5: HelloRetryRequest message_hash transcript with P-256', () => {
  const h = sha256;
  const ch1 = b(v(5, 'client', 'construct a ClientHello', 'ClientHello', 0));
  const hrr = b(v(5, 'server', 'construct a ServerHello', 'ServerHello', 0));
  const ch2 = b(v(5, 'client', 'construct a ClientHello', 'ClientHello', 1));
  const sh = b(v(5, 'server', 'construct a ServerHello', 'ServerHello', 1));

  const t = new Transcript();
  t.add(ch1);
  t.startHash(h);
  t.replaceWithMessageHash();
  t.add(hrr);
  t.add(ch2);
  t.add(sh);
  const expectedHelloHash = v(5, 'server', 'derive secret "tls13 c hs traffic"', 'hash');
  assert.equal(toHex(t.current()), expectedHelloHash);

  // A stateless server rebuilds the same transcript from Hash(ClientHello1) in its cookie.
  const rebuilt = Transcript.fromClientHello1Hash(h, h.digest(ch1));
  rebuilt.add(hrr);
  rebuilt.add(ch2);
  rebuilt.add(sh);
  assert.equal(toHex(rebuilt.current()), expectedHelloHash);

  // P-256 ECDHE from the client's private key (second key pair: after the HRR).
  const client = ecdhExchangeFromPrivateKey(NamedGroup.Secp256r1, b(v(5, 'client', 'create an ephemeral P-256', 'private key')));
  assert.equal(toHex(client.publicShare), v(5, 'client', 'create an ephemeral P-256', 'public key'));
  const shared = client.complete(b(v(5, 'server', 'create an ephemeral P-256', 'public key')));
  assert.equal(toHex(shared), v(5, 'server', 'extract secret "handshake"', 'IKM'));
  const hs = new EarlySecret(h, null).intoHandshakeSecret(shared);
  assert.equal(toHex(hs.clientHandshakeTrafficSecret(t.current())), v(5, 'server', 'derive secret "tls13 c hs traffic"', 'expanded'));
  assert.equal(toHex(hs.serverHandshakeTrafficSecret(t.current())), v(5, 'server', 'derive secret "tls13 s hs traffic"', 'expanded'));
});

// ------------------------------------------------------------------ beyond RFC 8448

test('KeyUpdate, exporter and label limits', () => {
  const h = sha256;
  const secret = b('00'.repeat(32));
  const next = nextTrafficSecret(h, secret);
  assert.deepEqual(next, hkdfExpandLabel(h, secret, 'traffic upd', new Uint8Array(0), 32));
  assert.notDeepEqual(nextTrafficSecret(h, next), next);
  // RFC 8446 §7.5 by hand: HKDF-Expand-Label(Derive-Secret(S, label, ""), "exporter", Hash(ctx), L).
  const ctx = b('0102');
  const byHand = hkdfExpandLabel(h, deriveSecret(h, secret, 'EXPORTER-test', h.digest(new Uint8Array(0))), 'exporter', h.digest(ctx), 40);
  assert.deepEqual(exportKeyingMaterial(h, secret, 'EXPORTER-test', ctx, 40), byHand);
  assert.notDeepEqual(exportKeyingMaterial(h, secret, 'EXPORTER-test', new Uint8Array(0), 40), byHand);
  assert.doesNotThrow(() => hkdfExpandLabel(h, secret, 'x'.repeat(249), new Uint8Array(0), 32));
  assert.throws(() => hkdfExpandLabel(h, secret, 'x'.repeat(250), new Uint8Array(0), 32), { code: 'ERR_TLS_INTERNAL' });
  assert.throws(() => hkdfExpandLabel(h, secret, 'key', new Uint8Array(256), 32), { code: 'ERR_TLS_INTERNAL' });
  // QUIC labels (RFC 9001 §5.1) go through the same derivation.
  const quic = trafficKeys(h, secret, 16, 12, { key: 'quic key', iv: 'quic iv' });
  assert.deepEqual(quic.key, hkdfExpandLabel(h, secret, 'quic key', new Uint8Array(0), 16));
  // psk_ke: the handshake secret extracts HashLen zeros.
  const a = new EarlySecret(h, secret).intoHandshakeSecret(null).clientHandshakeTrafficSecret(emptyTranscriptHash(h));
  const zeros = new HandshakeSecret(h, h.hkdfExtract(deriveSecret(h, h.hkdfExtract(new Uint8Array(32), secret), 'derived', emptyTranscriptHash(h)), new Uint8Array(32)));
  assert.deepEqual(a, zeros.clientHandshakeTrafficSecret(emptyTranscriptHash(h)));
});
