#!/usr/bin/env node
/**
 * The `typetls` command: `server`, `client`, `verify`, `demo`, `bench`. Parsing and printing
 * only; the work is done by the public API (STYLE §1: cli → node → core, webpki, providers), and
 * `bench` by the benchmark harness (bench/main.ts, shipped compiled in dist/bench).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { parseClientArgs, parseServerArgs, UsageError, clientUsage, serverUsage } from './args.ts';
import { errorLine } from './describe.ts';
import type { CliIo } from './io.ts';

const usage = [
  'usage: typetls <command> [options]',
  '',
  'commands:',
  `  ${serverUsage.slice(7)}`,
  `  ${clientUsage.slice(7)}`,
  '  verify --ca ROOTS.pem [--untrusted CHAIN.pem] [--name HOST_OR_IP] [--crl CRL.pem]... [--purpose server|client] [--time RFC3339] LEAF.pem',
  '  demo    in-memory CA, a typetls server, typetls and node:tls clients; prints what they negotiated',
  '  bench   [--quick] [--reps N] [--filter NAME] [--json FILE] [--svg FILE] [--cpu-prof DIR]',
  '          typetls against node:tls on this machine, side by side (needs the openssl command; BENCHMARKS.md)',
].join('\n');

/**
 * Runs one command; resolves to the exit code (0 ok, 1 failure, 2 usage). `server` resolves
 * only after SIGINT/SIGTERM.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'server': {
        const args = parseServerArgs(rest);
        const { startServer } = await import('./server-command.ts');
        const running = await startServer(args, io);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await running.close();
        return 0;
      }
      case 'client': {
        const args = parseClientArgs(rest);
        const { runClient } = await import('./client-command.ts');
        return await runClient(args, io);
      }
      case 'verify': {
        const { runVerify } = await import('./verify.ts');
        return await runVerify(rest, io);
      }
      case 'demo': {
        const { runDemo } = await import('./demo.ts');
        return await runDemo(io);
      }
      case 'bench': {
        const { runBenchCommand } = await import('../../bench/main.ts');
        return await runBenchCommand(rest, io.stdout, io.stderr);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(usage + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; expected server, client, verify, demo or bench`);
    }
  } catch (e) {
    io.stderr.write(`${errorLine(e)}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

/** The process's own streams. */
export const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: () => process.stdin,
  readFile: (path: string) => readFileSync(path),
  env: process.env,
};

/** True when this module is the program (also through the npm bin symlink), not imported. */
function isEntryPoint(): boolean {
  const invoked = process.argv[1];
  if (invoked === undefined) return false;
  try {
    return realpathSync(invoked) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2), processIo).then((code) => {
    process.exitCode = code;
    // stdin (client mode) may keep the loop alive: exit once stdout and stderr are flushed.
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  }, (e: unknown) => {
    process.stderr.write(`${errorLine(e)}\n`);
    process.exit(1);
  });
}
