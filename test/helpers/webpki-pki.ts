// Test PKI built with the openssl CLI in a temp dir (removed by `cleanup()`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  readonly name: string;
  readonly der: Uint8Array;
  readonly certPath: string;
  readonly keyPath: string;
}

export class TestPki {
  readonly dir: string;
  private n = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'typetls-webpki-'));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private der(certPath: string): Uint8Array {
    const out = join(this.dir, `der-${this.n++}.der`);
    this.openssl(['x509', '-in', certPath, '-outform', 'DER', '-out', out]);
    return new Uint8Array(readFileSync(out));
  }

  private key(kind: string): string {
    const keyPath = join(this.dir, `key-${this.n++}.pem`);
    if (kind === 'rsa') this.openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyPath]);
    else if (kind === 'rsa1024') this.openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', keyPath]);
    else if (kind === 'ed25519') this.openssl(['genpkey', '-algorithm', 'ED25519', '-out', keyPath]);
    else this.openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath]);
    return keyPath;
  }

  /** A self-signed CA (`subject` like `/CN=Root`). */
  root(subject: string, opts: { key?: string; keyPath?: string; ext?: string[] } = {}): TestCert {
    const keyPath = opts.keyPath ?? this.key(opts.key ?? 'ec');
    const certPath = join(this.dir, `cert-${this.n++}.pem`);
    const ext = opts.ext ?? ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash'];
    this.openssl(['req', '-x509', '-new', '-key', keyPath, '-subj', subject, '-days', '3650', '-out', certPath, '-config', this.emptyConfig(), ...ext.flatMap((e) => ['-addext', e])]);
    return { name: subject, der: this.der(certPath), certPath, keyPath };
  }

  /** A certificate for `subject` issued by `issuer`, with the given v3 extension lines. */
  issue(subject: string, issuer: TestCert, ext: string[], opts: { key?: string; keyPath?: string; days?: number } = {}): TestCert {
    const keyPath = opts.keyPath ?? this.key(opts.key ?? 'ec');
    const csr = join(this.dir, `csr-${this.n++}.pem`);
    const extFile = join(this.dir, `ext-${this.n++}.cnf`);
    const certPath = join(this.dir, `cert-${this.n++}.pem`);
    writeFileSync(extFile, ['subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid', ...ext].join('\n') + '\n');
    this.openssl(['req', '-new', '-key', keyPath, '-subj', subject, '-out', csr, '-config', this.emptyConfig()]);
    this.openssl(['x509', '-req', '-in', csr, '-CA', issuer.certPath, '-CAkey', issuer.keyPath, '-CAcreateserial', '-days', String(opts.days ?? 365), '-extfile', extFile, '-out', certPath]);
    return { name: subject, der: this.der(certPath), certPath, keyPath };
  }

  intermediate(subject: string, issuer: TestCert, opts: { keyPath?: string; ext?: string[] } = {}): TestCert {
    return this.issue(subject, issuer, opts.ext ?? ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'], opts.keyPath !== undefined ? { keyPath: opts.keyPath } : {});
  }

  leaf(subject: string, issuer: TestCert, san: string, extra: string[] = [], opts: { key?: string } = {}): TestCert {
    return this.issue(subject, issuer, ['basicConstraints=critical,CA:FALSE', `subjectAltName=${san}`, 'extendedKeyUsage=serverAuth,clientAuth', ...extra], opts);
  }

  private config: string | null = null;
  private emptyConfig(): string {
    if (this.config === null) {
      this.config = join(this.dir, 'openssl.cnf');
      writeFileSync(this.config, '[req]\ndistinguished_name=dn\n[dn]\n');
    }
    return this.config;
  }
}
