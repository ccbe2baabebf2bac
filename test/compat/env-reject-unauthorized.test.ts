// Differential: NODE_TLS_REJECT_UNAUTHORIZED=0 in a child process (the variable is read per
// connect() and the warning is per process), node:tls and typetls/node-compat connecting twice to
// a self-signed server: the same outcomes, authorizationError and stderr warning (once).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as nodeTls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { close, listen, makePki, type Pki } from './harness.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/compat-env/connect.ts', import.meta.url));

let p: Pki;
let server: nodeTls.Server;
let port = 0;
before(async () => {
  p = makePki();
  server = nodeTls.createServer({ key: p.selfSigned.keyPem, cert: p.selfSigned.certPem }, (s) => s.end());
  server.on('tlsClientError', () => {});
  port = await listen(server);
});
after(async () => {
  await close(server);
  p.pki.cleanup();
});

interface Run { lines: Array<Record<string, unknown>>; stderr: string }

/** Runs the fixture; `env` '0' sets NODE_TLS_REJECT_UNAUTHORIZED, undefined removes it. */
function run(impl: 'node' | 'compat', env: string | undefined, reject: 'unset' | 'true' | 'false'): Promise<Run> {
  const e: NodeJS.ProcessEnv = { ...process.env };
  delete e['NODE_TLS_REJECT_UNAUTHORIZED'];
  delete e['NODE_OPTIONS'];
  if (env !== undefined) e['NODE_TLS_REJECT_UNAUTHORIZED'] = env;
  return new Promise((resolve, reject_) => {
    const c = spawn(process.execPath, ['--import', 'tsx', FIXTURE, impl, String(port), reject], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    c.on('error', reject_);
    c.on('close', (code) => {
      if (code !== 0) {
        reject_(new Error(`fixture exited with ${String(code)}: ${err}`));
        return;
      }
      // The warning names the process id: (node:1234) Warning: ...
      resolve({ lines: out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>), stderr: err.replace(/\(node:\d+\)/g, '(node:PID)') });
    });
  });
}

const WARNING = "(node:PID) Warning: Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS connections and HTTPS requests insecure by disabling certificate verification.\n";
const accepted = { ok: true, authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' };
const refused = { ok: false, code: 'DEPTH_ZERO_SELF_SIGNED_CERT' };

describe('NODE_TLS_REJECT_UNAUTHORIZED (child processes, node:tls and node-compat)', () => {
  const cases: Array<{ name: string; env: string | undefined; reject: 'unset' | 'true' | 'false'; outcome: Record<string, unknown>; warns: boolean }> = [
    { name: "'0': both connect unverified, one warning", env: '0', reject: 'unset', outcome: accepted, warns: true },
    // node:tls: an explicit rejectUnauthorized wins over the variable, and the warning still comes.
    { name: "'0' with rejectUnauthorized: true: refused, still the warning", env: '0', reject: 'true', outcome: refused, warns: true },
    { name: 'unset: both refuse, no warning', env: undefined, reject: 'unset', outcome: refused, warns: false },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const [n, t] = await Promise.all([run('node', c.env, c.reject), run('compat', c.env, c.reject)]);
      for (const r of [n, t]) {
        assert.deepEqual(r.lines, [c.outcome, c.outcome]);
        const warnings = r.stderr.split(WARNING).length - 1;
        assert.equal(warnings, c.warns ? 1 : 0, r.stderr);
      }
      assert.equal(t.stderr, n.stderr, 'the same stderr');
    });
  }
});
