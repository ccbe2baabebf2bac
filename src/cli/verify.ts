/**
 * `typetls verify`: verifies a certificate chain with webpki, like `openssl verify`.
 *
 * ```
 * typetls verify --ca ROOTS.pem [--untrusted CHAIN.pem]... [--name HOST_OR_IP]
 *                [--crl CRL.pem]... [--crl-depth end-entity|chain] [--crl-unknown deny|allow]
 *                [--crl-expired enforce|ignore] [--purpose server|client] [--time RFC3339] LEAF.pem
 * ```
 * Prints `ok` and the verified path (subjects, end-entity first, one per line) on stdout and
 * exits 0; otherwise prints `error: CODE: message` on stderr and exits 1 (2 for bad usage).
 * Certificates after the first in LEAF.pem are used as untrusted intermediates (fullchain.pem).
 */
import { parseArgs } from 'node:util';
import { isTlsError } from '../core/errors.ts';
import { decodePem, readCertificates } from '../node/pem.ts';
import { nodeCryptoProvider } from '../providers/node/index.ts';
import { nameToString } from '../webpki/certificate.ts';
import { parseCrl, type CertRevocationList } from '../webpki/crl.ts';
import { createCrlChecker } from '../webpki/revocation.ts';
import { verifyCertificateChain } from '../webpki/verifiers.ts';

/** Where `runVerify` writes and how it reads files (process streams and fs.promises.readFile fit). */
export interface VerifyIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readFile(path: string): Promise<Uint8Array | string> | Uint8Array | string;
}

const USAGE = 'usage: typetls verify --ca ROOTS.pem [--untrusted CHAIN.pem]... [--name HOST_OR_IP] [--crl CRL.pem]... '
  + '[--crl-depth end-entity|chain] [--crl-unknown deny|allow] [--crl-expired enforce|ignore] '
  + '[--purpose server|client] [--time RFC3339] LEAF.pem\n';

// RFC 3339 §5.6 date-time (a 'T' or space separator, seconds required, Z or an offset).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

class UsageError extends Error {}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} ${value}: expected ${allowed.join(' or ')}`);
  return value as T;
}

function asText(data: Uint8Array | string): string {
  return typeof data === 'string' ? data : new TextDecoder('latin1').decode(data);
}

/**
 * Runs `typetls verify` with `argv` (the arguments after `verify`).
 * @returns the exit code: 0 when the chain is valid, 1 when not (or a file is unreadable or
 *   malformed), 2 for bad usage.
 * @example process.exitCode = await runVerify(process.argv.slice(3), { stdout: process.stdout, stderr: process.stderr, readFile: fs.promises.readFile });
 */
export async function runVerify(argv: string[], io: VerifyIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ca: { type: 'string', multiple: true },
        untrusted: { type: 'string', multiple: true },
        name: { type: 'string' },
        crl: { type: 'string', multiple: true },
        'crl-depth': { type: 'string' },
        'crl-unknown': { type: 'string' },
        'crl-expired': { type: 'string' },
        purpose: { type: 'string' },
        time: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  let purpose: 'server' | 'client';
  let depth: 'end-entity' | 'chain';
  let unknownStatus: 'deny' | 'allow';
  let expiration: 'enforce' | 'ignore';
  let now = Date.now();
  try {
    if (values.ca === undefined || values.ca.length === 0) throw new UsageError('--ca is required');
    if (positionals.length !== 1) throw new UsageError(`expected one LEAF.pem, got ${positionals.length}`);
    purpose = oneOf(values.purpose, ['server', 'client'], '--purpose', 'server');
    depth = oneOf(values['crl-depth'], ['end-entity', 'chain'], '--crl-depth', 'end-entity');
    unknownStatus = oneOf(values['crl-unknown'], ['deny', 'allow'], '--crl-unknown', 'deny');
    expiration = oneOf(values['crl-expired'], ['enforce', 'ignore'], '--crl-expired', 'enforce');
    if (values.time !== undefined) {
      now = Date.parse(values.time.replace(' ', 'T'));
      if (!RFC3339.test(values.time) || Number.isNaN(now)) throw new UsageError(`--time ${values.time}: expected an RFC 3339 date-time such as 2025-01-31T12:00:00Z`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`error: ${e.message}\n${USAGE}`);
    return 2;
  }

  try {
    const read = async (path: string): Promise<string | Uint8Array> => {
      try {
        return await io.readFile(path);
      } catch (e) {
        throw new UsageError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    const leafFile = positionals[0]!;
    const leafCerts = readCertificates(await read(leafFile), leafFile);
    const roots: Uint8Array[] = [];
    for (const f of values.ca) roots.push(...readCertificates(await read(f), f));
    const untrusted = leafCerts.slice(1);
    for (const f of values.untrusted ?? []) untrusted.push(...readCertificates(await read(f), f));
    const crls: CertRevocationList[] = [];
    for (const f of values.crl ?? []) {
      const data = await read(f);
      const isDer = typeof data !== 'string' && data.length > 0 && data[0] === 0x30;
      const blocks = isDer ? [data] : decodePem(asText(data)).filter((b) => b.label === 'X509 CRL').map((b) => b.der);
      if (blocks.length === 0) throw new UsageError(`no X509 CRL found in ${f}`);
      for (const der of blocks) crls.push(parseCrl(der));
    }
    const path = verifyCertificateChain({
      endEntity: leafCerts[0]!,
      intermediates: untrusted,
      roots,
      signatures: nodeCryptoProvider.signatures,
      now,
      usage: purpose,
      ...(values.name !== undefined ? { serverName: values.name } : {}),
      ...(crls.length > 0 ? { revocation: createCrlChecker({ crls, signatures: nodeCryptoProvider.signatures, depth, unknownStatus, expiration }) } : {}),
    });
    const subjects = [path.endEntity.subject, ...path.intermediates.map((c) => c.subject), path.anchor.subject];
    io.stdout.write(`ok\n${subjects.map((s) => nameToString(s)).join('\n')}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    if (isTlsError(e)) {
      io.stderr.write(`error: ${e.code}: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`error: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
