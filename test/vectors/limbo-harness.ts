/**
 * x509-limbo harness (C2SP/x509-limbo; see ../shared/limbo/README.md). Runs every test case
 * through `verifyCertificateChain` with the node provider and compares with the expected
 * result. `npm run limbo` prints results per feature and namespace and ends with the line
 * `N passed, M failed, K skipped`. `limbo.test.ts` runs it in-process.
 *
 * Expected divergences live in `limbo-exceptions.json` (id -> reason); skipped features are
 * listed in `SKIPPED_FEATURES` with the reason.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isTlsError } from '../../src/core/errors.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { ExtendedKeyUsageOid, KeyUsageBit, parseCertificate } from '../../src/webpki/certificate.ts';
import { certificateHasEmail, parseIpAddress } from '../../src/webpki/names.ts';
import { createCrlChecker } from '../../src/webpki/revocation.ts';
import { trustAnchorFromCertificate, type TrustAnchor } from '../../src/webpki/trust-anchor.ts';
import { verifyCertificateChain, type ChainVerificationOptions } from '../../src/webpki/verifiers.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root. CI has `shared/` beside the clone. */
export const repoRoot = resolve(here, '..', '..');
export const limboPath = resolve(repoRoot, '..', 'shared', 'limbo', 'limbo.json');
export const exceptionsPath = resolve(here, 'limbo-exceptions.json');

/** Features we do not implement, with the reason (limbo README: "skip the features it does not implement"). */
export const SKIPPED_FEATURES: Readonly<Record<string, string>> = {
  'has-policy-constraints': 'certificate policies are not processed (as rustls-webpki)',
  'has-cert-policies': 'certificate policies are not processed (as rustls-webpki)',
  'no-cert-policies': 'certificate policies are not processed (as rustls-webpki)',
};

interface LimboName { readonly kind: 'DNS' | 'IP' | 'RFC822'; readonly value: string }
interface LimboCase {
  readonly id: string;
  readonly features: readonly string[];
  readonly validation_kind: 'SERVER' | 'CLIENT';
  readonly trusted_certs: readonly string[];
  readonly untrusted_intermediates: readonly string[];
  readonly peer_certificate: string;
  readonly validation_time: string | null;
  readonly signature_algorithms: readonly string[];
  readonly key_usage: readonly string[];
  readonly extended_key_usage: readonly string[];
  readonly expected_result: 'SUCCESS' | 'FAILURE';
  readonly expected_peer_name: LimboName | null;
  readonly expected_peer_names: readonly LimboName[];
  readonly max_chain_depth: number | null;
  readonly crls: readonly string[];
}

export type Outcome = 'pass' | 'fail' | 'skip';

export interface CaseResult {
  readonly id: string;
  readonly features: readonly string[];
  readonly outcome: Outcome;
  readonly expected: 'SUCCESS' | 'FAILURE';
  /** What we did: SUCCESS, or the error code (or `crash: ...` for a non-TlsError). */
  readonly actual: string;
  readonly detail: string;
}

export interface LimboRun {
  readonly results: readonly CaseResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly exceptions: Readonly<Record<string, string>>;
}

/** All PEM blocks of `label` in `text`, decoded. */
export function pemBlocks(text: string, label = 'CERTIFICATE'): Uint8Array[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(re)) out.push(new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')));
  return out;
}

function one(pem: string, label = 'CERTIFICATE'): Uint8Array {
  const b = pemBlocks(pem, label);
  if (b.length !== 1) throw new Error(`expected one ${label} PEM block, found ${b.length}`);
  return b[0]!;
}

const EKU_NAMES: Readonly<Record<string, string>> = {
  serverAuth: ExtendedKeyUsageOid.ServerAuth,
  clientAuth: ExtendedKeyUsageOid.ClientAuth,
  codeSigning: ExtendedKeyUsageOid.CodeSigning,
  emailProtection: ExtendedKeyUsageOid.EmailProtection,
  timeStamping: ExtendedKeyUsageOid.TimeStamping,
  OCSPSigning: ExtendedKeyUsageOid.OcspSigning,
  anyExtendedKeyUsage: ExtendedKeyUsageOid.AnyExtendedKeyUsage,
};

const KU_NAMES: Readonly<Record<string, number>> = {
  digitalSignature: KeyUsageBit.DigitalSignature,
  contentCommitment: KeyUsageBit.NonRepudiation,
  keyEncipherment: KeyUsageBit.KeyEncipherment,
  dataEncipherment: KeyUsageBit.DataEncipherment,
  keyAgreement: KeyUsageBit.KeyAgreement,
  keyCertSign: KeyUsageBit.KeyCertSign,
  cRLSign: KeyUsageBit.CrlSign,
  encipherOnly: KeyUsageBit.EncipherOnly,
  decipherOnly: KeyUsageBit.DecipherOnly,
};

/** Runs one case; returns SUCCESS or the failure's code. Throws only for harness errors. */
function runCase(tc: LimboCase): { actual: string; detail: string } {
  let anchors: TrustAnchor[];
  try {
    anchors = tc.trusted_certs.map((p) => trustAnchorFromCertificate(one(p)));
  } catch (e) {
    // limbo README: failing to parse a root is a validation FAILURE.
    return failure(e);
  }
  const now = tc.validation_time === null ? Date.now() : Date.parse(tc.validation_time);
  const ekuName = tc.extended_key_usage[0];
  const eku = ekuName === undefined ? null : (EKU_NAMES[ekuName] ?? ekuName);
  let keyUsage = 0;
  for (const k of tc.key_usage) keyUsage |= KU_NAMES[k] ?? 0;
  const signatures = nodeCryptoProvider.signatures;
  const opts: ChainVerificationOptions = {
    endEntity: one(tc.peer_certificate),
    intermediates: tc.untrusted_intermediates.map((p) => one(p)),
    anchors,
    signatures,
    now,
    usage: eku === null ? (tc.validation_kind === 'SERVER' ? 'server' : 'client') : { eku },
    ...(keyUsage !== 0 ? { endEntityKeyUsage: keyUsage } : {}),
    ...(tc.max_chain_depth !== null ? { maxIntermediates: tc.max_chain_depth } : {}),
  };
  try {
    const revocation = tc.crls.length > 0 ? createCrlChecker({ crls: tc.crls.map((p) => one(p, 'X509 CRL')), signatures }) : undefined;
    const names = tc.validation_kind === 'SERVER' ? (tc.expected_peer_name === null ? [] : [tc.expected_peer_name]) : tc.expected_peer_names;
    const dnsOrIp = names.find((n) => n.kind !== 'RFC822');
    verifyCertificateChain({
      ...opts,
      ...(revocation !== undefined ? { revocation } : {}),
      ...(dnsOrIp !== undefined ? { serverName: nameOf(dnsOrIp) } : {}),
    });
    for (const n of names) {
      if (n.kind === 'RFC822' && !certificateHasEmail(parseCertificate(opts.endEntity), n.value)) {
        return { actual: 'ERR_TLS_CERT_NOT_VALID_FOR_NAME', detail: `no rfc822Name ${n.value}` };
      }
    }
    return { actual: 'SUCCESS', detail: '' };
  } catch (e) {
    return failure(e);
  }
}

function nameOf(n: LimboName): { kind: 'dns'; name: string } | { kind: 'ip'; address: Uint8Array; text: string } {
  if (n.kind === 'IP') {
    const address = parseIpAddress(n.value);
    if (address === null) throw new Error(`bad IP ${n.value}`);
    return { kind: 'ip', address, text: n.value };
  }
  return { kind: 'dns', name: n.value };
}

function failure(e: unknown): { actual: string; detail: string } {
  if (isTlsError(e)) return { actual: e.code, detail: e.message };
  return { actual: `crash: ${e instanceof Error ? e.name : typeof e}`, detail: e instanceof Error ? e.stack ?? e.message : String(e) };
}

/** Runs the whole suite. */
export function runLimbo(file = limboPath): LimboRun {
  const suite = JSON.parse(readFileSync(file, 'utf8')) as { testcases: LimboCase[] };
  const exceptions = JSON.parse(readFileSync(exceptionsPath, 'utf8')) as Record<string, string>;
  const results: CaseResult[] = [];
  for (const tc of suite.testcases) {
    const skipFeature = tc.features.find((f) => SKIPPED_FEATURES[f] !== undefined);
    if (skipFeature !== undefined || tc.signature_algorithms.length > 0) {
      const reason = skipFeature !== undefined ? `${skipFeature}: ${SKIPPED_FEATURES[skipFeature]}` : 'signature_algorithms not expressible';
      results.push({ id: tc.id, features: tc.features, outcome: 'skip', expected: tc.expected_result, actual: '-', detail: reason });
      continue;
    }
    const { actual, detail } = runCase(tc);
    const ok = actual.startsWith('crash') ? false : (actual === 'SUCCESS') === (tc.expected_result === 'SUCCESS');
    results.push({ id: tc.id, features: tc.features, outcome: ok ? 'pass' : 'fail', expected: tc.expected_result, actual, detail });
  }
  const count = (o: Outcome): number => results.filter((r) => r.outcome === o).length;
  return { results, passed: count('pass'), failed: count('fail'), skipped: count('skip'), exceptions };
}

function tally(results: readonly CaseResult[], key: (r: CaseResult) => readonly string[]): Map<string, [number, number, number]> {
  const m = new Map<string, [number, number, number]>();
  for (const r of results) {
    for (const k of key(r)) {
      const t = m.get(k) ?? [0, 0, 0];
      t[r.outcome === 'pass' ? 0 : r.outcome === 'fail' ? 1 : 2]++;
      m.set(k, t);
    }
  }
  return m;
}

/** Prints the report; returns the final summary line. */
export function printReport(run: LimboRun, log: (s: string) => void = console.log): string {
  const show = (title: string, m: Map<string, [number, number, number]>): void => {
    log(title);
    for (const [k, [p, f, s]] of [...m].sort((a, b) => a[0].localeCompare(b[0]))) log(`  ${k.padEnd(36)} ${p} passed, ${f} failed, ${s} skipped`);
  };
  show('By namespace:', tally(run.results, (r) => [r.id.split('::')[0]!]));
  show('By feature:', tally(run.results, (r) => (r.features.length > 0 ? r.features : ['(none)'])));
  const failures = run.results.filter((r) => r.outcome === 'fail');
  if (failures.length > 0) {
    log('Failures (expected -> actual):');
    for (const r of failures) {
      const known = run.exceptions[r.id] !== undefined ? ' [known]' : ' [NEW]';
      log(`  ${r.id}: ${r.expected} -> ${r.actual}${known}${r.actual === 'SUCCESS' ? '' : `: ${r.detail.split('\n')[0]}`}`);
    }
  }
  const stale = Object.keys(run.exceptions).filter((id) => run.results.find((r) => r.id === id)?.outcome !== 'fail');
  if (stale.length > 0) log(`Exceptions that no longer fail: ${stale.join(', ')}`);
  const skipped = run.results.filter((r) => r.outcome === 'skip');
  if (skipped.length > 0) log(`Skipped: ${skipped.map((r) => `${r.id} (${r.detail})`).join('; ')}`);
  const line = `${run.passed} passed, ${run.failed} failed, ${run.skipped} skipped`;
  log(line);
  return line;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const run = runLimbo();
  printReport(run);
  const unexpected = run.results.filter((r) => r.outcome === 'fail' && run.exceptions[r.id] === undefined);
  process.exitCode = unexpected.length > 0 ? 1 : 0;
}
