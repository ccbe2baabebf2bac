// TLS 1.2 interop with OpenSSL, both directions: typetls client -> `openssl s_server -tls1_2`
// and `openssl s_client -tls1_2` -> typetls server. Every ECDHE suite x group x server
// certificate (one server per certificate), version fallback from a TLS 1.3-capable client,
// ALPN, RFC 5705 exporter equality (-keymatexport), a peer without extended master secret
// (OpenSSL 3.0 has no -no_ems switch: an OPENSSL_CONF with `Options = -ExtendedMasterSecret`),
// and renegotiation attempts in both directions refused with no_renegotiation.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { toHex } from '../../src/core/util.ts';
import {
  parseOpensslClientOutput,
  readAll,
  runOpensslClient,
  startOpensslClient,
  startOpensslServer,
  type OpensslClientOptions,
  type OpensslServer,
  type OpensslServerOptions,
} from '../helpers/peers.ts';
import { LEAF_KINDS, makeInteropPki, type InteropPki, type LeafKind } from '../helpers/tls-pki.ts';
import {
  GROUPS,
  certifiedKey,
  collect,
  destroyTypetlsSockets,
  failed,
  secured,
  startTypetlsServer,
  typetlsClient,
  type TypetlsServer,
} from './typetls-endpoints.ts';

/** IANA name -> OpenSSL name of the TLS 1.2 suites, ECDSA (also Ed25519) and RSA. */
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
/**
 * RFC 8422 §5.1.1: an ECDSA certificate's curve must be in the client's supported_groups, so
 * the client lists it after the group under test (both sides then pick the group under test:
 * OpenSSL by the client's order, typetls by its own, which puts x25519 and P-256 first).
 */
const CERT_CURVE: Partial<Record<LeafKind, { typetls: string; openssl: string }>> = {
  'ecdsa-p256': { typetls: 'secp256r1', openssl: 'P-256' },
  'ecdsa-p384': { typetls: 'secp384r1', openssl: 'P-384' },
};
function groupsFor(kind: LeafKind, group: { typetls: string; openssl: string }): { typetls: string[]; openssl: string } {
  const c = CERT_CURVE[kind];
  if (c === undefined || c.typetls === group.typetls) return { typetls: [group.typetls], openssl: group.openssl };
  return { typetls: [group.typetls, c.typetls], openssl: `${group.openssl}:${c.openssl}` };
}
const GET = 'GET / HTTP/1.0\r\n\r\n';

let pki: InteropPki;
let noEmsConf: string;
const wwwServers = new Map<LeafKind, OpensslServer>();
const typetlsServers = new Map<LeafKind, TypetlsServer>();

/** Runs `start` with OPENSSL_CONF set (spawn copies the environment at once). */
async function withNoEms<T>(start: () => Promise<T> | T): Promise<T> {
  const old = process.env['OPENSSL_CONF'];
  process.env['OPENSSL_CONF'] = noEmsConf;
  try {
    return await start();
  } finally {
    if (old === undefined) delete process.env['OPENSSL_CONF'];
    else process.env['OPENSSL_CONF'] = old;
  }
}

function opensslServer(kind: LeafKind, extra: Partial<OpensslServerOptions> = {}): Promise<OpensslServer> {
  const leaf = pki.leaves[kind];
  return startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, tls13Only: false, extraArgs: ['-tls1_2'], ...extra });
}

function clientOptions(port: number, kind: LeafKind, extra: Partial<OpensslClientOptions> = {}): OpensslClientOptions {
  return { port, servername: pki.leaves[kind].hostname, caFile: pki.caFile, verifyHostname: pki.leaves[kind].hostname, tls13Only: false, ...extra };
}

before(async () => {
  pki = makeInteropPki();
  noEmsConf = join(pki.pki.dir, 'no-ems.cnf');
  writeFileSync(noEmsConf, 'openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n[ssl_sect]\nsystem_default = sd\n[sd]\nOptions = -ExtendedMasterSecret\n');
  await Promise.all(LEAF_KINDS.map(async (kind) => {
    wwwServers.set(kind, await opensslServer(kind, { mode: 'www' }));
    typetlsServers.set(kind, await startTypetlsServer({ certificates: [certifiedKey(pki.leaves[kind])], minVersion: 'TLSv1.2' }));
  }));
});
after(async () => {
  destroyTypetlsSockets();
  await Promise.all([...wwwServers.values()].map((s) => s.stop()));
  await Promise.all([...typetlsServers.values()].map((s) => s.stop()));
  pki.cleanup();
});

function pageView(page: string): { protocol: string | null; cipher: string | null } {
  const m = /New, (TLSv[\d.]+), Cipher is (\S+)/.exec(page);
  return { protocol: m?.[1] ?? null, cipher: m?.[2] ?? null };
}

describe('typetls client -> openssl s_server -tls1_2: suite x group x certificate', () => {
  for (const kind of LEAF_KINDS) {
    for (const [suite, osslSuite] of suitesFor(kind)) {
      for (const group of GROUPS) {
        test(`${kind} ${suite} ${group.typetls}`, async () => {
          const s = typetlsClient({ port: wwwServers.get(kind)!.port, serverName: pki.leaves[kind].hostname, pki, ...TLS12, cipherSuites: [suite], groups: groupsFor(kind, group).typetls });
          const neg = await secured(s);
          s.write(GET);
          const page = (await readAll(s)).toString('latin1');
          assert.equal(neg.protocolVersion, 'TLSv1.2');
          assert.equal(neg.cipherSuite, suite);
          assert.equal(neg.group, group.typetls);
          assert.deepEqual(pageView(page), { protocol: 'TLSv1.2', cipher: osslSuite });
        });
      }
    }
  }

  test('a client offering TLS 1.3 and 1.2 falls back to TLS 1.2 (no sentinel from a TLS 1.2-only server)', async () => {
    const s = typetlsClient({ port: wwwServers.get('ecdsa-p256')!.port, serverName: pki.leaves['ecdsa-p256'].hostname, pki, minVersion: 'TLSv1.2' });
    const neg = await secured(s);
    s.write(GET);
    assert.equal(pageView((await readAll(s)).toString('latin1')).protocol, 'TLSv1.2');
    assert.equal(neg.protocolVersion, 'TLSv1.2');
  });

  test('ALPN and exporter equality with s_server -keymatexport, data both ways', async () => {
    const server = await opensslServer('rsa2048', { alpn: ['h2', 'http/1.1'], extraArgs: ['-tls1_2', '-keymatexport', 'EXPERIMENTAL-typetls', '-keymatexportlen', '32'] });
    try {
      const s = typetlsClient({ port: server.port, serverName: pki.leaves.rsa2048.hostname, pki, ...TLS12, alpn: ['http/1.1', 'h2'] });
      const neg = await secured(s);
      assert.equal(neg.alpn, 'h2');
      await server.waitForOutput(/Keying material: [0-9A-F]+/);
      const theirs = /Keying material: ([0-9A-F]+)/.exec(server.output())![1]!.toLowerCase();
      assert.equal(toHex(s.connection.exportKeyingMaterial('EXPERIMENTAL-typetls', null, 32)), theirs);
      s.write('from typetls\n');
      await server.waitForOutput(/from typetls/);
      await server.write('from openssl\n');
      assert.match((await collect(s, 13)).toString(), /from openssl/);
      s.on('error', () => {}); // s_server may reset the connection when it is stopped
      s.end();
    } finally {
      await server.stop();
    }
  });

  test('a server without extended master secret is refused by default (handshake_failure) and accepted when allowed', async () => {
    const server = await withNoEms(() => opensslServer('ecdsa-p256', { mode: 'www' }));
    try {
      const s = typetlsClient({ port: server.port, serverName: pki.leaves['ecdsa-p256'].hostname, pki, ...TLS12 });
      const e = await failed(s);
      assert.equal((e as { code?: string }).code, 'ERR_TLS_PEER_EMS_REQUIRED');
      const s2 = typetlsClient({ port: server.port, serverName: pki.leaves['ecdsa-p256'].hostname, pki, ...TLS12, requireExtendedMasterSecret: false });
      const neg = await secured(s2);
      assert.equal(neg.protocolVersion, 'TLSv1.2');
      assert.throws(() => s2.connection.exportKeyingMaterial('EXPERIMENTAL-x', null, 16), (x: unknown) => (x as { code?: string }).code === 'ERR_TLS_USAGE');
      s2.write(GET);
      assert.match((await readAll(s2)).toString('latin1'), /Extended master secret: no/);
    } finally {
      await server.stop();
    }
  });

  test('a HelloRequest from s_server gets no_renegotiation; OpenSSL then aborts with handshake_failure', async () => {
    const server = await opensslServer('ecdsa-p256');
    try {
      const s = typetlsClient({ port: server.port, serverName: pki.leaves['ecdsa-p256'].hostname, pki, ...TLS12 });
      await secured(s);
      const err = failed(s);
      await server.write('r\n'); // s_server: send HelloRequest
      const e = await err;
      assert.equal((e as { code?: string }).code, 'ERR_TLS_ALERT_RECEIVED');
      assert.equal((e as { received?: number }).received, 40);
      // s_server reports the failed renegotiation and drops the connection.
      await server.waitForOutput(/CONNECTION CLOSED/);
      assert.match(server.output(), /ERROR/);
    } finally {
      await server.stop();
    }
  });
});

describe('openssl s_client -tls1_2 -> typetls server: suite x group x certificate', () => {
  for (const kind of LEAF_KINDS) {
    for (const [suite, osslSuite] of suitesFor(kind)) {
      for (const group of GROUPS) {
        test(`${kind} ${suite} ${group.typetls}`, async () => {
          const server = typetlsServers.get(kind)!;
          const next = server.nextSecure();
          const r = await runOpensslClient({ ...clientOptions(server.port, kind), extraArgs: ['-tls1_2', '-cipher', osslSuite, '-groups', groupsFor(kind, group).openssl], input: 'hello typetls\n', until: /hello typetls/ });
          const report = parseOpensslClientOutput(r.stdout);
          assert.equal(report.protocol, 'TLSv1.2', r.stdout + r.stderr);
          assert.equal(report.cipher, osslSuite);
          // The typetls server picks its own preference among the offered groups (for the P-256
          // certificate with secp384r1 under test that is the certificate's P-256).
          const offered = groupsFor(kind, group).typetls;
          const expected = GROUPS.find((g) => offered.includes(g.typetls))!;
          assert.equal(report.group, expected.openssl);
          assert.equal(report.verifyCode, 0);
          assert.match(r.stdout, /hello typetls/);
          const neg = (await next).negotiated!;
          assert.equal(neg.protocolVersion, 'TLSv1.2');
          assert.equal(neg.cipherSuite, suite);
          assert.equal(neg.group, expected.typetls);
        });
      }
    }
  }

  test('the exporter matches s_client -keymatexport, with ALPN', async () => {
    const seen: Array<{ exportKeyingMaterial(l: string, c: Uint8Array | null, n: number): Uint8Array }> = [];
    const server = await startTypetlsServer({ certificates: [certifiedKey(pki.leaves['ecdsa-p384'])], minVersion: 'TLSv1.2', alpn: ['h2'], onSecure: (s) => { seen.push(s.connection); s.pipe(s); } });
    try {
      const r = await runOpensslClient({ ...clientOptions(server.port, 'ecdsa-p384'), alpn: ['h2'], extraArgs: ['-tls1_2', '-keymatexport', 'EXPERIMENTAL-typetls', '-keymatexportlen', '40'], input: 'x\n', until: /^x$/m });
      assert.match(r.stdout, /ALPN protocol: h2/);
      const theirs = /Keying material: ([0-9A-F]+)/.exec(r.stdout)?.[1]?.toLowerCase();
      assert.ok(theirs !== undefined, `s_client printed keying material:\n${r.stdout}`);
      assert.equal(seen.length, 1, 'server saw the handshake');
      assert.equal(toHex(seen[0]!.exportKeyingMaterial('EXPERIMENTAL-typetls', null, 40)), theirs);
    } finally {
      await server.stop();
    }
  });

  test('a client without extended master secret is refused by default, accepted when allowed', async () => {
    const server = typetlsServers.get('ecdsa-p256')!;
    const errP = server.nextError();
    const r = await withNoEms(() => runOpensslClient({ ...clientOptions(server.port, 'ecdsa-p256'), extraArgs: ['-tls1_2'], input: 'x\n' }));
    assert.match(r.stdout + r.stderr, /handshake failure/i);
    assert.equal((await errP as { code?: string }).code, 'ERR_TLS_PEER_EMS_REQUIRED');
    const lenient = await startTypetlsServer({ certificates: [certifiedKey(pki.leaves['ecdsa-p256'])], minVersion: 'TLSv1.2', requireExtendedMasterSecret: false });
    try {
      const r2 = await withNoEms(() => runOpensslClient({ ...clientOptions(lenient.port, 'ecdsa-p256'), extraArgs: ['-tls1_2'], input: 'ems-less\n', until: /ems-less/ }));
      assert.equal(parseOpensslClientOutput(r2.stdout).protocol, 'TLSv1.2');
      assert.match(r2.stdout, /Extended master secret: no/);
      assert.match(r2.stdout, /ems-less/);
    } finally {
      await lenient.stop();
    }
  });

  test('a renegotiation (s_client command R) gets no_renegotiation; the ClientHello is ignored', async () => {
    const server = typetlsServers.get('ecdsa-p256')!;
    const errP = server.nextError();
    const c = startOpensslClient({ ...clientOptions(server.port, 'ecdsa-p256'), extraArgs: ['-tls1_2'] });
    try {
      await c.waitForOutput(/Verify return code: 0/);
      await c.write('R\n');
      const e = await errP;
      // OpenSSL answers our no_renegotiation warning with a fatal handshake_failure.
      assert.equal((e as { code?: string }).code, 'ERR_TLS_ALERT_RECEIVED');
      assert.equal((e as { received?: number }).received, 40);
      await c.exited;
      assert.match(c.output() + c.stderr(), /RENEGOTIATING[\s\S]*no renegotiation/i);
    } finally {
      await c.stop();
    }
  });
});
