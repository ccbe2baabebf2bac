/**
 * Test PKIs built with the `openssl` CLI (OpenSSL 3.0+): roots, intermediates, leaves and CRLs
 * in a temporary directory that `cleanup()` removes. Every CA is an `openssl ca` database, so
 * certificates get real serials, `-startdate/-enddate` set validity in the past or the future,
 * and `ca -revoke` / `ca -gencrl` produce real CRLs.
 *
 * ```ts
 * const pki = OpenSslPki.create();
 * try {
 *   const root = pki.makeCa({ name: 'Root', keyType: 'ecdsa-p256' });
 *   const leaf = pki.makeCertificate({ issuer: root, keyType: 'ed25519', sans: ['DNS:a.test'] });
 *   // leaf.certPem, leaf.certDer, leaf.keyPem, leaf.certPath, ...
 * } finally {
 *   pki.cleanup();
 * }
 * ```
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Key algorithms the helper can generate. */
export type KeyType = 'rsa2048' | 'ecdsa-p256' | 'ecdsa-p384' | 'ed25519';

/** Extended key usages by their openssl short names. */
export type Eku = 'serverAuth' | 'clientAuth' | 'codeSigning' | 'emailProtection';

/** Revocation reasons as `openssl ca -crl_reason` spells them (RFC 5280 §5.3.1). */
export type CrlReason =
  | 'unspecified' | 'keyCompromise' | 'CACompromise' | 'affiliationChanged' | 'superseded'
  | 'cessationOfOperation' | 'certificateHold' | 'removeFromCRL';

/** A generated key: PKCS#8 PEM and DER, plus the file holding the PEM. */
export interface KeyMaterial {
  readonly keyType: KeyType;
  readonly keyPem: string;
  readonly keyDer: Uint8Array;
  readonly keyPath: string;
}

/** An issued certificate and its key. */
export interface IssuedCertificate extends KeyMaterial {
  /** The subject as given (`/CN=...` form). */
  readonly subject: string;
  readonly certPem: string;
  readonly certDer: Uint8Array;
  readonly certPath: string;
  /** The serial number as `openssl x509 -serial` prints it (uppercase hex). */
  readonly serial: string;
  /** The issuing CA, or null for a self-signed root. */
  readonly issuer: CertificateAuthority | null;
}

/** A CA: an issued certificate plus its `openssl ca` working directory. */
export interface CertificateAuthority extends IssuedCertificate {
  readonly caDir: string;
  readonly configPath: string;
}

/** A CRL as PEM, DER and file. */
export interface CrlMaterial {
  readonly crlPem: string;
  readonly crlDer: Uint8Array;
  readonly crlPath: string;
}

/** Validity bounds; default is 2020-01-01 .. 2040-01-01 (well around "now"). */
export interface Validity {
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export interface MakeCaOptions extends Validity {
  /** Common name; also names the CA's directory. */
  readonly name: string;
  readonly keyType: KeyType;
  /** Signing CA; omitted for a self-signed root. */
  readonly issuer?: CertificateAuthority;
  /** basicConstraints pathlen. */
  readonly pathLen?: number;
  /** Replaces the basicConstraints value (default `critical,CA:true[,pathlen:N]`); empty string omits it. */
  readonly basicConstraints?: string;
  /**
   * nameConstraints value in openssl syntax, e.g.
   * `permitted;DNS:example.com,excluded;IP:10.0.0.0/255.0.0.0`. Marked critical.
   */
  readonly nameConstraints?: string;
  /** keyUsage list (openssl names); default `keyCertSign,cRLSign`. Empty string omits keyUsage. */
  readonly keyUsage?: string;
  /** extendedKeyUsage on the CA certificate (none by default). */
  readonly eku?: readonly Eku[];
  /** Digest for signatures this CA makes (ignored for Ed25519); default sha256 (sha384 for P-384). */
  readonly md?: 'sha256' | 'sha384' | 'sha512';
  /** Raw extra extension lines for the CA certificate (`name = value`). */
  readonly extraExtensions?: readonly string[];
}

export interface MakeCertificateOptions extends Validity {
  readonly issuer: CertificateAuthority;
  readonly keyType: KeyType;
  /** subjectAltName entries in openssl syntax: `DNS:a.test`, `DNS:*.a.test`, `IP:10.0.0.1`, `IP:::1`. */
  readonly sans?: readonly string[];
  /** Common name; default the first SAN's value, or `leaf`. */
  readonly name?: string;
  /** extendedKeyUsage; default `['serverAuth', 'clientAuth']`. Empty array omits it. */
  readonly eku?: readonly Eku[];
  /** keyUsage; default `digitalSignature` (+ `keyEncipherment` for RSA). Empty string omits it. */
  readonly keyUsage?: string;
  /** Raw extra extension lines for the certificate (`name = value`). */
  readonly extraExtensions?: readonly string[];
  /** Reuse this key instead of generating one. */
  readonly key?: KeyMaterial;
}

export interface MakeCrlOptions {
  /** thisUpdate; default now minus one hour. */
  readonly lastUpdate?: Date;
  /** nextUpdate; default now plus 30 days. */
  readonly nextUpdate?: Date;
  /**
   * Extra CRL extension lines (`name = value`, openssl config syntax), added to the AKI, e.g.
   * `issuingDistributionPoint = critical, @idp` with `extraSections: ['[idp]', 'fullname = URI:http://x/crl', 'onlyuser = TRUE']`.
   */
  readonly extensions?: readonly string[];
  /** Extra config lines (sections the extensions refer to). */
  readonly extraSections?: readonly string[];
}

const DEFAULT_NOT_BEFORE = new Date(Date.UTC(2020, 0, 1));
const DEFAULT_NOT_AFTER = new Date(Date.UTC(2040, 0, 1));

/** `YYYYMMDDHHMMSSZ`, the form `openssl ca -startdate/-enddate/-crl_*update` take. */
export function opensslTime(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/** Decodes the first PEM block with `label` (or any label when omitted). */
export function pemToDer(pem: string, label?: string): Uint8Array {
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const m of pem.matchAll(re)) {
    if (label === undefined || m[1] === label) return new Uint8Array(Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64'));
  }
  throw new Error(`no PEM block ${label ?? ''} found`);
}

/** Encodes DER as PEM with `label`. */
export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

/** A temporary PKI built with the openssl CLI. Call `cleanup()` when done (in `after`). */
export class OpenSslPki {
  readonly dir: string;
  private counter: number;

  private constructor(dir: string) {
    this.dir = dir;
    this.counter = 0;
  }

  /** Creates an empty PKI in a fresh temporary directory. */
  static create(): OpenSslPki {
    return new OpenSslPki(mkdtempSync(join(tmpdir(), 'typetls-pki-')));
  }

  /** Removes the temporary directory and everything in it. */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs `openssl` with `args` in the PKI directory; throws with stderr on failure. */
  openssl(args: readonly string[], input?: string): string {
    try {
      return execFileSync('openssl', args, { cwd: this.dir, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input === undefined ? {} : { input }) });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
    }
  }

  /** Writes `content` to a new file in the PKI directory and returns its path. */
  writeFile(name: string, content: string | Uint8Array): string {
    const p = join(this.dir, name);
    writeFileSync(p, content);
    return p;
  }

  /** Generates a key of `keyType`. */
  makeKey(keyType: KeyType, name = `key-${this.next()}`): KeyMaterial {
    const keyPath = join(this.dir, `${name}.key.pem`);
    const args = ['genpkey', '-out', keyPath];
    switch (keyType) {
      case 'rsa2048': args.push('-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'); break;
      case 'ecdsa-p256': args.push('-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-pkeyopt', 'ec_param_enc:named_curve'); break;
      case 'ecdsa-p384': args.push('-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-pkeyopt', 'ec_param_enc:named_curve'); break;
      case 'ed25519': args.push('-algorithm', 'ED25519'); break;
    }
    this.openssl(args);
    const keyPem = readFileSync(keyPath, 'utf8');
    return { keyType, keyPem, keyDer: pemToDer(keyPem, 'PRIVATE KEY'), keyPath };
  }

  /** Makes a CA: a self-signed root when `issuer` is omitted, else an intermediate. */
  makeCa(o: MakeCaOptions): CertificateAuthority {
    const id = `ca-${this.next()}-${o.name.replace(/[^A-Za-z0-9]+/g, '_')}`;
    const caDir = join(this.dir, id);
    mkdirSync(caDir);
    writeFileSync(join(caDir, 'index.txt'), '');
    writeFileSync(join(caDir, 'index.txt.attr'), 'unique_subject = no\n');
    // Distinct serial ranges per CA, so a serial revoked by one CA never collides by accident.
    writeFileSync(join(caDir, 'serial'), (0x100000 + this.counter * 0x1000).toString(16).toUpperCase() + '\n');
    writeFileSync(join(caDir, 'crlnumber'), '01\n');
    const md = o.keyType === 'ed25519' ? 'default' : (o.md ?? (o.keyType === 'ecdsa-p384' ? 'sha384' : 'sha256'));
    const configPath = join(caDir, 'ca.cnf');
    writeFileSync(configPath, caConfig(caDir, md));
    const key = this.makeKey(o.keyType, join(id, 'ca'));
    const ext: string[] = ['subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always'];
    const basicConstraints = o.basicConstraints ?? `critical,CA:true${o.pathLen === undefined ? '' : `,pathlen:${o.pathLen}`}`;
    if (basicConstraints !== '') ext.unshift(`basicConstraints = ${basicConstraints}`);
    const keyUsage = o.keyUsage ?? 'keyCertSign,cRLSign';
    if (keyUsage !== '') ext.push(`keyUsage = critical,${keyUsage}`);
    if (o.nameConstraints !== undefined) ext.push(`nameConstraints = critical,${o.nameConstraints}`);
    if (o.eku !== undefined && o.eku.length > 0) ext.push(`extendedKeyUsage = ${o.eku.join(',')}`);
    if (o.extraExtensions !== undefined) ext.push(...o.extraExtensions);
    const subject = `/CN=${o.name}`;
    const certPath = join(caDir, 'cert.pem');
    const issued = this.sign({
      subject, key, certPath, ext, validity: o,
      issuerConfig: o.issuer?.configPath ?? configPath,
      selfSignKey: o.issuer === undefined ? key.keyPath : null,
    });
    return { ...issued, issuer: o.issuer ?? null, caDir, configPath };
  }

  /** Makes an end-entity certificate signed by `issuer`. */
  makeCertificate(o: MakeCertificateOptions): IssuedCertificate {
    const n = this.next();
    const key = o.key ?? this.makeKey(o.keyType, `leaf-${n}`);
    const sans = o.sans ?? [];
    const cn = o.name ?? (sans[0] !== undefined ? sans[0].replace(/^[A-Z]+:/, '') : 'leaf');
    const ext: string[] = ['basicConstraints = critical,CA:false', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always'];
    const keyUsage = o.keyUsage ?? (key.keyType === 'rsa2048' ? 'digitalSignature,keyEncipherment' : 'digitalSignature');
    if (keyUsage !== '') ext.push(`keyUsage = critical,${keyUsage}`);
    const eku = o.eku ?? ['serverAuth', 'clientAuth'];
    if (eku.length > 0) ext.push(`extendedKeyUsage = ${eku.join(',')}`);
    if (sans.length > 0) ext.push(`subjectAltName = ${sans.join(',')}`);
    if (o.extraExtensions !== undefined) ext.push(...o.extraExtensions);
    const issued = this.sign({
      subject: `/CN=${cn}`, key, certPath: join(this.dir, `leaf-${n}.cert.pem`), ext, validity: o,
      issuerConfig: o.issuer.configPath, selfSignKey: null,
    });
    return { ...issued, issuer: o.issuer };
  }

  /** Marks `cert` revoked in its issuer's database (`openssl ca -revoke`). */
  revoke(cert: IssuedCertificate, reason: CrlReason = 'keyCompromise'): void {
    if (cert.issuer === null) throw new Error('cannot revoke a self-signed root');
    this.openssl(['ca', '-batch', '-config', cert.issuer.configPath, '-revoke', cert.certPath, '-crl_reason', reason]);
  }

  /** Issues a CRL from `ca`'s database (`openssl ca -gencrl`), with cRLNumber and AKI. */
  makeCrl(ca: CertificateAuthority, o: MakeCrlOptions = {}): CrlMaterial {
    const now = Date.now();
    const last = o.lastUpdate ?? new Date(now - 3600_000);
    const next = o.nextUpdate ?? new Date(now + 30 * 86400_000);
    const n = this.next();
    const crlPath = join(this.dir, `crl-${n}.pem`);
    let config = ca.configPath;
    if (o.extensions !== undefined || o.extraSections !== undefined) {
      // A copy of the CA config with the extra CRL extensions section (same database).
      config = join(ca.caDir, `ca-crl-${n}.cnf`);
      writeFileSync(config, readFileSync(ca.configPath, 'utf8').replace('crl_extensions = crl_ext', 'crl_extensions = crl_ext_extra')
        + `[crl_ext_extra]\nauthorityKeyIdentifier = keyid:always\n${(o.extensions ?? []).join('\n')}\n${(o.extraSections ?? []).join('\n')}\n`);
    }
    this.openssl(['ca', '-batch', '-config', config, '-gencrl', '-out', crlPath,
      '-crl_lastupdate', opensslTime(last), '-crl_nextupdate', opensslTime(next)]);
    const crlPem = readFileSync(crlPath, 'utf8');
    return { crlPem, crlDer: pemToDer(crlPem, 'X509 CRL'), crlPath };
  }

  /** Concatenates PEM texts into one new file (a bundle for `-CAfile`, `-untrusted`, `-CRLfile`). */
  bundle(name: string, pems: readonly string[]): string {
    return this.writeFile(name, pems.join(''));
  }

  private next(): number {
    return ++this.counter;
  }

  private sign(a: {
    subject: string; key: KeyMaterial; certPath: string; ext: readonly string[]; validity: Validity;
    issuerConfig: string; selfSignKey: string | null;
  }): Omit<IssuedCertificate, 'issuer'> {
    const n = this.next();
    const csrPath = join(this.dir, `req-${n}.csr`);
    const extPath = join(this.dir, `ext-${n}.cnf`);
    writeFileSync(extPath, `[ext]\n${a.ext.join('\n')}\n`);
    this.openssl(['req', '-new', '-key', a.key.keyPath, '-subj', a.subject, '-out', csrPath, '-config', a.issuerConfig]);
    const args = ['ca', '-batch', '-config', a.issuerConfig, '-in', csrPath, '-out', a.certPath, '-notext',
      '-preserveDN', '-extfile', extPath, '-extensions', 'ext',
      '-startdate', opensslTime(a.validity.notBefore ?? DEFAULT_NOT_BEFORE),
      '-enddate', opensslTime(a.validity.notAfter ?? DEFAULT_NOT_AFTER)];
    if (a.selfSignKey !== null) args.push('-selfsign', '-keyfile', a.selfSignKey);
    this.openssl(args);
    const certPem = readFileSync(a.certPath, 'utf8');
    const serial = this.openssl(['x509', '-in', a.certPath, '-noout', '-serial']).trim().replace(/^serial=/, '');
    return { ...a.key, subject: a.subject, certPem, certDer: pemToDer(certPem, 'CERTIFICATE'), certPath: a.certPath, serial };
  }
}

function caConfig(caDir: string, md: string): string {
  return `[ca]
default_ca = CA_default
[CA_default]
dir = ${caDir}
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir
certificate = $dir/cert.pem
private_key = $dir/ca.key.pem
default_md = ${md}
policy = policy_any
unique_subject = no
copy_extensions = none
default_days = 3650
default_crl_days = 30
crl_extensions = crl_ext
[policy_any]
commonName = optional
[crl_ext]
authorityKeyIdentifier = keyid:always
[req]
distinguished_name = req_dn
[req_dn]
`;
}
