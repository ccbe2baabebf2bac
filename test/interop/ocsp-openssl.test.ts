/**
 * OCSP stapling against OpenSSL, TLS 1.3 (RFC 8446 §4.4.2.1) and TLS 1.2 (RFC 6066 §8
 * CertificateStatus), with a real OCSP response made by `openssl ocsp` from the test CA's
 * database: `openssl s_client -status` sees the response the typetls server staples (and none
 * without `-status`); the typetls client receives what `openssl s_server -status_file`
 * staples, and hands it to its verifier.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClientConfig } from '../../src/core/client/config.ts';
import { ClientConnection } from '../../src/core/client/connection.ts';
import type { ServerCertificateInput, ServerCertVerifier } from '../../src/core/verify.ts';
import { TlsSocket } from '../../src/node/socket.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority, type IssuedCertificate } from '../helpers/pki-openssl.ts';
import { cleanupPeers, runOpensslClient, startOpensslServer } from '../helpers/peers.ts';
import { destroyTypetlsSockets, secured, startTypetlsServer } from './typetls-endpoints.ts';

const provider = nodeCryptoProvider;
let pki: OpenSslPki;
let root: CertificateAuthority;
let leaf: IssuedCertificate;
let responsePath: string;
let response: Uint8Array;

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'OCSP Interop Root', keyType: 'ecdsa-p256' });
  leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:server.test'], eku: ['serverAuth'] });
  // A real OCSPResponse: a request for the leaf, answered from the CA's `openssl ca` index,
  // signed by the CA itself (RFC 6960 §4.2.2.2: the issuing CA may sign responses).
  const req = join(pki.dir, 'ocsp-req.der');
  responsePath = join(pki.dir, 'ocsp-resp.der');
  execFileSync('openssl', ['ocsp', '-issuer', root.certPath, '-cert', leaf.certPath, '-no_nonce', '-reqout', req], { stdio: 'pipe' });
  execFileSync('openssl', ['ocsp', '-index', join(root.caDir, 'index.txt'), '-rsigner', root.certPath, '-rkey', root.keyPath, '-CA', root.certPath, '-reqin', req, '-respout', responsePath, '-ndays', '1'], { stdio: 'pipe' });
  response = Uint8Array.from(readFileSync(responsePath));
  writeFileSync(join(pki.dir, 'leaf-and-key.pem'), leaf.certPem + leaf.keyPem);
});
after(async () => {
  destroyTypetlsSockets();
  await cleanupPeers();
  pki.cleanup();
});

describe('typetls server staples for openssl s_client -status', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) it(`staples the response when asked, and nothing when not (${version})`, async () => {
    const tls12 = version === 'TLSv1.2';
    const server = await startTypetlsServer({
      certificates: [{ chain: [leaf.certDer], key: provider.loadSigningKey(leaf.keyPem), ocspResponse: response }],
      ...(tls12 ? { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const : {}),
    });
    const versionArgs = { tls13Only: !tls12, ...(tls12 ? { extraArgs: ['-tls1_2'] } : {}) };
    try {
      const withStatus = await runOpensslClient({ port: server.port, servername: 'server.test', caFile: root.certPath, ...versionArgs, extraArgs: [...(versionArgs.extraArgs ?? []), '-status'], input: 'ocsp?\n', until: /ocsp\?/ });
      assert.equal(withStatus.timedOut, false, withStatus.stderr);
      assert.match(withStatus.stdout, /OCSP Response Status: successful/);
      assert.match(withStatus.stdout, /Cert Status: good/);
      assert.match(withStatus.stdout, new RegExp(`New, ${version.replace('.', '\\.')}, Cipher`));
      assert.equal(server.handshakes.length, 1);
      assert.equal(server.handshakes[0]!.protocolVersion, version);
      assert.deepEqual(Buffer.from(server.handshakes[0]!.ocspResponse!), Buffer.from(response));

      const without = await runOpensslClient({ port: server.port, servername: 'server.test', caFile: root.certPath, ...versionArgs, input: 'plain\n', until: /plain/ });
      assert.equal(without.timedOut, false, without.stderr);
      assert.doesNotMatch(without.stdout, /OCSP Response Status/);
      assert.equal(server.handshakes[1]!.ocspResponse, null);
    } finally {
      await server.stop();
    }
  });
});

describe('typetls client and openssl s_server -status_file', () => {
  async function connect(port: number, requestOcsp: boolean, seen: ServerCertificateInput[], version: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.3'): Promise<{ socket: TlsSocket; ocsp: Uint8Array | null }> {
    const inner = createServerVerifier({ roots: [root.certDer], signatures: provider.signatures });
    const verifier: ServerCertVerifier = {
      verifyServerCertificate: (input) => { seen.push(input); return inner.verifyServerCertificate(input); },
      verifyTls13Signature: (...a) => inner.verifyTls13Signature(...a),
      verifyTls12Signature: (...a) => inner.verifyTls12Signature(...a),
      supportedSchemes: () => inner.supportedSchemes(),
    };
    const config = createClientConfig({ provider, verifier, requestOcsp, minVersion: version, maxVersion: version });
    const tcp = net.connect(port, '127.0.0.1');
    tcp.on('error', () => {});
    const socket = new TlsSocket({ connection: new ClientConnection(config, 'server.test'), transport: tcp });
    const n = await secured(socket);
    assert.equal(n.protocolVersion, version);
    return { socket, ocsp: n.ocspResponse ?? null };
  }

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) it(`receives the stapled response and passes it to the verifier (${version})`, async () => {
    const tls12 = version === 'TLSv1.2';
    const server = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, tls13Only: !tls12, extraArgs: ['-status_file', responsePath, ...(tls12 ? ['-tls1_2'] : [])], naccept: 2 });
    const seen: ServerCertificateInput[] = [];
    const { socket, ocsp } = await connect(server.port, true, seen, version);
    try {
      assert.deepEqual(Buffer.from(ocsp!), Buffer.from(response));
      assert.deepEqual(Buffer.from(seen[0]!.ocspResponse!), Buffer.from(response));
      // The connection works afterwards: s_server relays what we send to its stdout.
      socket.write('after ocsp\n');
      await server.process.waitFor((p) => p.output().includes('after ocsp'), 'relayed data', 10_000);
    } finally {
      socket.destroy();
    }
    // Not asking: s_server sends nothing, and the client has nothing.
    const plain = await connect(server.port, false, [], version);
    plain.socket.destroy();
    assert.equal(plain.ocsp, null);
    await server.process.stop();
  });
});
