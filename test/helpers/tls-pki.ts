/**
 * The PKI the interop suites share, built on `pki-openssl.ts`: one ECDSA P-256 root, one
 * intermediate, and a server leaf per key type (RSA-2048, ECDSA P-256, ECDSA P-384, Ed25519),
 * each valid for `localhost`, `<kind>.typetls.test` and 127.0.0.1, plus an SNI leaf valid only
 * for `sni.typetls.test`. Leaves are sent with the intermediate (`chainPath`). The directory is
 * also registered with the peers harness, so it goes even when a test process is terminated.
 */
import { trackTempDir } from './peers.ts';
import { OpenSslPki, type CertificateAuthority, type IssuedCertificate, type KeyType } from './pki-openssl.ts';

/** Server certificate key types, in the order the interop matrix runs them. */
export const LEAF_KINDS = ['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa2048'] as const satisfies readonly KeyType[];
export type LeafKind = (typeof LEAF_KINDS)[number];

/** A server leaf plus everything a peer needs to serve it. */
export interface ServerLeaf {
  readonly cert: IssuedCertificate;
  /** PEM file: the leaf alone. */
  readonly certPath: string;
  readonly keyPath: string;
  /** PEM file: the intermediate (what `s_server -cert_chain` sends after the leaf). */
  readonly chainPath: string;
  /** PEM text: leaf then intermediate (node:tls `cert`). */
  readonly fullChainPem: string;
  readonly keyPem: string;
  /** The DNS name only this leaf carries. */
  readonly hostname: string;
}

export interface InteropPki {
  readonly pki: OpenSslPki;
  readonly root: CertificateAuthority;
  readonly intermediate: CertificateAuthority;
  /** PEM file holding the root only (`-CAfile`). */
  readonly caFile: string;
  readonly caPem: string;
  readonly leaves: Readonly<Record<LeafKind, ServerLeaf>>;
  /** ECDSA P-256 leaf valid only for `sni.typetls.test`. */
  readonly sniLeaf: ServerLeaf;
  /** An ECDSA P-256 client certificate (clientAuth). */
  readonly clientLeaf: ServerLeaf;
  cleanup(): void;
}

/** Builds the interop PKI in a temp dir (about 1 s, RSA key generation dominating). */
export function makeInteropPki(): InteropPki {
  const pki = OpenSslPki.create();
  trackTempDir(pki.dir); // removed at exit / SIGTERM even if a test forgets cleanup()
  try {
    const root = pki.makeCa({ name: 'typetls interop root', keyType: 'ecdsa-p256' });
    const intermediate = pki.makeCa({ name: 'typetls interop intermediate', keyType: 'ecdsa-p256', issuer: root, pathLen: 0 });
    const chainPath = intermediate.certPath;
    const leaf = (keyType: KeyType, hostname: string, sans: readonly string[], eku?: 'clientAuth'): ServerLeaf => {
      const cert = pki.makeCertificate({
        issuer: intermediate,
        keyType,
        name: hostname,
        sans,
        eku: eku === undefined ? ['serverAuth'] : [eku],
      });
      return {
        cert,
        certPath: cert.certPath,
        keyPath: cert.keyPath,
        chainPath,
        fullChainPem: cert.certPem + intermediate.certPem,
        keyPem: cert.keyPem,
        hostname,
      };
    };
    const leaves = {} as Record<LeafKind, ServerLeaf>;
    for (const kind of LEAF_KINDS) {
      const host = `${kind}.typetls.test`;
      leaves[kind] = leaf(kind, host, [`DNS:${host}`, 'DNS:localhost', 'IP:127.0.0.1']);
    }
    const sniLeaf = leaf('ecdsa-p256', 'sni.typetls.test', ['DNS:sni.typetls.test']);
    const clientLeaf = leaf('ecdsa-p256', 'client.typetls.test', ['DNS:client.typetls.test'], 'clientAuth');
    return {
      pki,
      root,
      intermediate,
      caFile: root.certPath,
      caPem: root.certPem,
      leaves,
      sniLeaf,
      clientLeaf,
      cleanup: () => pki.cleanup(),
    };
  } catch (e) {
    pki.cleanup();
    throw e;
  }
}
