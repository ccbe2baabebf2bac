/**
 * The TLS 1.2 engine against itself, in memory: every suite x group x certificate key type,
 * version negotiation with TLS 1.3, the downgrade sentinel, extended master secret required
 * or optional, renegotiation refused, ChangeCipherSpec placement, exporters, key log, client
 * certificates and async callbacks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createClientVerifier, createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority, type KeyType } from '../helpers/pki-openssl.ts';
import { handshake, handshakeAsync, readAll, transfer } from '../helpers/memory-pair.ts';
import { isTlsError } from '../../src/core/errors.ts';
import { exportKeyingMaterial as prfExport } from '../../src/core/crypto/tls12-prf.ts';

const provider = nodeCryptoProvider;
let pki: OpenSslPki;
let root: CertificateAuthority;
const keys = new Map<KeyType, CertifiedKey>();
let clientKey: CertifiedKey;

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'TLS 1.2 Engine Root', keyType: 'ecdsa-p256' });
  for (const kt of ['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa2048'] as const) {
    const leaf = pki.makeCertificate({ issuer: root, keyType: kt, sans: ['DNS:server.test', 'IP:127.0.0.1'] });
    keys.set(kt, { chain: [leaf.certDer], key: provider.loadSigningKey(leaf.keyPem) });
  }
  const c = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:client.test'], eku: ['clientAuth'] });
  clientKey = { chain: [c.certDer], key: provider.loadSigningKey(c.keyPem) };
});
after(() => pki.cleanup());

type ClientOptions = Partial<Parameters<typeof createClientConfig>[0]>;
type ServerOptions = Partial<Parameters<typeof createServerConfig>[0]>;

function clientConfig(extra: ClientOptions = {}) {
  return createClientConfig({ provider, verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }), ...extra });
}
function serverConfig(kt: KeyType = 'ecdsa-p256', extra: ServerOptions = {}) {
  return createServerConfig({ provider, certificates: [keys.get(kt)!], ...extra });
}
function pair(c: ClientOptions = {}, s: ServerOptions = {}, kt: KeyType = 'ecdsa-p256') {
  return { c: new ClientConnection(clientConfig(c), 'server.test'), s: new ServerConnection(serverConfig(kt, s)) };
}
const enc = (t: string) => new TextEncoder().encode(t);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
function code(expected: string, alert?: number) {
  return (e: unknown) => isTlsError(e) && e.code === expected && (alert === undefined || e.alert === alert);
}
function pingPong(c: ClientConnection, s: ServerConnection) {
  c.writePlaintext(enc('ping'));
  transfer(c, s);
  assert.equal(dec(readAll(s)), 'ping');
  s.writePlaintext(enc('pong'));
  transfer(s, c);
  assert.equal(dec(readAll(c)), 'pong');
}

const ECDSA_SUITES = ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'];
const RSA_SUITES = ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'];

describe('TLS 1.2 engine, in memory: suites x groups x certificates', () => {
  for (const kt of ['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa2048'] as const) {
    for (const suite of kt === 'rsa2048' ? RSA_SUITES : ECDSA_SUITES) {
      for (const group of ['x25519', 'secp256r1', 'secp384r1']) {
        it(`${suite} ${group} ${kt}`, () => {
          // RFC 8422 §5.1.1: an ECDSA certificate's curve must be in the client's groups; the
          // server then picks its own preference (x25519, secp256r1, secp384r1) among them.
          const curve = kt === 'ecdsa-p256' ? 'secp256r1' : kt === 'ecdsa-p384' ? 'secp384r1' : group;
          const groups = curve === group ? [group] : [group, curve];
          const expected = ['x25519', 'secp256r1', 'secp384r1'].find((g) => groups.includes(g));
          const { c, s } = pair({ cipherSuites: [suite], groups, maxVersion: 'TLSv1.2' }, {}, kt);
          handshake(c, s);
          for (const n of [c.negotiated, s.negotiated]) {
            assert.equal(n?.protocolVersion, 'TLSv1.2');
            assert.equal(n?.cipherSuite, suite);
            assert.equal(n?.group, expected);
          }
          assert.equal(c.negotiated?.peerCertificates.length, 1);
          pingPong(c, s);
        });
      }
    }
  }

  it('an ECDSA P-384 certificate is not used when the client lacks secp384r1 (RFC 8422 §5.1.1)', () => {
    const { c, s } = pair({ groups: ['x25519'], maxVersion: 'TLSv1.2' }, {}, 'ecdsa-p384');
    assert.throws(() => handshake(c, s), code('ERR_TLS_PEER_NO_COMMON_SIGNATURE_SCHEME', 40));
  });
});

/** Splits a byte stream into TLS records. */
function records(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < b.length;) {
    const n = 5 + ((b[o + 3]! << 8) | b[o + 4]!);
    out.push(b.subarray(o, o + n));
    o += n;
  }
  return out;
}
function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
function lastIndexOf(hay: Uint8Array, needle: readonly number[]): number {
  for (let i = hay.length - needle.length; i >= 0; i--) if (needle.every((v, j) => hay[i + j] === v)) return i;
  return -1;
}
/** Renames the (empty) extended_master_secret extension of a ClientHello flight to an unknown type. */
function stripEms(b: Uint8Array): Uint8Array {
  const c = b.slice();
  const i = lastIndexOf(c, [0x00, 0x17, 0x00, 0x00]);
  assert.ok(i > 0, 'ClientHello carries extended_master_secret');
  c[i] = 0xfe; c[i + 1] = 0xfe;
  return c;
}

describe('TLS 1.2 engine: version negotiation', () => {
  const both = {}, only12 = { maxVersion: 'TLSv1.2' as const }, only13 = { minVersion: 'TLSv1.3' as const };
  const matrix = [
    ['1.2+1.3', both, '1.2+1.3', both, 'TLSv1.3'],
    ['1.2+1.3', both, '1.2', only12, 'TLSv1.2'],
    ['1.2', only12, '1.2+1.3', both, 'TLSv1.2'],
    ['1.2', only12, '1.2', only12, 'TLSv1.2'],
    ['1.3', only13, '1.2+1.3', both, 'TLSv1.3'],
    ['1.2+1.3', both, '1.3', only13, 'TLSv1.3'],
    ['1.3', only13, '1.2', only12, null],
    ['1.2', only12, '1.3', only13, null],
  ] as const;
  for (const [cn, co, sn, so, expected] of matrix) {
    it(`client ${cn}, server ${sn}: ${expected ?? 'protocol_version'}`, () => {
      const { c, s } = pair(co, so);
      if (expected === null) {
        assert.throws(() => handshake(c, s), code('ERR_TLS_PEER_NO_COMMON_VERSION', 70));
        return;
      }
      handshake(c, s);
      assert.equal(c.negotiated?.protocolVersion, expected);
      assert.equal(s.negotiated?.protocolVersion, expected);
      pingPong(c, s);
    });
  }

  it('a TLS 1.3-capable server negotiating TLS 1.2 sets DOWNGRD\\x01; a TLS 1.2-only client accepts it', () => {
    const { c, s } = pair(only12, both);
    transfer(c, s);
    const flight = s.writeTls()!;
    // ServerHello: record header 5, handshake header 4, version 2, random 32: tail at 5+4+2+24.
    assert.deepEqual(Array.from(flight.subarray(35, 43)), [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
    c.readTls(flight);
    c.processNewPackets();
    handshake(c, s);
    assert.equal(c.negotiated?.protocolVersion, 'TLSv1.2');
  });

  it('a client that offered TLS 1.3 refuses a TLS 1.2 ServerHello with the sentinel (illegal_parameter)', () => {
    // The server answers a TLS 1.2-only hello; its flight is replayed to a client that offered 1.3.
    const { c: c12, s } = pair(only12, both);
    transfer(c12, s);
    const c13 = new ClientConnection(clientConfig(), 'server.test');
    c13.writeTls();
    c13.readTls(s.writeTls()!);
    assert.throws(() => c13.processNewPackets(), code('ERR_TLS_PEER_DOWNGRADE', 47));
  });

  it('TLS_FALLBACK_SCSV for TLS 1.2 at a TLS 1.3 server is inappropriate_fallback (RFC 7507)', () => {
    const { c, s } = pair(only12, both);
    // Append 0x5600 by replacing the last TLS 1.2 suite code in the hello's cipher_suites.
    const hello = c.writeTls()!.slice();
    const i = lastIndexOf(hello, [0xcc, 0xa8]);
    assert.ok(i > 0, 'hello lists ECDHE_RSA_WITH_CHACHA20_POLY1305');
    hello[i] = 0x56; hello[i + 1] = 0x00;
    s.readTls(hello);
    assert.throws(() => s.processNewPackets(), code('ERR_TLS_PEER_INAPPROPRIATE_FALLBACK', 86));
  });
});

describe('TLS 1.2 engine: extended master secret (RFC 7627)', () => {
  it('a server refuses a client without EMS by default (handshake_failure)', () => {
    const { c, s } = pair(only12Options());
    s.readTls(stripEms(c.writeTls()!));
    assert.throws(() => s.processNewPackets(), code('ERR_TLS_PEER_EMS_REQUIRED', 40));
  });

  it('a server that allows it answers without EMS, and a default client refuses that (handshake_failure)', () => {
    const { c, s } = pair(only12Options(), { requireExtendedMasterSecret: false });
    s.readTls(stripEms(c.writeTls()!));
    s.processNewPackets();
    assert.throws(() => transfer(s, c), code('ERR_TLS_PEER_EMS_REQUIRED', 40));
  });

  it('with EMS optional on both sides the handshake completes (EMS still used)', () => {
    const { c, s } = pair({ ...only12Options(), requireExtendedMasterSecret: false }, { requireExtendedMasterSecret: false });
    handshake(c, s);
    assert.equal(c.exportKeyingMaterial('EXPERIMENTAL-ems', null, 8).length, 8, 'exporter works with EMS');
  });
});

function only12Options(): ClientOptions {
  return { maxVersion: 'TLSv1.2' };
}

describe('TLS 1.2 engine: ChangeCipherSpec placement (RFC 5246 §7.1)', () => {
  it('a CCS before the client flight is unexpected_message', () => {
    const { c, s } = pair(only12Options());
    transfer(c, s);
    transfer(s, c);
    const flight = c.writeTls()!;
    s.readTls(concat([Uint8Array.of(20, 3, 3, 0, 1, 1), flight]));
    assert.throws(() => s.processNewPackets(), code('ERR_TLS_RECORD_UNEXPECTED_CCS', 10));
  });

  it('Finished without the CCS before it is unexpected_message', () => {
    const { c, s } = pair(only12Options());
    transfer(c, s);
    transfer(s, c);
    const recs = records(c.writeTls()!).filter((r) => r[0] !== 20);
    s.readTls(concat(recs));
    assert.throws(() => s.processNewPackets(), code('ERR_TLS_PEER_UNEXPECTED_MESSAGE', 10));
  });

  it('a CCS with a bad payload is decode_error', () => {
    const { c, s } = pair(only12Options());
    transfer(c, s);
    transfer(s, c);
    const recs = records(c.writeTls()!).map((r) => (r[0] === 20 ? Uint8Array.of(20, 3, 3, 0, 1, 2) : r));
    s.readTls(concat(recs));
    assert.throws(() => s.processNewPackets(), code('ERR_TLS_DECODE_BAD_VALUE', 50));
  });

  it('one byte at a time in both directions', () => {
    const { c, s } = pair(only12Options());
    const byteWise = (from: ClientConnection | ServerConnection, to: ClientConnection | ServerConnection) => {
      for (let out = from.writeTls(); out !== null; out = from.writeTls()) {
        for (let i = 0; i < out.length; i++) { to.readTls(out.subarray(i, i + 1)); to.processNewPackets(); }
      }
    };
    for (let i = 0; i < 4; i++) { byteWise(c, s); byteWise(s, c); }
    assert.equal(c.negotiated?.protocolVersion, 'TLSv1.2');
    assert.equal(s.negotiated?.protocolVersion, 'TLSv1.2');
  });
});

describe('TLS 1.2 engine: exporter, key log, ALPN, client auth, async', () => {
  it('both sides export the same RFC 5705 keying material, recomputable from the key log line', () => {
    const lines: string[] = [];
    const { c, s } = pair({ ...only12Options(), keyLog: (l) => lines.push(l) });
    transfer(c, s);
    const flight = s.writeTls()!;
    // ServerHello.random: record header 5, handshake header 4, version 2.
    const serverRandom = flight.slice(11, 43);
    c.readTls(flight);
    c.processNewPackets();
    handshake(c, s);
    const a = c.exportKeyingMaterial('EXPERIMENTAL-a', null, 32);
    assert.deepEqual(a, s.exportKeyingMaterial('EXPERIMENTAL-a', null, 32));
    assert.notDeepEqual(a, c.exportKeyingMaterial('EXPERIMENTAL-a', new Uint8Array(0), 32), 'null context differs from empty (RFC 5705 §4)');
    assert.notDeepEqual(a, c.exportKeyingMaterial('EXPERIMENTAL-b', null, 32));
    assert.throws(() => c.exportKeyingMaterial('key expansion', null, 32), code('ERR_TLS_USAGE'));
    // NSS key log: CLIENT_RANDOM <client_random> <master_secret>, once.
    assert.equal(lines.length, 1);
    const [label, random, master] = lines[0]!.split(' ');
    assert.equal(label, 'CLIENT_RANDOM');
    assert.equal(c.negotiated?.cipherSuite, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
    const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
    assert.deepEqual(prfExport(provider.hashes.sha384, hex(master!), 'EXPERIMENTAL-a', hex(random!), serverRandom, null, 32), a);
  });

  it('the exporter before completion is a usage error', () => {
    const { c } = pair(only12Options());
    assert.throws(() => c.exportKeyingMaterial('EXPERIMENTAL-a', null, 8), code('ERR_TLS_USAGE_HANDSHAKING'));
  });

  it('ALPN in TLS 1.2 ServerHello', () => {
    const { c, s } = pair({ ...only12Options(), alpnProtocols: ['http/1.1', 'h2'] }, { alpnProtocols: ['h2'] });
    handshake(c, s);
    assert.equal(c.negotiated?.alpn, 'h2');
    assert.equal(s.negotiated?.alpn, 'h2');
  });

  it('client certificates: CertificateRequest, Certificate, CertificateVerify over the raw messages', () => {
    const clientVerifier = createClientVerifier({ roots: [root.certDer], signatures: provider.signatures });
    const { c, s } = pair({ ...only12Options(), clientCertificate: clientKey }, { clientVerifier });
    handshake(c, s);
    assert.equal(s.negotiated?.peerCertificates.length, 1);
    assert.equal(s.negotiated?.peerSignatureScheme, 0x0403);
    pingPong(c, s);
  });

  it('client certificates: a client without one is refused when mandatory (handshake_failure)', () => {
    const clientVerifier = createClientVerifier({ roots: [root.certDer], signatures: provider.signatures });
    const { c, s } = pair(only12Options(), { clientVerifier });
    assert.throws(() => handshake(c, s), code('ERR_TLS_PEER_CERTIFICATE_REQUIRED', 40));
  });

  it('client certificates: optional, none sent', () => {
    const clientVerifier = createClientVerifier({ roots: [root.certDer], signatures: provider.signatures, mandatory: false });
    const { c, s } = pair(only12Options(), { clientVerifier });
    handshake(c, s);
    assert.equal(s.negotiated?.peerCertificates.length, 0);
  });

  it('async certificate resolver and async signing key', async () => {
    const ck = keys.get('rsa2048')!;
    const asyncKey = { ...ck.key, keyType: ck.key.keyType, schemes: ck.key.schemes, tls12Schemes: ck.key.tls12Schemes ?? ck.key.schemes, chooseScheme: (o: readonly number[]) => ck.key.chooseScheme(o), publicKeySpki: () => ck.key.publicKeySpki(), sign: async (scheme: number, m: Uint8Array) => ck.key.sign(scheme, m) };
    const c = new ClientConnection(clientConfig(only12Options()), 'server.test');
    const s = new ServerConnection(createServerConfig({ provider, resolveCertificate: async () => ({ chain: ck.chain, key: asyncKey }) }));
    await handshakeAsync(c, s);
    assert.equal(c.negotiated?.cipherSuite, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
    pingPong(c, s);
  });

  it('1 MiB each way', () => {
    const { c, s } = pair(only12Options());
    handshake(c, s);
    const big = new Uint8Array(1 << 20).map((_, i) => i * 7);
    c.writePlaintext(big);
    transfer(c, s);
    assert.deepEqual(readAll(s), big);
    s.writePlaintext(big);
    transfer(s, c);
    assert.deepEqual(readAll(c), big);
  });
});
