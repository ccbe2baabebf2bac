/**
 * The work limits of one path-building run, as rustls-webpki's `Budget` (verify_cert.rs):
 * - 100 signature checks (Go's remediation of CVE-2018-16875),
 * - 200,000 build-chain calls (mozilla::pkix, pkixbuild.cpp),
 * - 250,000 name-constraint comparisons (Go crypto/x509's default).
 * Running out is fatal for the whole run (no other path is tried):
 * ERR_TLS_CERT_PATH_BUDGET_EXCEEDED.
 */
import { TlsCertificateError } from '../core/errors.ts';

export const DEFAULT_SIGNATURE_BUDGET = 100;
export const DEFAULT_BUILD_CHAIN_BUDGET = 200_000;
export const DEFAULT_NAME_CONSTRAINT_BUDGET = 250_000;

/** Thrown when a budget runs out; path building stops at once. */
export class BudgetExceededError extends TlsCertificateError {
  constructor(what: string, limit: number) {
    super('ERR_TLS_CERT_PATH_BUDGET_EXCEEDED', `path building gave up: more than ${limit} ${what}`);
  }
}

/** Mutable counters for one run. */
export class Budget {
  signatures: number;
  buildChainCalls: number;
  nameConstraintComparisons: number;
  private readonly limits: readonly [number, number, number];

  constructor(signatures = DEFAULT_SIGNATURE_BUDGET, buildChainCalls = DEFAULT_BUILD_CHAIN_BUDGET, nameConstraintComparisons = DEFAULT_NAME_CONSTRAINT_BUDGET) {
    this.signatures = signatures;
    this.buildChainCalls = buildChainCalls;
    this.nameConstraintComparisons = nameConstraintComparisons;
    this.limits = [signatures, buildChainCalls, nameConstraintComparisons];
  }

  consumeSignature(): void {
    if (this.signatures <= 0) throw new BudgetExceededError('signature checks', this.limits[0]);
    this.signatures--;
  }

  consumeBuildChainCall(): void {
    if (this.buildChainCalls <= 0) throw new BudgetExceededError('path-building steps', this.limits[1]);
    this.buildChainCalls--;
  }

  consumeNameConstraintComparison(): void {
    if (this.nameConstraintComparisons <= 0) throw new BudgetExceededError('name-constraint comparisons', this.limits[2]);
    this.nameConstraintComparisons--;
  }
}
