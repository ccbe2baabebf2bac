// Mutation fuzzing of real certificates and CRLs (made by openssl) through the certificate
// parser, the CRL parser and full chain verification with CRL revocation. Properties: nothing
// but a TlsError escapes, and a mutated input never verifies (every byte is signed or checked).
// The pathological path-building case lives with the path builder's tests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTlsError } from '../../src/core/errors.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { parseCertificate } from '../../src/webpki/certificate.ts';
import { parseCrl } from '../../src/webpki/crl.ts';
import { createCrlChecker } from '../../src/webpki/revocation.ts';
import { verifyCertificateChain } from '../../src/webpki/verifiers.ts';
import { applyByteMutation, byteMutationArbs, type ByteMutation } from '../helpers/byte-mutations.ts';
import { OpenSslPki } from '../helpers/pki-openssl.ts';

const signatures = nodeCryptoProvider.signatures;

/** Offsets of every DER length octet in `der` (the first length byte of each TLV), by our own walk. */
function lengthOffsets(der: Uint8Array): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number, depth: number): void => {
    let p = start;
    while (p + 2 <= end && depth < 20) {
      const tag = der[p]!;
      out.push(p + 1);
      let len = der[p + 1]!;
      let head = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + (der[p + 2 + i] ?? 0);
        head += n;
      }
      if (tag & 0x20) walk(p + head, Math.min(p + head + len, end), depth + 1);
      p += head + len;
    }
  };
  walk(0, der.length, 0);
  return out;
}

type LengthMutation = { kind: 'length'; which: number; delta: number };
type Mutation = ByteMutation | LengthMutation;

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  ...byteMutationArbs,
  fc.record({ kind: fc.constant('length' as const), which: fc.nat(), delta: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0x80, 0x7f, -0x80, 0xff)) }),
);

/** `m` applied to a copy of `src`; 'length' nudges one of the DER length octets at `lengths`. */
function mutate(src: Uint8Array, m: Mutation, lengths: readonly number[]): Uint8Array {
  if (m.kind !== 'length') return applyByteMutation(src, m);
  const out = src.slice();
  const at = lengths[m.which % lengths.length]!;
  out[at] = (out[at]! + m.delta) & 0xff;
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Runs `f`; returns true on success, false for a TlsError, and fails the test on anything else. */
function onlyTlsErrors(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (!isTlsError(e)) assert.fail(`non-TlsError escaped: ${e instanceof Error ? e.stack : String(e)}`);
    return false;
  }
}

describe('webpki mutation fuzzing', () => {
  let pki: OpenSslPki;
  let root: Uint8Array;
  let int: Uint8Array;
  let leaves: Uint8Array[];
  let crls: Uint8Array[];
  let now: number;
  after(() => pki.cleanup());

  before(() => {
    pki = OpenSslPki.create();
    const r = pki.makeCa({ name: 'Fuzz Root', keyType: 'ecdsa-p256' });
    const i = pki.makeCa({ name: 'Fuzz Intermediate', keyType: 'ecdsa-p256', issuer: r, nameConstraints: 'permitted;DNS:fuzz.test,permitted;IP:10.0.0.0/255.0.0.0' });
    const ee = (sans: string[], extra: string[] = []): Uint8Array => pki.makeCertificate({ issuer: i, keyType: 'ed25519', sans, extraExtensions: extra }).certDer;
    leaves = [
      ee(['DNS:a.fuzz.test', 'DNS:*.b.fuzz.test', 'IP:10.1.2.3'], ['crlDistributionPoints = URI:http://crl.fuzz.test/i.crl', 'authorityInfoAccess = caIssuers;URI:http://ca.fuzz.test/i.crt']),
      ee(['DNS:c.fuzz.test']),
    ];
    const revoked = pki.makeCertificate({ issuer: i, keyType: 'ed25519', sans: ['DNS:r.fuzz.test'] });
    pki.revoke(revoked, 'superseded');
    crls = [
      pki.makeCrl(i).crlDer,
      pki.makeCrl(i, { extensions: ['issuingDistributionPoint = critical, @idp'], extraSections: ['[idp]', 'fullname = URI:http://crl.fuzz.test/i.crl', 'onlyuser = TRUE'] }).crlDer,
      pki.makeCrl(r).crlDer,
    ];
    root = r.certDer;
    int = i.certDer;
    now = Date.now();
  });

  const verify = (leaf: Uint8Array, intermediate: Uint8Array, crlList: readonly Uint8Array[]): void => {
    verifyCertificateChain({
      endEntity: leaf, intermediates: [intermediate], roots: [root], signatures, now, usage: 'server', serverName: 'a.fuzz.test',
      revocation: createCrlChecker({ crls: crlList, signatures, expiration: 'enforce' }),
    });
  };

  it('the unmutated corpus verifies', () => {
    for (const c of crls) parseCrl(c);
    verify(leaves[0]!, int, crls);
    verify(leaves[0]!, int, [crls[0]!, crls[2]!]);
    verify(leaves[0]!, int, [crls[1]!, crls[2]!]);
  });

  it('certificate parser: 4000 mutations', () => {
    const corpus = [root, int, ...leaves];
    const lengths = corpus.map(lengthOffsets);
    fc.assert(fc.property(fc.nat(), mutationArb, (which, m) => {
      const k = which % corpus.length;
      onlyTlsErrors(() => parseCertificate(mutate(corpus[k]!, m, lengths[k]!)));
    }), { numRuns: 4000 });
  });

  it('CRL parser: 3000 mutations', () => {
    const lengths = crls.map(lengthOffsets);
    fc.assert(fc.property(fc.nat(), mutationArb, (which, m) => {
      const k = which % crls.length;
      onlyTlsErrors(() => parseCrl(mutate(crls[k]!, m, lengths[k]!)));
    }), { numRuns: 3000 });
  });

  it('full verification with a mutated leaf, intermediate or CRL: 3000 mutations', () => {
    const leaf = leaves[0]!;
    const targets = [leaf, int, crls[0]!, crls[1]!];
    const lengths = targets.map(lengthOffsets);
    fc.assert(fc.property(fc.nat(), mutationArb, (which, m) => {
      const k = which % targets.length;
      const mutated = mutate(targets[k]!, m, lengths[k]!);
      const ok = onlyTlsErrors(() => {
        if (k === 0) verify(mutated, int, crls);
        else if (k === 1) verify(leaf, mutated, crls);
        else verify(leaf, int, [mutated, crls[2]!]); // the mutated CRL is the only one for the leaf
      });
      // Every byte of a certificate or CRL is covered by its signature or checked against the
      // signed copy: a changed input never verifies.
      if (ok) assert.ok(sameBytes(mutated, targets[k]!), `mutation ${JSON.stringify(m)} of target ${k} still verified`);
    }), { numRuns: 3000 });
  });
});
