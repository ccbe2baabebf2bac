/**
 * Benchmark certificates, generated once per run with the `openssl` CLI into a temporary
 * directory that `cleanup()` removes: an ECDSA P-256 root, an ECDSA P-256 intermediate, and
 * one server leaf per key type (ECDSA P-256, RSA-2048, Ed25519) valid for `localhost` and
 * 127.0.0.1. Servers send leaf + intermediate; clients trust the root only, so both stacks
 * verify the same two signatures per handshake.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Server certificate key types the handshake scenarios use. */
export type CertKind = 'ecdsa' | 'rsa' | 'ed25519';
export const CERT_KINDS: readonly CertKind[] = ['ecdsa', 'rsa', 'ed25519'];

/** PEM material for one server identity. */
export interface ServerIdentity {
  /** Leaf then intermediate (what the server sends). */
  readonly chainPem: string;
  /** PKCS#8 private key. */
  readonly keyPem: string;
}

/** Everything the workers need, serialisable over IPC. */
export interface BenchCerts {
  /** The root (the only trust anchor). */
  readonly caPem: string;
  readonly servers: Readonly<Record<CertKind, ServerIdentity>>;
}

const keyArgs: Readonly<Record<CertKind, readonly string[]>> = {
  ecdsa: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-pkeyopt', 'ec_param_enc:named_curve'],
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  ed25519: ['-algorithm', 'ED25519'],
};

/** Generates the PKI (about 0.5 s). The caller must call `cleanup()` (also on failure paths). */
export function generateCerts(): { certs: BenchCerts; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'typetls-bench-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const openssl = (args: readonly string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    };
    const key = (name: string, kind: CertKind): string => {
      const p = join(dir, `${name}.key`);
      openssl(['genpkey', '-out', p, ...keyArgs[kind]]);
      return p;
    };
    const ext = (name: string, lines: readonly string[]): string => {
      const p = join(dir, `${name}.ext`);
      writeFileSync(p, `[ext]\n${lines.join('\n')}\n`);
      return p;
    };
    // Root: self-signed, ECDSA P-256.
    const rootKey = key('root', 'ecdsa');
    const rootCert = join(dir, 'root.pem');
    openssl(['req', '-new', '-x509', '-key', rootKey, '-out', rootCert, '-days', '30', '-sha256', '-subj', '/CN=typetls bench root',
      '-extensions', 'ext', '-config', ext('root', ['[req]', 'distinguished_name = dn', '[dn]', '[ext]',
        'basicConstraints = critical,CA:true', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash'])]);
    const issue = (name: string, kind: CertKind, issuerCert: string, issuerKey: string, lines: readonly string[]): { cert: string; key: string } => {
      const k = key(name, kind);
      const csr = join(dir, `${name}.csr`);
      const cert = join(dir, `${name}.pem`);
      openssl(['req', '-new', '-key', k, '-out', csr, '-subj', `/CN=typetls bench ${name}`]);
      openssl(['x509', '-req', '-in', csr, '-CA', issuerCert, '-CAkey', issuerKey, '-CAcreateserial', '-out', cert, '-days', '30', '-sha256',
        '-extfile', ext(name, lines), '-extensions', 'ext']);
      return { cert, key: k };
    };
    const inter = issue('intermediate', 'ecdsa', rootCert, rootKey, [
      'basicConstraints = critical,CA:true,pathlen:0', 'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always']);
    const interPem = readFileSync(inter.cert, 'utf8');
    const servers = {} as Record<CertKind, ServerIdentity>;
    for (const kind of CERT_KINDS) {
      const leaf = issue(`leaf-${kind}`, kind, inter.cert, inter.key, [
        'basicConstraints = critical,CA:false',
        `keyUsage = critical,${kind === 'rsa' ? 'digitalSignature,keyEncipherment' : 'digitalSignature'}`,
        'extendedKeyUsage = serverAuth', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always',
        'subjectAltName = DNS:localhost,IP:127.0.0.1']);
      servers[kind] = { chainPem: readFileSync(leaf.cert, 'utf8') + interPem, keyPem: readFileSync(leaf.key, 'utf8') };
    }
    return { certs: { caPem: readFileSync(rootCert, 'utf8'), servers }, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}
