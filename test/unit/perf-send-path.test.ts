/**
 * Bulk-path changes of the second performance pass (issue 5): recycled send buffers
 * (`AeadKey.allocateSealed` and the Node adapter giving them back), `_writev` joining small
 * chunks, and the TLS 1.2 opener's `openToNew` hand-over with shared nonce/AAD scratch.
 * Behaviour only: no timings are asserted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo, Server, Socket } from 'node:net';
import { ContentType } from '../../src/core/codec/codepoints.ts';
import type { AeadAlgorithm, AeadKey } from '../../src/core/crypto/provider.ts';
import { TlsError } from '../../src/core/errors.ts';
import { RecordFragmenter } from '../../src/core/record/fragmenter.ts';
import { InboundOpaqueRecord, type RecordSealer } from '../../src/core/record/record.ts';
import { Tls12RecordOpener, Tls12RecordSealer, type Tls12NonceKind } from '../../src/core/record/tls12-protection.ts';
import { Tls13RecordOpener, Tls13RecordSealer } from '../../src/core/record/tls13-protection.ts';
import { aes128Gcm, aes256Gcm, chacha20Poly1305, isRecyclableSealed, recycleSealed } from '../../src/providers/node/aead.ts';
import { connect, createServer, type TlsSocket } from '../../src/node/index.ts';
import { createDemoCa } from '../../src/cli/demo-ca.ts';

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Wraps an AEAD: `allocateSealed` returns memory full of 0xEE, `inPlace` hides `openToNew`. */
function wrapped(aead: AeadAlgorithm, opts: { dirtyAllocations?: boolean; inPlace?: boolean }): AeadAlgorithm {
  return {
    ...aead,
    name: aead.name,
    importKey(key: Uint8Array): AeadKey {
      const k = aead.importKey(key);
      const w: AeadKey = {
        seal: (n, a, p, o, off) => k.seal(n, a, p, o, off),
        open: (n, a, c, o, off) => k.open(n, a, c, o, off),
      };
      if (opts.inPlace !== true) w.openToNew = (n, a, c) => k.openToNew!(n, a, c);
      if (opts.dirtyAllocations === true) w.allocateSealed = (length) => new Uint8Array(length).fill(0xee);
      return w;
    },
  };
}

/** Parses consecutive records of `wire`. */
function records(wire: Uint8Array): InboundOpaqueRecord[] {
  const out: InboundOpaqueRecord[] = [];
  for (let o = 0; o < wire.length;) {
    const len = (wire[o + 3]! << 8) | wire[o + 4]!;
    out.push(new InboundOpaqueRecord(wire[o]!, (wire[o + 1]! << 8) | wire[o + 2]!, wire.slice(o + 5, o + 5 + len)));
    o += 5 + len;
  }
  return out;
}

describe('sealing into provider memory (AeadKey.allocateSealed)', () => {
  const key16 = filled(16, 1), key32 = filled(32, 2), iv12 = filled(12, 3), salt4 = filled(4, 4);
  const cases: Array<{ name: string; make: (aead: AeadAlgorithm) => RecordSealer }> = [
    { name: 'TLS 1.3 AES-128-GCM', make: (a) => new Tls13RecordSealer(a, key16, iv12) },
    { name: 'TLS 1.3 AES-128-GCM, padded to 512', make: (a) => new Tls13RecordSealer(a, key16, iv12, { padding: { kind: 'multiple', multiple: 512 } }) },
    { name: 'TLS 1.2 AES-256-GCM', make: (a) => new Tls12RecordSealer(a, 'gcm-explicit', key32, salt4) },
    { name: 'TLS 1.2 ChaCha20-Poly1305', make: (a) => new Tls12RecordSealer(a, 'xor', key32, iv12) },
  ];
  const aeadOf = (name: string): AeadAlgorithm => name.includes('AES-128') ? aes128Gcm : name.includes('AES-256') ? aes256Gcm : chacha20Poly1305;
  for (const c of cases) {
    it(`${c.name}: every byte of dirty memory is overwritten (same records as in zeroed memory)`, () => {
      const frag = new RecordFragmenter();
      for (const size of [1, 1000, 16384, 16385, 40000, 65536, 70000]) {
        const data = filled(size, size);
        const clean = frag.sealToBytes(c.make(aeadOf(c.name)), ContentType.ApplicationData, data);
        const dirty = frag.sealToBytes(c.make(wrapped(aeadOf(c.name), { dirtyAllocations: true })), ContentType.ApplicationData, data);
        assert.deepEqual(dirty, clean, `${size} bytes`);
      }
    });
  }

  it('the node provider recycles only its own lent 32..64 KiB buffers, each once', () => {
    const key = aes128Gcm.importKey(key16);
    assert.ok(key.allocateSealed !== undefined);
    const small = key.allocateSealed(1000);
    assert.equal(small.length, 1000);
    assert.equal(isRecyclableSealed(small), false, 'small requests get a buffer of their own');
    const huge = key.allocateSealed(1 << 20);
    assert.equal(isRecyclableSealed(huge), false, 'over 64 KiB: a buffer of its own');
    const a = key.allocateSealed(65624);
    assert.equal(a.length, 65624);
    assert.equal(isRecyclableSealed(a), true);
    recycleSealed(a);
    assert.equal(isRecyclableSealed(a), false, 'given back: no longer lent');
    const b = key.allocateSealed(40000);
    assert.equal(b.buffer, a.buffer, 'the next request reuses it');
    assert.equal(b.length, 40000);
    recycleSealed(b);
    recycleSealed(b); // twice: ignored
    const c1 = key.allocateSealed(50000), c2 = key.allocateSealed(50000);
    assert.notEqual(c1.buffer, c2.buffer, 'a buffer given back twice is handed out once');
    recycleSealed(new Uint8Array(50000)); // foreign: ignored
    recycleSealed(c1);
    recycleSealed(c2);
  });
});

describe('Tls12RecordOpener: openToNew hand-over and shared scratch', () => {
  const suites: Array<{ aead: AeadAlgorithm; kind: Tls12NonceKind; key: number; iv: number }> = [
    { aead: aes128Gcm, kind: 'gcm-explicit', key: 16, iv: 4 },
    { aead: aes256Gcm, kind: 'gcm-explicit', key: 32, iv: 4 },
    { aead: chacha20Poly1305, kind: 'xor', key: 32, iv: 12 },
  ];
  for (const s of suites) {
    it(`${s.aead.name}: owned plaintext with openToNew, in place without; bad tags fail both ways`, () => {
      const kA = filled(s.key, 7), ivA = filled(s.iv, 8), kB = filled(s.key, 9), ivB = filled(s.iv, 10);
      const frag = new RecordFragmenter();
      const sealA = new Tls12RecordSealer(s.aead, s.kind, kA, ivA), sealB = new Tls12RecordSealer(s.aead, s.kind, kB, ivB);
      const fast = new Tls12RecordOpener(s.aead, s.kind, kA, ivA);
      const slow = new Tls12RecordOpener(wrapped(s.aead, { inPlace: true }), s.kind, kA, ivA);
      const other = new Tls12RecordOpener(s.aead, s.kind, kB, ivB);
      // Two keys sealing and opening interleaved: the shared scratch is rewritten per record.
      for (let i = 0; i < 5; i++) {
        const data = filled(100 + i * 5000, i);
        const wa = frag.sealToBytes(sealA, ContentType.ApplicationData, data);
        const wb = frag.sealToBytes(sealB, ContentType.ApplicationData, data);
        const viaFast: Uint8Array[] = [], viaSlow: Uint8Array[] = [], viaOther: Uint8Array[] = [];
        for (const r of records(wa)) {
          const copy = new InboundOpaqueRecord(r.contentType, r.legacyVersion, r.payload.slice());
          const p = fast.open(r);
          assert.equal(p.owned, true);
          viaFast.push(p.payload);
          const q = slow.open(copy);
          assert.equal(q.owned, false);
          viaSlow.push(q.payload.slice());
        }
        for (const r of records(wb)) viaOther.push(other.open(r).payload.slice());
        assert.deepEqual(Buffer.concat(viaFast), Buffer.from(data));
        assert.deepEqual(Buffer.concat(viaSlow), Buffer.from(data));
        assert.deepEqual(Buffer.concat(viaOther), Buffer.from(data));
      }
      const bad = records(frag.sealToBytes(sealA, ContentType.ApplicationData, filled(50, 1)))[0]!;
      bad.payload[bad.payload.length - 1]! ^= 1;
      const badCopy = new InboundOpaqueRecord(bad.contentType, bad.legacyVersion, bad.payload.slice());
      assert.throws(() => fast.open(bad), (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_RECORD_BAD_MAC');
      assert.throws(() => slow.open(badCopy), (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_RECORD_BAD_MAC');
    });
  }

  it('TLS 1.3 and TLS 1.2 keys interleaved still open each other\'s records', () => {
    const frag = new RecordFragmenter();
    const s13 = new Tls13RecordSealer(aes128Gcm, filled(16, 1), filled(12, 2)), o13 = new Tls13RecordOpener(aes128Gcm, filled(16, 1), filled(12, 2));
    const s12 = new Tls12RecordSealer(aes128Gcm, 'gcm-explicit', filled(16, 3), filled(4, 4)), o12 = new Tls12RecordOpener(aes128Gcm, 'gcm-explicit', filled(16, 3), filled(4, 4));
    for (let i = 0; i < 4; i++) {
      const d = filled(300, i);
      const w13 = records(frag.sealToBytes(s13, ContentType.ApplicationData, d));
      const w12 = records(frag.sealToBytes(s12, ContentType.ApplicationData, d));
      assert.deepEqual(o12.open(w12[0]!).payload, d);
      assert.deepEqual(o13.open(w13[0]!).payload, d);
    }
  });
});

describe('TlsSocket bulk path over TCP', () => {
  const ca = createDemoCa('send path test CA');
  const leaf = ca.issue(['localhost']);

  async function withServer(onSecure: (s: TlsSocket) => void, run: (port: number, wire: () => number) => Promise<void>, version: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.3'): Promise<void> {
    let wireBytes = 0;
    const server: Server = createServer({ cert: leaf.pem, key: leaf.keyPem, minVersion: version, maxVersion: version }, (s: TlsSocket) => {
      s.on('error', () => {}); // the client destroys its end when done
      onSecure(s);
    });
    server.on('connection', (raw: Socket) => raw.on('data', (d: Buffer) => { wireBytes += d.length; }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      await run((server.address() as AddressInfo).port, () => wireBytes);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  function digestOf(s: TlsSocket, bytes: number): Promise<string> {
    const h = createHash('sha256');
    let n = 0;
    return new Promise((resolve, reject) => {
      s.on('data', (d: Buffer) => {
        h.update(d);
        n += d.length;
        if (n >= bytes) resolve(h.digest('hex'));
      });
      s.once('error', reject);
    });
  }

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`${version}: mixed write sizes arrive intact in both directions (recycled send buffers)`, async () => {
      const sizes = [1, 65536, 70000, 40000, 100, 65536, 65536, 16384, 33000, 65536, 1 << 20, 65536, 5];
      const data = randomBytes(sizes.reduce((a, b) => a + b, 0));
      const want = createHash('sha256').update(data).digest('hex');
      const write = async (s: TlsSocket): Promise<void> => {
        let o = 0;
        for (const n of sizes) {
          // A fresh copy per write, changed afterwards: the socket must not keep our chunk.
          const chunk = Buffer.from(data.subarray(o, o + n));
          const ok = s.write(chunk);
          chunk.fill(0);
          o += n;
          if (!ok) await once(s, 'drain');
        }
      };
      let serverGot: Promise<string> | null = null;
      await withServer((s) => {
        serverGot = digestOf(s, data.length);
        void serverGot.then(() => write(s));
      }, async (port) => {
        const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certificate.pem, minVersion: version, maxVersion: version });
        c.on('error', () => {});
        const clientGot = digestOf(c, data.length);
        await once(c, 'secureConnect');
        await write(c);
        assert.equal(await clientGot, want, 'server to client');
        assert.equal(await serverGot, want, 'client to server');
        c.destroy();
      }, version);
    });
  }

  it('small chunks buffered behind a pending write share records (_writev)', async () => {
    const count = 200, size = 10;
    let got = 0;
    let done: () => void = () => {};
    const all = new Promise<void>((r) => { done = r; });
    await withServer((s) => {
      s.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= count * size) done();
      });
    }, async (port, wire) => {
      const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certificate.pem });
      await once(c, 'secureConnect');
      const before = wire();
      c.cork();
      for (let i = 0; i < count; i++) c.write(Buffer.alloc(size, i));
      c.uncork();
      await all;
      const used = wire() - before;
      // One record per chunk would be 200 x (10 + 22) bytes; joined it is one record.
      assert.ok(used < count * size + 10 * 22, `${used} wire bytes for ${count} chunks of ${size}`);
      c.destroy();
    });
  });
});
