/**
 * Path building and validation (RFC 5280 §6, RFC 4158), after rustls-webpki's
 * `verify_cert.rs`: a depth-first search from the end-entity through the supplied
 * intermediates to a trust anchor. At each step the trust anchors are tried first, then every
 * intermediate whose subject is the current certificate's issuer (those whose subjectKeyId
 * equals the authorityKeyId first), so cross-signed alternatives and decoys are explored until
 * one path verifies. A failing candidate is not fatal; running out of budget is.
 *
 * Checks per certificate: validity at `now`; basicConstraints (CA bit for issuers, none for the
 * end-entity, pathLenConstraint); keyUsage keyCertSign on issuers when keyUsage is present
 * (RFC 5280 §4.2.1.3, stricter than rustls-webpki which ignores keyUsage); the EKU on every
 * certificate when present (rustls-webpki: an intermediate with an EKU extension constrains
 * its subtree; anyExtendedKeyUsage is not honoured); at most 6 intermediates. Once a path
 * reaches an anchor: every signature (allow-listed algorithms, RSA >= 2048 bits), revocation
 * (optional hook) and name constraints from the anchor down.
 */
import { TlsCertificateError } from '../core/errors.ts';
import type { SignatureVerifier } from '../core/crypto/provider.ts';
import { Budget, BudgetExceededError } from './budget.ts';
import { ExtendedKeyUsageOid, KeyUsageBit, nameToString, parseCertificate, type Certificate, type NameConstraints, type PublicKeyInfo } from './certificate.ts';
import { bytesEqual } from './der.ts';
import { checkNameConstraints } from './name-constraints.ts';
import { checkAnchor, checkCertificateProfile } from './profile.ts';
import type { RevocationChecker } from './revocation-api.ts';
import { verifySignedData } from './signature-algorithms.ts';
import type { TrustAnchor } from './trust-anchor.ts';

/** Most intermediates in a path (rustls-webpki MAX_SUB_CA_COUNT). */
export const MAX_INTERMEDIATES = 6;

/** Options of one path-building run. */
export interface PathOptions {
  readonly anchors: readonly TrustAnchor[];
  /** Candidate intermediates, DER or parsed, in any order; decoys allowed. */
  readonly intermediates: readonly (Uint8Array | Certificate)[];
  readonly signatures: SignatureVerifier;
  /** Verification time, ms since the Unix epoch. */
  readonly now: number;
  /** Dotted EKU OID the path must allow (e.g. serverAuth `1.3.6.1.5.5.7.3.1`). */
  readonly eku: string;
  /** When true the end-entity must carry the EKU; by default it is required only if an EKU extension is present. */
  readonly ekuRequired?: boolean;
  /** keyUsage bits (`KeyUsageBit` masks) the end-entity must assert, if it has keyUsage. */
  readonly endEntityKeyUsage?: number;
  readonly revocation?: RevocationChecker;
  /** Most intermediates allowed (default and ceiling `MAX_INTERMEDIATES`). */
  readonly maxIntermediates?: number;
  /** Work limits; a fresh default `Budget` when absent. */
  readonly budget?: Budget;
}

/** A verified path. */
export interface VerifiedPath {
  readonly endEntity: Certificate;
  /** Intermediates from the end-entity's issuer up to the one the anchor issued. */
  readonly intermediates: readonly Certificate[];
  readonly anchor: TrustAnchor;
}

// Rank of an error when several candidate paths fail: report the most telling one, never
// "unknown issuer" when some candidate got further.
function rank(e: TlsCertificateError): number {
  return e.code === 'ERR_TLS_CERT_UNKNOWN_ISSUER' ? 0 : 1;
}

function certError(e: unknown): TlsCertificateError {
  if (e instanceof BudgetExceededError) throw e; // fatal: stop the whole search
  if (e instanceof TlsCertificateError) return e;
  throw e;
}

function checkValidity(cert: Certificate, now: number): void {
  // RFC 5280 §4.1.2.5 / §6.1.3 (a)(2).
  if (cert.notBefore > cert.notAfter) {
    throw new TlsCertificateError('ERR_TLS_CERT_EXPIRED', `certificate "${nameToString(cert.subject)}" has notBefore after notAfter`);
  }
  if (now < cert.notBefore) {
    throw new TlsCertificateError('ERR_TLS_CERT_NOT_VALID_YET', `certificate "${nameToString(cert.subject)}" is not valid before ${new Date(cert.notBefore).toISOString()}; now is ${new Date(now).toISOString()}`);
  }
  // notAfter is a whole second and the certificate is valid through it (§4.1.2.5).
  if (Math.floor(now / 1000) * 1000 > cert.notAfter) {
    throw new TlsCertificateError('ERR_TLS_CERT_EXPIRED', `certificate "${nameToString(cert.subject)}" expired at ${new Date(cert.notAfter).toISOString()}; now is ${new Date(now).toISOString()}`);
  }
}

/** A certificate's subject as quoted text, for error messages only. */
function who(cert: Certificate): string {
  return `"${nameToString(cert.subject)}"`;
}

function checkIssuerIndependent(cert: Certificate, isEndEntity: boolean, subCaCount: number, opts: PathOptions): void {
  checkValidity(cert, opts.now);
  checkCertificateProfile(cert, isEndEntity ? 'end-entity' : 'intermediate', opts.eku === ExtendedKeyUsageOid.ServerAuth);
  // Only failures need the subject as text (`who`): formatting a Name costs ~10 µs per certificate.
  // RFC 5280 §4.2.1.9, §6.1.4 (k), (l), (m).
  const bc = cert.basicConstraints;
  const ca = bc !== null && bc.ca;
  if (isEndEntity && ca) {
    throw new TlsCertificateError('ERR_TLS_CERT_CA_USED_AS_END_ENTITY', `end-entity certificate ${who(cert)} is a CA certificate`);
  }
  if (!isEndEntity) {
    if (!ca) throw new TlsCertificateError('ERR_TLS_CERT_END_ENTITY_USED_AS_CA', `certificate ${who(cert)} issued another certificate but is not a CA (basicConstraints cA not set)`);
    if (bc.pathLen !== null && subCaCount > bc.pathLen) {
      throw new TlsCertificateError('ERR_TLS_CERT_PATH_LEN_EXCEEDED', `CA ${who(cert)} allows ${bc.pathLen} intermediate(s) below it, the path has ${subCaCount}`);
    }
    // RFC 5280 §6.1.4 (n): a CA's keyUsage, when present, must assert keyCertSign.
    if (cert.keyUsage !== null && (cert.keyUsage & KeyUsageBit.KeyCertSign) === 0) {
      throw new TlsCertificateError('ERR_TLS_CERT_KEY_USAGE', `CA ${who(cert)} has keyUsage without keyCertSign`);
    }
  } else if (opts.endEntityKeyUsage !== undefined && opts.endEntityKeyUsage !== 0) {
    if (cert.keyUsage === null || (cert.keyUsage & opts.endEntityKeyUsage) !== opts.endEntityKeyUsage) {
      throw new TlsCertificateError('ERR_TLS_CERT_KEY_USAGE', `end-entity ${who(cert)} lacks a required keyUsage bit`);
    }
  }
  // RFC 5280 §4.2.1.12; rustls-webpki applies the EKU to every certificate that has one.
  const eku = cert.extendedKeyUsage;
  if (eku !== null) {
    if (!eku.includes(opts.eku)) {
      throw new TlsCertificateError('ERR_TLS_CERT_REQUIRED_EKU_NOT_FOUND', `certificate ${who(cert)} does not allow extended key usage ${opts.eku}; it allows ${eku.join(', ')}`);
    }
  } else if (isEndEntity && opts.ekuRequired === true) {
    throw new TlsCertificateError('ERR_TLS_CERT_REQUIRED_EKU_NOT_FOUND', `end-entity ${who(cert)} has no extendedKeyUsage, expected ${opts.eku}`);
  }
}

function isSelfIssued(cert: Certificate): boolean {
  return bytesEqual(cert.issuer, cert.subject);
}

interface Candidate {
  readonly cert: Certificate | null;
  readonly error: TlsCertificateError | null;
}

/**
 * Builds and validates a path from `endEntity` to one of `opts.anchors`.
 * @returns the first path that verifies.
 * @throws TlsCertificateError: the most specific failure among the candidates tried
 *   (ERR_TLS_CERT_UNKNOWN_ISSUER when no candidate chained at all), or
 *   ERR_TLS_CERT_PATH_BUDGET_EXCEEDED as soon as a budget runs out.
 * @example buildPath(parseCertificate(leaf), { anchors, intermediates, signatures, now: Date.now(), eku: ExtendedKeyUsageOid.ServerAuth })
 */
export function buildPath(endEntity: Certificate, opts: PathOptions): VerifiedPath {
  const budget = opts.budget ?? new Budget();
  const maxIntermediates = Math.min(opts.maxIntermediates ?? MAX_INTERMEDIATES, MAX_INTERMEDIATES);
  const pool: Candidate[] = opts.intermediates.map((c) => {
    if (!(c instanceof Uint8Array)) return { cert: c, error: null };
    try {
      return { cert: parseCertificate(c), error: null };
    } catch (e) {
      return { cert: null, error: certError(e) };
    }
  });
  const path: Certificate[] = [endEntity];

  const inner = (subCaCount: number): TrustAnchor => {
    const cert = path[path.length - 1]!;
    const isEndEntity = path.length === 1;
    checkIssuerIndependent(cert, isEndEntity, subCaCount, opts);

    // null stands for "unknown issuer", built only when thrown: an Error (stack capture, name
    // formatting) per path step costs ~20 µs of every successful verification.
    let error: TlsCertificateError | null = null;
    const keep = (e: unknown): void => {
      const ce = certError(e);
      if (rank(ce) > (error === null ? 0 : rank(error))) error = ce;
    };

    for (const anchor of opts.anchors) {
      if (!bytesEqual(anchor.subject, cert.issuer)) continue;
      try {
        checkAnchor(anchor, opts.now, opts.eku === ExtendedKeyUsageOid.ServerAuth);
        checkSignedChain(path, anchor, opts, budget);
        checkChainNameConstraints(path, anchor, budget);
        return anchor;
      } catch (e) {
        keep(e);
      }
    }

    // Candidates issued by the right name; an authorityKeyId match goes first (RFC 4158 §3.5.12).
    const aki = cert.authorityKeyId;
    const candidates: Certificate[] = [];
    for (const c of pool) {
      if (c.cert === null || !bytesEqual(c.cert.subject, cert.issuer)) continue;
      if (aki !== null && c.cert.subjectKeyId !== null && bytesEqual(aki, c.cert.subjectKeyId)) candidates.unshift(c.cert);
      else candidates.push(c.cert);
    }
    for (const candidate of candidates) {
      // RFC 4158 §5.2: no certificate (same subject and key) twice in one path.
      if (path.some((p) => bytesEqual(p.spki, candidate.spki) && bytesEqual(p.subject, candidate.subject))) continue;
      budget.consumeBuildChainCall();
      // RFC 5280 §6.1.4 (l): self-issued intermediates do not count towards path length.
      const next = isEndEntity ? 0 : subCaCount + (isSelfIssued(cert) ? 0 : 1);
      if (path.length - 1 >= MAX_INTERMEDIATES || next + (isSelfIssued(candidate) ? 0 : 1) > maxIntermediates) {
        keep(new TlsCertificateError('ERR_TLS_CERT_PATH_LEN_EXCEEDED', `path would need more than ${maxIntermediates} intermediate certificates`));
        continue;
      }
      path.push(candidate);
      try {
        return inner(next);
      } catch (e) {
        path.pop(); // only on failure: a success leaves the verified path in place
        keep(e);
      }
    }
    // (`keep` assigns `error` from a closure, which the compiler's narrowing does not see.)
    if ((error as TlsCertificateError | null) === null) {
      // A malformed candidate could have been the issuer: say so rather than "unknown".
      for (const c of pool) if (c.error !== null) keep(c.error);
    }
    throw (error as TlsCertificateError | null) ?? new TlsCertificateError('ERR_TLS_CERT_UNKNOWN_ISSUER', `no trusted issuer found for "${nameToString(cert.issuer)}"`);
  };

  const anchor = inner(0);
  return { endEntity, intermediates: path.slice(1), anchor };
}

/** Signatures (and revocation) from the anchor down to the end-entity. */
function checkSignedChain(path: readonly Certificate[], anchor: TrustAnchor, opts: PathOptions, budget: Budget): void {
  let issuerSpki = anchor.spki;
  let issuerKey: PublicKeyInfo = anchor.publicKey;
  let issuerSubject = anchor.subject;
  let issuerKeyUsage: number | null = anchor.certificate?.keyUsage ?? null;
  let issuerCert: Certificate | null = null;
  for (let i = path.length - 1; i >= 0; i--) {
    const cert = path[i]!;
    verifySignedData(opts.signatures, cert.signatureAlgorithm, cert.tbs, cert.signature, issuerSpki, issuerKey, budget);
    if (opts.revocation !== undefined) {
      opts.revocation.check(cert, {
        subject: issuerSubject, spki: issuerSpki, keyUsage: issuerKeyUsage, certificate: issuerCert,
        anchor: issuerCert === null ? anchor : null,
      }, i, opts.now);
    }
    issuerSpki = cert.spki;
    issuerKey = cert.publicKey;
    issuerSubject = cert.subject;
    issuerKeyUsage = cert.keyUsage;
    issuerCert = cert;
  }
}

/** Each CA's (and the anchor's) name constraints over every certificate below it. */
function checkChainNameConstraints(path: readonly Certificate[], anchor: TrustAnchor, budget: Budget): void {
  let constraints: NameConstraints | null = anchor.nameConstraints;
  // Who set the constraints, as text only when there are constraints (formatting costs).
  let constrainerKind = 'trust anchor';
  let constrainerName = anchor.subject;
  for (let i = path.length - 1; i >= 0; i--) {
    if (constraints !== null) {
      const constrainer = `${constrainerKind} "${nameToString(constrainerName)}"`;
      for (let j = i; j >= 0; j--) {
        // RFC 5280 §6.1.3 (b): self-issued intermediates are exempt.
        if (j !== 0 && isSelfIssued(path[j]!)) continue;
        checkNameConstraints(constraints, path[j]!, budget, constrainer);
      }
    }
    constraints = path[i]!.nameConstraints;
    constrainerKind = 'CA';
    constrainerName = path[i]!.subject;
  }
}
