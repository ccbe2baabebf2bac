/**
 * The first performance pass (issue 5): lazily allocated, releasable record buffers, the
 * provider's `openToNew` fast path (decrypted plaintext handed over without a copy), and the
 * one-block HKDF-Expand shortcut. Behaviour only: no timings are asserted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import { RecordDeframer, DEFAULT_DEFRAMER_CAPACITY } from '../../src/core/record/deframer.ts';
import { HandshakeJoiner } from '../../src/core/record/handshake-joiner.ts';
import { Tls13RecordOpener, Tls13RecordSealer } from '../../src/core/record/tls13-protection.ts';
import { InboundOpaqueRecord } from '../../src/core/record/record.ts';
import { ContentType } from '../../src/core/codec/codepoints.ts';
import type { AeadAlgorithm, AeadKey } from '../../src/core/crypto/provider.ts';
import { TlsError } from '../../src/core/errors.ts';
import { aes128Gcm, chacha20Poly1305 } from '../../src/providers/node/aead.ts';
import { sha256, sha384 } from '../../src/providers/node/hash.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createTicketer } from '../../src/core/server/ticketer.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority } from '../helpers/pki-openssl.ts';
import { handshake, readAll, transfer } from '../helpers/memory-pair.ts';

/** One wire record: header + body. */
function wireRecord(type: number, body: Uint8Array): Uint8Array {
  const r = new Uint8Array(5 + body.length);
  r[0] = type; r[1] = 3; r[2] = 3; r[3] = body.length >>> 8; r[4] = body.length & 0xff;
  r.set(body, 5);
  return r;
}

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe('RecordDeframer: buffer on demand', () => {
  it('accepts up to its capacity before any allocation and yields records intact at any chunking', () => {
    const d = new RecordDeframer();
    assert.equal(d.freeSpace(), DEFAULT_DEFRAMER_CAPACITY, 'a fresh deframer offers its whole capacity');
    const records = [wireRecord(ContentType.ApplicationData, filled(100, 1)), wireRecord(ContentType.ApplicationData, filled(16384 + 17, 2)), wireRecord(ContentType.Handshake, filled(3000, 3))];
    const stream = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
    let o = 0;
    for (const r of records) { stream.set(r, o); o += r.length; }
    for (const chunk of [1, 7, 4096, 5000, stream.length]) {
      const dd = new RecordDeframer();
      const got: Uint8Array[] = [];
      for (let off = 0; off < stream.length;) {
        const n = dd.write(stream, off, Math.min(chunk, stream.length - off));
        off += n;
        for (let r = dd.next(); r !== null; r = dd.next()) got.push(r.payload.slice());
        assert.ok(n > 0 || dd.buffered() > 0, `chunk ${chunk}: progress at ${off}`);
      }
      assert.equal(got.length, 3, `chunk ${chunk}: three records`);
      for (let i = 0; i < 3; i++) assert.deepEqual(got[i], records[i]!.subarray(5), `chunk ${chunk}: record ${i}`);
    }
  });

  it('never holds more than its capacity', () => {
    const d = new RecordDeframer();
    const big = new Uint8Array(3 * DEFAULT_DEFRAMER_CAPACITY);
    big.set(wireRecord(ContentType.ApplicationData, filled(16384 + 256, 4)));
    const n = d.write(big);
    assert.equal(n, DEFAULT_DEFRAMER_CAPACITY, 'accepts exactly the capacity');
    assert.equal(d.write(big, n), 0, 'then nothing more');
  });

  it('release() frees only an empty buffer; earlier payload views stay readable; writing again works', () => {
    const d = new RecordDeframer();
    const rec = wireRecord(ContentType.ApplicationData, filled(50, 5));
    d.write(rec.subarray(0, 20));
    assert.equal(d.release(), false, 'a partial record keeps the buffer');
    d.write(rec, 20);
    const r = d.next();
    assert.ok(r !== null, 'the record is complete');
    assert.equal(d.release(), true, 'empty: released');
    assert.deepEqual(r.payload, rec.subarray(5), 'the view still reads the old bytes');
    const rec2 = wireRecord(ContentType.Alert, Uint8Array.of(1, 0));
    assert.equal(d.write(rec2), rec2.length, 'write after release');
    assert.deepEqual(d.next()?.payload, Uint8Array.of(1, 0), 'record after release');
  });
});

describe('HandshakeJoiner: buffer on demand', () => {
  it('joins a message split over records, releases when empty, and works again after release', () => {
    const j = new HandshakeJoiner();
    const body = filled(5000, 6);
    const msg = new Uint8Array(4 + body.length);
    msg[0] = 11; msg[1] = 0; msg[2] = body.length >>> 8; msg[3] = body.length & 0xff;
    msg.set(body, 4);
    j.push(msg.subarray(0, 3));
    assert.equal(j.release(), false, 'a partial message keeps the buffer');
    j.push(msg.subarray(3, 2000));
    assert.equal(j.next(), null, 'still partial');
    j.push(msg.subarray(2000));
    const m = j.next();
    assert.equal(m?.type, 11, 'message type');
    assert.deepEqual(m?.encoding, msg, 'whole message');
    assert.equal(j.release(), true, 'empty: released');
    j.push(Uint8Array.of(24, 0, 0, 1, 0));
    assert.deepEqual(j.next()?.body, Uint8Array.of(0), 'message after release');
  });
});

/** An AEAD that only decrypts in place (hides `openToNew`), like a provider that can. */
function inPlaceOnly(aead: AeadAlgorithm): AeadAlgorithm {
  return {
    name: aead.name, keyLength: aead.keyLength, nonceLength: aead.nonceLength, tagLength: aead.tagLength,
    confidentialityLimit: aead.confidentialityLimit, integrityLimit: aead.integrityLimit,
    importKey(key: Uint8Array): AeadKey {
      const k = aead.importKey(key);
      return { seal: (n, a, p, o, off) => k.seal(n, a, p, o, off), open: (n, a, c, o, off) => k.open(n, a, c, o, off) };
    },
  };
}

describe('Tls13RecordOpener: openToNew hand-over', () => {
  for (const aead of [aes128Gcm, chacha20Poly1305]) {
    it(`${aead.name}: same plaintext whether the provider decrypts in place or into a new buffer`, () => {
      const key = filled(aead.keyLength, 7), iv = filled(12, 8);
      const sealer = new Tls13RecordSealer(aead, key, iv);
      const data = filled(16384, 9);
      const out = new Uint8Array(sealer.sealedLength(ContentType.ApplicationData, data.length) * 2);
      let o = sealer.seal(ContentType.ApplicationData, data, 0, data.length, out, 0);
      o += sealer.seal(ContentType.ApplicationData, data, 0, 10, out, o);
      const records = (): InboundOpaqueRecord[] => {
        const d = new RecordDeframer();
        d.write(out.slice(0, o));
        return [d.next()!, d.next()!];
      };
      const fresh = new Tls13RecordOpener(aead, key, iv);
      const inPlace = new Tls13RecordOpener(inPlaceOnly(aead), key, iv);
      const [a1, a2] = records();
      const p1 = fresh.open(a1!);
      assert.equal(p1.owned, true, 'node provider: plaintext in a new buffer');
      assert.notEqual(p1.payload.buffer, a1!.payload.buffer, 'not the record buffer');
      assert.equal(p1.payload.constructor, Uint8Array, 'a plain Uint8Array, not a Buffer');
      assert.deepEqual(p1.payload, data, 'content');
      assert.equal(p1.contentType, ContentType.ApplicationData, 'inner type');
      assert.deepEqual(fresh.open(a2!).payload, data.subarray(0, 10), 'second record (sequence 1)');
      const [b1, b2] = records();
      const q1 = inPlace.open(b1!);
      assert.equal(q1.owned, false, 'in-place provider: not owned');
      assert.equal(q1.payload.buffer, b1!.payload.buffer, 'aliases the record buffer');
      assert.deepEqual(q1.payload, data, 'content');
      assert.deepEqual(inPlace.open(b2!).payload, data.subarray(0, 10), 'second record');
    });

    it(`${aead.name}: a flipped tag bit is bad_record_mac on the openToNew path too`, () => {
      const key = filled(aead.keyLength, 10), iv = filled(12, 11);
      const sealer = new Tls13RecordSealer(aead, key, iv);
      const data = filled(300, 12);
      const out = new Uint8Array(sealer.sealedLength(ContentType.ApplicationData, data.length));
      sealer.seal(ContentType.ApplicationData, data, 0, data.length, out, 0);
      out[out.length - 1]! ^= 1;
      const opener = new Tls13RecordOpener(aead, key, iv);
      const r = new InboundOpaqueRecord(out[0]!, 0x0303, out.subarray(5));
      assert.throws(() => opener.open(r), (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_RECORD_BAD_MAC', 'bad MAC');
      assert.equal(opener.authenticationFailures, 1, 'counted against the integrity limit');
      assert.equal(opener.sequenceNumber, 0, 'sequence does not advance');
    });
  }
});

describe('node provider: HKDF-Expand', () => {
  it('the one-block shortcut equals the first block of a longer expansion (RFC 5869 §2.3)', () => {
    for (const h of [sha256, sha384]) {
      const prk = filled(h.outputLength, 13), info = filled(20, 14);
      const long = h.hkdfExpand(prk, info, 3 * h.outputLength + 5);
      assert.deepEqual(h.hkdfExpand(prk, info, h.outputLength), long.subarray(0, h.outputLength), `${h.name}: T(1)`);
      assert.deepEqual(h.hkdfExpand(prk, info, 12), long.subarray(0, 12), `${h.name}: short`);
      assert.deepEqual(h.hmac(prk, Uint8Array.of(...info, 1)), long.subarray(0, h.outputLength), `${h.name}: T(1) = HMAC(PRK, info | 1)`);
    }
  });
});

describe('engine: buffers after the handshake', () => {
  const provider = nodeCryptoProvider;
  let pki: OpenSslPki;
  let root: CertificateAuthority;
  let certified: CertifiedKey;
  before(() => {
    pki = OpenSslPki.create();
    root = pki.makeCa({ name: 'Perf Root', keyType: 'ecdsa-p256' });
    const leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:server.test'] });
    certified = { chain: [leaf.certDer], key: provider.loadSigningKey(leaf.keyPem) };
  });
  after(() => pki.cleanup());

  it('post-handshake messages (tickets, KeyUpdate) regrow the buffers; they are dropped again once empty', () => {
    const ticketer = createTicketer({ provider });
    const c = new ClientConnection(createClientConfig({ provider, verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }) }), 'server.test');
    const s = new ServerConnection(createServerConfig({ provider, certificates: [certified], ticketer, ticketsToSend: 2 }));
    type Internals = { deframer: { buf: Uint8Array }; joiner: { buf: Uint8Array }; handshakeBuffersReleased: boolean };
    const held = (conn: ClientConnection | ServerConnection): number => {
      const i = conn as unknown as Internals;
      return i.deframer.buf.length + i.joiner.buf.length;
    };
    handshake(c, s); // the server's two NewSessionTickets reach the client after its Finished
    assert.equal((c as unknown as Internals).handshakeBuffersReleased, true, 'client: released after the tickets');
    assert.equal(held(c), 0, 'client: no record or handshake buffer held while idle after the tickets');
    assert.equal(held(s), 0, 'server: none held while idle');
    s.updateKeys(true);
    transfer(s, c);
    transfer(c, s);
    assert.equal(held(c), 0, 'client: none held after a KeyUpdate');
    assert.equal(held(s), 0, 'server: none held after the KeyUpdate answer');
    s.writePlaintext(Uint8Array.of(7));
    transfer(s, c);
    assert.deepEqual(readAll(c), Uint8Array.of(7), 'data still flows');
  });

  it('an established pair moves data both ways after the handshake buffers were released, and plaintext is never a Buffer', () => {
    const c = new ClientConnection(createClientConfig({ provider, verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }) }), 'server.test');
    const s = new ServerConnection(createServerConfig({ provider, certificates: [certified] }));
    handshake(c, s);
    for (const conn of [c, s]) {
      const bufs = conn as unknown as { deframer: { buffered(): number; freeSpace(): number }; handshakeBuffersReleased: boolean };
      assert.equal(bufs.handshakeBuffersReleased, true, `${conn.side}: handshake buffers released`);
    }
    const big = filled(200_000, 15);
    c.writePlaintext(big);
    transfer(c, s);
    const got = readAll(s);
    assert.deepEqual(got, big, 'client -> server, 200 kB');
    s.writePlaintext(Uint8Array.of(1, 2, 3));
    transfer(s, c);
    const p = c.readPlaintext();
    assert.ok(p !== null, 'server -> client data');
    assert.equal(p.constructor, Uint8Array, 'plain Uint8Array');
    assert.deepEqual(p, Uint8Array.of(1, 2, 3), 'content');
    c.updateKeys(true);
    transfer(c, s);
    transfer(s, c);
    c.writePlaintext(Uint8Array.of(9));
    transfer(c, s);
    assert.deepEqual(readAll(s), Uint8Array.of(9), 'after KeyUpdate (post-handshake messages re-grow the joiner)');
  });
});
