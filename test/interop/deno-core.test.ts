/**
 * The runtime-agnostic claim (ARCHITECTURE "runtime-agnostic core"): the core, webpki and the
 * noble provider run under Deno, unchanged. `deno-core.script.ts` does full in-memory TLS 1.3
 * handshakes there and reports what was negotiated. No network: Deno runs with `--no-remote
 * --cached-only`, resolves `@noble/*` from our node_modules (`--node-modules-dir=manual`, run
 * from the repository root so it finds package.json) and may read only the repository and
 * the fixture directory. DENO_DIR is a temporary directory, removed afterwards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenSslPki, type CertificateAuthority } from '../helpers/pki-openssl.ts';
import type { DenoFixture, DenoReport } from './deno-core.script.ts';
import { SignatureScheme } from '../../src/core/codec/codepoints.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const denoBin = join(repo, 'node_modules', '.bin', 'deno');
const script = join(repo, 'test', 'interop', 'deno-core.script.ts');

const CASES = [
  { suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519' },
  { suite: 'TLS_AES_256_GCM_SHA384', group: 'secp384r1' },
  { suite: 'TLS_CHACHA20_POLY1305_SHA256', group: 'secp256r1' },
] as const;
const PAYLOAD = 40000; // spans three records each way

let pki: OpenSslPki;
let root: CertificateAuthority;
let work: string;

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function runDeno(fixturePath: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    denoBin,
    ['run', '--no-prompt', '--no-remote', '--cached-only', '--no-lock', '--node-modules-dir=manual', `--allow-read=${repo},${work}`, script, fixturePath],
    // Only what Deno needs: its cache dir, and PATH/HOME. No color codes in the output.
    { cwd: repo, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH ?? '', HOME: work, DENO_DIR: join(work, 'deno-dir'), NO_COLOR: '1' } },
  );
  // A missing binary is a failure, not a skip: the devDependency `deno` provides it.
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.error === undefined ? r.stderr : `${denoBin}: ${r.error.message}\n${r.stderr ?? ''}` };
}

describe('the core under Deno', () => {
  before(() => {
    pki = OpenSslPki.create();
    root = pki.makeCa({ name: 'Deno Root', keyType: 'ecdsa-p256' });
    work = mkdtempSync(join(tmpdir(), 'typetls-deno-'));
  });
  after(() => {
    pki.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('completes TLS 1.3 handshakes with the noble provider and the webpki verifier, and exchanges data', () => {
    const leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:deno.test'] });
    const fixture: DenoFixture = {
      rootDerHex: hex(root.certDer),
      chainDerHex: [hex(leaf.certDer)],
      keyPem: leaf.keyPem,
      serverName: 'deno.test',
      cases: CASES,
      payloadLength: PAYLOAD,
    };
    const fixturePath = join(work, 'fixture.json');
    writeFileSync(fixturePath, JSON.stringify(fixture));
    const r = runDeno(fixturePath);
    assert.equal(r.status, 0, `deno exited with ${r.status}; stderr:\n${r.stderr}`);
    const line = r.stdout.trim().split('\n').pop() ?? '';
    const report = JSON.parse(line) as DenoReport;
    assert.match(report.runtime, /^deno \d+\.\d+/, 'the script ran under Deno');
    assert.equal(report.providerName, 'noble');
    assert.equal(report.results.length, CASES.length, 'one result per case');
    for (const [i, c] of CASES.entries()) {
      const res = report.results[i]!;
      assert.equal(res.client.protocolVersion, 'TLSv1.3', `${c.suite}: client version`);
      assert.equal(res.server.protocolVersion, 'TLSv1.3', `${c.suite}: server version`);
      assert.equal(res.client.cipherSuite, c.suite, 'client suite');
      assert.equal(res.server.cipherSuite, c.suite, 'server suite');
      assert.equal(res.client.group, c.group, 'client group');
      assert.equal(res.server.group, c.group, 'server group');
      assert.equal(res.client.peerSignatureScheme, SignatureScheme.EcdsaSecp256r1Sha256, 'the server signed with its P-256 key');
      assert.equal(res.client.alpn, 'h2', 'ALPN');
      assert.equal(res.server.serverName, 'deno.test', 'SNI');
      assert.equal(res.serverReceived, PAYLOAD, 'server received every byte');
      assert.equal(res.clientReceived, PAYLOAD, 'client received the echo');
      assert.equal(res.echoIntact, true, 'echo matches what was sent');
    }
  });

  it('fails closed under Deno: a server name the certificate does not cover is refused', () => {
    const leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:other.test'] });
    const fixturePath = join(work, 'fixture-bad-name.json');
    const fixture: DenoFixture = {
      rootDerHex: hex(root.certDer),
      chainDerHex: [hex(leaf.certDer)],
      keyPem: leaf.keyPem,
      serverName: 'deno.test',
      cases: [CASES[0]],
      payloadLength: 1,
    };
    writeFileSync(fixturePath, JSON.stringify(fixture));
    const r = runDeno(fixturePath);
    assert.notEqual(r.status, 0, 'deno must exit non-zero when verification fails');
    assert.match(r.stderr, /ERR_TLS_CERT/, `a certificate error code in stderr:\n${r.stderr}`);
  });
});
