// TLS 1.2 interop with node:tls (maxVersion 'TLSv1.2'), both directions: every ECDHE suite x
// group x server certificate, ALPN, exporter equality (exportKeyingMaterial), 1 MiB each way
// and one-byte-at-a-time delivery.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as tls from 'node:tls';
import { nodeTlsConnect, readBytes, safeStreamData, startNodeTlsServer, type NodeTlsServer } from '../helpers/peers.ts';
import { LEAF_KINDS, makeInteropPki, type InteropPki, type LeafKind } from '../helpers/tls-pki.ts';
import { GROUPS, certifiedKey, collect, destroyTypetlsSockets, secured, startTypetlsServer, typetlsClient, type TypetlsServer } from './typetls-endpoints.ts';

const ECDSA_SUITES = [
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
] as const;
const RSA_SUITES = [
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
] as const;
const suitesFor = (kind: LeafKind) => (kind === 'rsa2048' ? RSA_SUITES : ECDSA_SUITES);
const TLS12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;
const MiB = 1024 * 1024;
/** RFC 8422 §5.1.1: an ECDSA certificate's curve must be among the client's groups. */
const CERT_CURVE: Partial<Record<LeafKind, { typetls: string; openssl: string }>> = {
  'ecdsa-p256': { typetls: 'secp256r1', openssl: 'P-256' },
  'ecdsa-p384': { typetls: 'secp384r1', openssl: 'P-384' },
};
function groupsFor(kind: LeafKind, group: { typetls: string; openssl: string }): { typetls: string[]; openssl: string } {
  const c = CERT_CURVE[kind];
  if (c === undefined || c.typetls === group.typetls) return { typetls: [group.typetls], openssl: group.openssl };
  return { typetls: [group.typetls, c.typetls], openssl: `${group.openssl}:${c.openssl}` };
}

let pki: InteropPki;
const nodeServers = new Map<LeafKind, NodeTlsServer>();
const typetlsServers = new Map<LeafKind, TypetlsServer>();

before(async () => {
  pki = makeInteropPki();
  await Promise.all(LEAF_KINDS.map(async (kind) => {
    const leaf = pki.leaves[kind];
    // honorCipherOrder false: node follows the client's single-suite offer.
    nodeServers.set(kind, await startNodeTlsServer({ cert: leaf.fullChainPem, key: leaf.keyPem, maxVersion: 'TLSv1.2', ecdhCurve: 'X25519:P-256:P-384', ALPNProtocols: ['h2', 'http/1.1'] }));
    typetlsServers.set(kind, await startTypetlsServer({ certificates: [certifiedKey(leaf)], minVersion: 'TLSv1.2', alpn: ['h2', 'http/1.1'] }));
  }));
});
after(async () => {
  destroyTypetlsSockets();
  await Promise.all([...nodeServers.values()].map((s) => s.stop()));
  await Promise.all([...typetlsServers.values()].map((s) => s.stop()));
  pki.cleanup();
});

describe('typetls client -> node:tls server (TLS 1.2)', () => {
  for (const kind of LEAF_KINDS) {
    for (const [suite, nodeSuite] of suitesFor(kind)) {
      for (const group of GROUPS) {
        test(`${kind} ${suite} ${group.typetls}`, async () => {
          const server = nodeServers.get(kind)!;
          const s = typetlsClient({ port: server.port, serverName: pki.leaves[kind].hostname, pki, ...TLS12, cipherSuites: [suite], groups: groupsFor(kind, group).typetls });
          const neg = await secured(s);
          const peer = await server.nextConnection();
          // node's server picks by its ecdhCurve order (X25519, P-256, P-384) among our offer.
          const offered = groupsFor(kind, group).typetls;
          assert.equal(neg.protocolVersion, 'TLSv1.2');
          assert.equal(neg.cipherSuite, suite);
          assert.equal(neg.group, GROUPS.find((g) => offered.includes(g.typetls))!.typetls);
          assert.equal(peer.getProtocol(), 'TLSv1.2');
          assert.equal(peer.getCipher().name, nodeSuite);
          s.write('ping');
          assert.equal((await collect(s, 4)).toString(), 'ping');
          s.end();
        });
      }
    }
  }

  test('ALPN, exporter equality and 1 MiB each way, one byte at a time', async () => {
    const server = nodeServers.get('rsa2048')!;
    const s = typetlsClient({ port: server.port, serverName: pki.leaves.rsa2048.hostname, pki, ...TLS12, alpn: ['http/1.1', 'h2'], byteWise: true });
    const neg = await secured(s);
    const peer = await server.nextConnection();
    assert.equal(neg.alpn, 'h2');
    const ctx = Buffer.from('context');
    assert.deepEqual(Buffer.from(s.connection.exportKeyingMaterial('EXPERIMENTAL-node', ctx, 48)), peer.exportKeyingMaterial(48, 'EXPERIMENTAL-node', ctx));
    const data = safeStreamData(MiB, 7);
    s.write(data);
    assert.ok((await collect(s, MiB, 60_000)).equals(data), '1 MiB echoed intact');
    s.end();
  });
});

describe('node:tls client (maxVersion TLSv1.2) -> typetls server', () => {
  for (const kind of LEAF_KINDS) {
    for (const [suite, nodeSuite] of suitesFor(kind)) {
      for (const group of GROUPS) {
        test(`${kind} ${suite} ${group.typetls}`, async () => {
          const server = typetlsServers.get(kind)!;
          const next = server.nextSecure();
          const groups = groupsFor(kind, group);
          const c: tls.TLSSocket = await nodeTlsConnect(server.port, { ca: pki.caPem, servername: pki.leaves[kind].hostname, maxVersion: 'TLSv1.2', ciphers: nodeSuite, ecdhCurve: groups.openssl });
          const neg = (await next).negotiated!;
          const expected = GROUPS.find((g) => groups.typetls.includes(g.typetls))!;
          assert.equal(c.getProtocol(), 'TLSv1.2');
          assert.equal(c.getCipher().name, nodeSuite);
          assert.equal(neg.cipherSuite, suite);
          assert.equal(neg.group, expected.typetls);
          c.write('pong');
          assert.equal((await readBytes(c, 4)).toString(), 'pong');
          c.end();
        });
      }
    }
  }

  test('1 MiB each way with a byte-wise typetls server, ALPN and exporter', async () => {
    const server = await startTypetlsServer({ certificates: [certifiedKey(pki.leaves['ecdsa-p256'])], minVersion: 'TLSv1.2', alpn: ['h2'], byteWise: true });
    try {
      const next = server.nextSecure();
      const c = await nodeTlsConnect(server.port, { ca: pki.caPem, servername: pki.leaves['ecdsa-p256'].hostname, maxVersion: 'TLSv1.2', ALPNProtocols: ['h2'] });
      const ts = await next;
      assert.equal(c.alpnProtocol, 'h2');
      assert.deepEqual(Buffer.from(ts.connection.exportKeyingMaterial('EXPERIMENTAL-node', Uint8Array.of(1, 2), 32)), c.exportKeyingMaterial(32, 'EXPERIMENTAL-node', Buffer.of(1, 2)));
      const data = safeStreamData(MiB, 9);
      c.write(data);
      assert.ok((await readBytes(c, MiB, 60_000)).equals(data), '1 MiB echoed intact');
      c.end();
    } finally {
      await server.stop();
    }
  });
});
