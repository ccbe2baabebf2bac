// TLS 1.3 interop: typetls client -> openssl s_server. Every suite x group x server
// certificate (one s_server per certificate, the client varies its offer), ALPN, SNI, HRR,
// KeyUpdate both ways, 1 MiB each way and one-byte delivery. Each test checks what both sides
// negotiated: typetls' `negotiated`, and s_server's -www page and -trace output.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { NegotiatedParameters } from '../../src/core/conn/api.ts';
import {
  parseOpensslServerOutput,
  readAll,
  safeStreamData,
  startByteProxy,
  startOpensslServer,
  type OpensslServer,
  type OpensslServerReport,
} from '../helpers/peers.ts';
import { LEAF_KINDS, makeInteropPki, type InteropPki, type LeafKind } from '../helpers/tls-pki.ts';
import {
  GROUPS,
  SUITES,
  collect,
  destroyTypetlsSockets,
  failed,
  secured,
  typetlsClient,
  type TypetlsClientOptions,
} from './typetls-endpoints.ts';

const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const GET = 'GET / HTTP/1.0\r\n\r\n';

let pki: InteropPki;
const wwwServers = new Map<LeafKind, OpensslServer>();

before(async () => {
  pki = makeInteropPki();
  await Promise.all(LEAF_KINDS.map(async (kind) => {
    const leaf = pki.leaves[kind];
    wwwServers.set(kind, await startOpensslServer({
      certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, mode: 'www', trace: true,
    }));
  }));
});
after(async () => {
  destroyTypetlsSockets();
  await Promise.all([...wwwServers.values()].map((s) => s.stop()));
  pki.cleanup();
});

/** The server's view from its -www page: "New, TLSv1.3, Cipher is X". */
function pageView(page: string): { protocol: string | null; cipher: string | null } {
  const m = /New, (TLSv[\d.]+), Cipher is (\S+)/.exec(page);
  return { protocol: m?.[1] ?? null, cipher: m?.[2] ?? null };
}

/**
 * One `GET /` over a typetls client against a -www -trace s_server. Returns what typetls
 * negotiated, the page, and the server's trace report for this connection only.
 */
async function wwwExchange(server: OpensslServer, o: Omit<TypetlsClientOptions, 'port' | 'pki'>): Promise<{
  neg: NegotiatedParameters; page: string; report: OpensslServerReport;
}> {
  const from = server.output().length;
  const s = typetlsClient({ ...o, port: server.port, pki });
  const neg = await secured(s);
  s.write(GET);
  const page = (await readAll(s)).toString('latin1');
  // The handshake trace precedes the page on the server's stdout; wait until we have read it:
  // the server's own Finished (sent) and the client's (received).
  await server.process.waitFor((p) => (p.output().slice(from).match(/Finished, Length=/g)?.length ?? 0) >= 2, 'both Finished in the trace');
  return { neg, page, report: parseOpensslServerOutput(server.output().slice(from)) };
}

describe('typetls client -> openssl s_server: suite x group x certificate', () => {
  for (const kind of LEAF_KINDS) {
    describe(`server certificate ${kind}`, () => {
      for (const suite of SUITES) {
        for (const group of GROUPS) {
          test(`${suite} with ${group.openssl}`, async () => {
            const leaf = pki.leaves[kind];
            const { neg, page, report } = await wwwExchange(wwwServers.get(kind)!, {
              serverName: leaf.hostname, cipherSuites: [suite], groups: [group.typetls],
            });
            // Our side.
            assert.equal(neg.protocolVersion, 'TLSv1.3');
            assert.equal(neg.cipherSuite, suite);
            assert.equal(neg.group, group.typetls);
            assert.equal(neg.helloRetried, false);
            assert.equal(neg.serverName, leaf.hostname);
            assert.equal(neg.alpn, null);
            assert.deepEqual(neg.peerCertificates.map((c) => sha256(c)), [sha256(leaf.cert.certDer), sha256(pki.intermediate.certDer)]);
            // The server's side.
            assert.deepEqual(pageView(page), { protocol: 'TLSv1.3', cipher: suite }, page);
            assert.equal(report.group, group.openssl);
            assert.equal(report.helloRetried, false);
          });
        }
      }
    });
  }
});

describe('typetls client -> openssl s_server: features', () => {
  test('ALPN: the server picks from our list; both sides agree', async () => {
    const leaf = pki.leaves['ecdsa-p256'];
    const server = await startOpensslServer({
      certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, mode: 'www', alpn: ['h2', 'http/1.1'],
    });
    try {
      const s = typetlsClient({ port: server.port, pki, serverName: leaf.hostname, alpn: ['http/1.1', 'h2'] });
      const neg = await secured(s);
      s.write(GET);
      await readAll(s);
      await server.waitForOutput(/^ALPN protocols selected: /m);
      const report = parseOpensslServerOutput(server.output());
      assert.deepEqual(report.clientAlpn, ['http/1.1', 'h2']);
      assert.equal(report.alpn, neg.alpn);
      assert.ok(neg.alpn === 'h2' || neg.alpn === 'http/1.1');
    } finally {
      await server.stop();
    }
  });

  test('ALPN mismatch: s_server sends no_application_protocol (RFC 7301 §3.2)', async () => {
    const leaf = pki.leaves['ecdsa-p256'];
    const server = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, mode: 'www', alpn: ['http/1.1'] });
    try {
      const s = typetlsClient({ port: server.port, pki, serverName: leaf.hostname, alpn: ['h2'] });
      const e = (await failed(s)) as Error & { code?: string; received?: number };
      assert.equal(e.code, 'ERR_TLS_ALERT_RECEIVED');
      assert.equal(e.received, 120); // no_application_protocol
      await server.waitForOutput(/^ALPN protocols advertised by the client: h2$/m);
      assert.equal(parseOpensslServerOutput(server.output()).alpn, null);
    } finally {
      await server.stop();
    }
  });

  test('SNI: the server picks its certificate by the name we send', async () => {
    const leaf = pki.leaves['rsa2048'];
    const sni = pki.sniLeaf;
    const server = await startOpensslServer({
      certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, mode: 'www',
      sni: { servername: sni.hostname, certFile: sni.certPath, keyFile: sni.keyPath, chainFile: sni.chainPath },
    });
    try {
      const a = typetlsClient({ port: server.port, pki, serverName: sni.hostname });
      const negA = await secured(a);
      a.write(GET);
      await readAll(a);
      assert.equal(sha256(negA.peerCertificates[0]!), sha256(sni.cert.certDer));
      assert.equal(negA.serverName, sni.hostname);
      await server.waitForOutput(/Switching server context/);
      assert.equal(parseOpensslServerOutput(server.output()).sni, sni.hostname);

      const b = typetlsClient({ port: server.port, pki, serverName: leaf.hostname });
      const negB = await secured(b);
      b.write(GET);
      await readAll(b);
      assert.equal(sha256(negB.peerCertificates[0]!), sha256(leaf.cert.certDer));
    } finally {
      await server.stop();
    }
  });

  test('HRR: s_server only takes P-384, we send an X25519 share first', async () => {
    const leaf = pki.leaves['ecdsa-p384'];
    const server = await startOpensslServer({
      certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, mode: 'www', trace: true, groups: 'P-384',
    });
    try {
      const { neg, page, report } = await wwwExchange(server, { serverName: leaf.hostname, groups: ['x25519', 'secp384r1'] });
      assert.equal(neg.helloRetried, true);
      assert.equal(neg.group, 'secp384r1');
      assert.equal(pageView(page).protocol, 'TLSv1.3');
      assert.equal(report.helloRetried, true);
      assert.equal(report.group, 'P-384');
    } finally {
      await server.stop();
    }
  });

  test('KeyUpdate both ways: ours (update_requested) and the server\'s (k command)', async () => {
    const leaf = pki.leaves['ecdsa-p256'];
    const server = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, trace: true });
    try {
      const s = typetlsClient({ port: server.port, pki, serverName: leaf.hostname });
      await secured(s);
      s.write('before\n');
      await server.waitForOutput(/^before$/m);
      // Ours: KeyUpdate(update_requested), then data under the new keys.
      s.connection.updateKeys(true);
      s.write('after-ours\n');
      await server.waitForOutput(/^after-ours$/m);
      assert.deepEqual(parseOpensslServerOutput(server.output()).keyUpdates, [{ dir: 'received', requested: true }]);
      // The server owes us a KeyUpdate (RFC 8446 §4.6.3); OpenSSL sends it before its next data.
      let got = collect(s, 'reply-1\n'.length);
      await server.write('reply-1\n');
      assert.equal((await got).toString(), 'reply-1\n');
      assert.deepEqual(parseOpensslServerOutput(server.output()).keyUpdates, [
        { dir: 'received', requested: true },
        { dir: 'sent', requested: false },
      ]);
      // The server's own KeyUpdate (s_server's k command), then data under its new keys.
      await server.write('k\n');
      await server.waitForOutput(/SSL_do_handshake -> 1/);
      got = collect(s, 'reply-2\n'.length);
      await server.write('reply-2\n');
      assert.equal((await got).toString(), 'reply-2\n');
      assert.equal(parseOpensslServerOutput(server.output()).keyUpdates.length, 3);
      // And we still talk to it.
      s.write('last\n');
      await server.waitForOutput(/^last$/m);
      s.destroy();
    } finally {
      await server.stop();
    }
  });

  test('1 MiB each way, byte-exact', async () => {
    const leaf = pki.leaves['ecdsa-p256'];
    const server = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, quiet: true });
    try {
      const s = typetlsClient({ port: server.port, pki, serverName: leaf.hostname, cipherSuites: ['TLS_CHACHA20_POLY1305_SHA256'] });
      await secured(s);
      const up = safeStreamData(MiB, 3);
      const down = safeStreamData(MiB, 4);
      s.write(up);
      await server.process.waitForBytes(MiB, 30_000);
      assert.equal(server.process.stdoutLength(), MiB);
      assert.equal(sha256(server.process.stdoutBytes()), sha256(up));
      const got = collect(s, MiB, 30_000);
      await server.write(down);
      const d = await got;
      assert.equal(d.length, MiB);
      assert.equal(sha256(d), sha256(down));
      s.destroy();
    } finally {
      await server.stop();
    }
  });

  test('one byte at a time into the engine (every readTls call gets 1 byte)', async () => {
    const leaf = pki.leaves.ed25519;
    const { neg, page, report } = await wwwExchange(wwwServers.get('ed25519')!, {
      serverName: leaf.hostname, byteWise: true, cipherSuites: ['TLS_AES_256_GCM_SHA384'], groups: ['secp256r1'],
    });
    assert.equal(neg.cipherSuite, 'TLS_AES_256_GCM_SHA384');
    assert.equal(neg.group, 'secp256r1');
    assert.deepEqual(pageView(page), { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
    assert.equal(report.group, 'P-256');
  });

  test('one byte per TCP write both ways, through a proxy', async () => {
    const leaf = pki.leaves['ecdsa-p384'];
    const server = wwwServers.get('ecdsa-p384')!;
    const proxy = await startByteProxy(server.port);
    try {
      const s = typetlsClient({ port: proxy.port, pki, serverName: leaf.hostname });
      const neg = await secured(s, 30_000);
      s.write(GET);
      const page = (await readAll(s, 30_000)).toString('latin1');
      assert.equal(neg.protocolVersion, 'TLSv1.3');
      assert.deepEqual(pageView(page), { protocol: 'TLSv1.3', cipher: neg.cipherSuite });
      assert.ok(proxy.forwarded.down > 1000, `forwarded ${JSON.stringify(proxy.forwarded)}`);
    } finally {
      await proxy.stop();
    }
  });
});
