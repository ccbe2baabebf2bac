/**
 * AEAD limits (RFC 8446 §5.5) in the engine, with `aeadLimitsForTesting` lowering them: TLS 1.3
 * replaces a key by KeyUpdate before its confidentiality limit and keeps going; failed
 * decryptions count against the integrity limit; TLS 1.2 closes with close_notify instead.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import type { AeadLimitsForTesting } from '../../src/core/config/common.ts';
import { isTlsError } from '../../src/core/errors.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority } from '../helpers/pki-openssl.ts';
import { handshake, readAll, transfer } from '../helpers/memory-pair.ts';

const provider = nodeCryptoProvider;
let pki: OpenSslPki;
let root: CertificateAuthority;
let certified: CertifiedKey;

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'AEAD Limits Root', keyType: 'ecdsa-p256' });
  const leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:server.test'] });
  certified = { chain: [leaf.certDer], key: provider.loadSigningKey(leaf.keyPem) };
});
after(() => pki.cleanup());

interface PairOptions {
  client?: AeadLimitsForTesting;
  server?: AeadLimitsForTesting;
  version?: 'TLSv1.2' | 'TLSv1.3';
}

function pair(o: PairOptions): { c: ClientConnection; s: ServerConnection } {
  const versions = o.version === undefined ? {} : { minVersion: o.version, maxVersion: o.version };
  const c = new ClientConnection(createClientConfig({
    provider,
    verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }),
    // secp256r1 too: under TLS 1.2 it also says which ECDSA certificate curves we take (RFC 8422 §5.1).
    groups: ['x25519', 'secp256r1'],
    ...versions,
    ...(o.client !== undefined ? { aeadLimitsForTesting: o.client } : {}),
  }), 'server.test');
  const s = new ServerConnection(createServerConfig({
    provider, certificates: [certified], ...versions,
    ...(o.server !== undefined ? { aeadLimitsForTesting: o.server } : {}),
  }));
  return { c, s };
}

const enc = new TextEncoder();

describe('AEAD confidentiality limit, TLS 1.3', () => {
  it('a client with a limit of 8 records sends KeyUpdates by itself and 200 records still flow', () => {
    const { c, s } = pair({ client: { confidentiality: 8 } });
    handshake(c, s);
    let expected = '';
    for (let i = 0; i < 200; i++) {
      const msg = `record ${i};`;
      expected += msg;
      c.writePlaintext(enc.encode(msg));
      transfer(c, s);
    }
    assert.equal(new TextDecoder().decode(readAll(s)), expected);
    // The server's receive key moved on with every KeyUpdate; its own sending key did not.
    s.writePlaintext(enc.encode('still here'));
    transfer(s, c);
    assert.equal(new TextDecoder().decode(readAll(c)), 'still here');
    assert.equal(c.error, null);
    assert.equal(s.error, null);
  });

  it('a server with a limit of 16 records does the same in its direction', () => {
    const { c, s } = pair({ server: { confidentiality: 16 } });
    handshake(c, s);
    const sent: string[] = [];
    for (let i = 0; i < 100; i++) {
      sent.push(`${i},`);
      s.writePlaintext(enc.encode(sent[i]!));
      transfer(s, c);
    }
    assert.equal(new TextDecoder().decode(readAll(c)), sent.join(''));
  });

  it('the same traffic without the knob needs no KeyUpdate and counts records normally (control)', () => {
    const { c, s } = pair({});
    handshake(c, s);
    let bytes = 0;
    for (let i = 0; i < 20; i++) {
      c.writePlaintext(enc.encode('x'));
      const out = c.writeTls()!;
      bytes += out.length;
      s.readTls(out);
      s.processNewPackets();
    }
    // 20 records of 1 + 1 + 16 bytes under a 5-byte header, nothing else (no KeyUpdate).
    assert.equal(bytes, 20 * (5 + 1 + 1 + 16));
  });

  it('with a limit the extra records are KeyUpdates: one per (limit - margin) records', () => {
    const { c, s } = pair({ client: { confidentiality: 8 } });
    handshake(c, s);
    let records = 0;
    for (let i = 0; i < 20; i++) {
      c.writePlaintext(enc.encode('x'));
      const out = c.writeTls()!;
      for (let o = 0; o < out.length; o += 5 + ((out[o + 3]! << 8) | out[o + 4]!)) records++;
      s.readTls(out);
      s.processNewPackets();
    }
    // Limit 8, margin min(1024, 8 / 4) = 2: once a key sealed 6 records the engine sends a
    // KeyUpdate (the 7th record under the old key) and switches. 20 writes: KeyUpdates after
    // writes 6, 12 and 18.
    assert.equal(records, 23);
    assert.equal(readAll(s).length, 20);
  });
});

describe('AEAD integrity limit', () => {
  function tamperedAppRecord(limits: PairOptions): unknown {
    const { c, s } = pair(limits);
    handshake(c, s);
    s.writePlaintext(enc.encode('tamper with me'));
    const rec = s.writeTls()!;
    rec[rec.length - 1]! ^= 1;
    c.readTls(rec);
    try {
      c.processNewPackets();
    } catch (e) {
      return e;
    }
    return null;
  }

  it('default limits: one failed decryption is bad_record_mac (RFC 8446 §5.2)', () => {
    const e = tamperedAppRecord({});
    assert.ok(isTlsError(e) && e.code === 'ERR_TLS_RECORD_BAD_MAC' && e.alert === 20, `got ${String(e)}`);
  });

  it('integrity limit 0: the same failure is counted and exceeds the limit (ERR_TLS_RECORD_AEAD_INTEGRITY_LIMIT)', () => {
    const e = tamperedAppRecord({ client: { integrity: 0 } });
    assert.ok(isTlsError(e) && e.code === 'ERR_TLS_RECORD_AEAD_INTEGRITY_LIMIT' && e.alert === 20, `got ${String(e)}`);
    assert.match((e as Error).message, /1 records failed authentication under one key: the limit is 0/);
  });

  it('bad knob values are refused', () => {
    for (const bad of [{ confidentiality: 0 }, { confidentiality: 1.5 }, { integrity: -1 }, { confidentiality: Number.NaN }]) {
      assert.throws(() => createClientConfig({
        provider, verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }), aeadLimitsForTesting: bad,
      }), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG' && /aeadLimitsForTesting/.test(e.message), JSON.stringify(bad));
    }
  });
});

describe('AEAD confidentiality limit, TLS 1.2 (no KeyUpdate: close_notify instead)', () => {
  it('the client closes cleanly before its key reaches the limit', () => {
    const { c, s } = pair({ version: 'TLSv1.2', client: { confidentiality: 12 } });
    handshake(c, s);
    assert.equal(c.negotiated?.protocolVersion, 'TLSv1.2');
    let written = 0;
    let closedAt = -1;
    for (let i = 0; i < 40; i++) {
      try {
        c.writePlaintext(enc.encode('y'));
        written++;
      } catch (e) {
        assert.ok(isTlsError(e) && e.code === 'ERR_TLS_USAGE_CLOSED', `write ${i}: got ${String(e)}`);
        closedAt = i;
        break;
      }
      transfer(c, s);
    }
    transfer(c, s);
    // Limit 12, margin 3: close_notify goes out once 9 records were sealed (Finished + 8 data).
    assert.ok(closedAt > 0 && written < 12, `closed after ${written} writes`);
    assert.equal(readAll(s).length, written);
    const io = s.processNewPackets();
    assert.equal(io.peerHasClosed, true, 'the server saw close_notify');
    assert.equal(s.error, null);
  });
});
