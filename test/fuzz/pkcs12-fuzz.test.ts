// Mutation fuzzing of real PKCS#12 files (made by openssl) through readPkcs12. Properties:
// nothing but a TlsError with a PKCS#12 code escapes, and a file protected by a MAC never
// reads successfully once changed (the MAC covers the contents; the strict DER reader rejects
// any change to the framing around it). Iteration counts are 1 so each case stays cheap.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isTlsError } from '../../src/core/errors.ts';
import { readPkcs12 } from '../../src/node/pkcs12.ts';
import { applyByteMutation, byteMutationArbs, type ByteMutation } from '../helpers/byte-mutations.ts';
import { OpenSslPki } from '../helpers/pki-openssl.ts';

const mutationArb: fc.Arbitrary<ByteMutation> = fc.oneof(...byteMutationArbs);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Runs readPkcs12; true on success, false for a PKCS#12 TlsError, fails the test on anything else. */
function onlyPkcs12Errors(pfx: Uint8Array): boolean {
  try {
    readPkcs12(pfx, 'fuzz');
    return true;
  } catch (e) {
    if (!isTlsError(e)) assert.fail(`non-TlsError escaped: ${e instanceof Error ? e.stack : String(e)}`);
    assert.match(e.code, /^ERR_TLS_CONFIG_PKCS12_/, e.message);
    return false;
  }
}

describe('PKCS#12 mutation fuzzing', () => {
  let pki: OpenSslPki;
  const files = new Map<string, { der: Uint8Array; mac: boolean }>();

  before(() => {
    pki = OpenSslPki.create();
    const root = pki.makeCa({ name: 'Fuzz P12 Root', keyType: 'ecdsa-p256' });
    const leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:fuzz.test'] });
    const variants: [string, string[], boolean][] = [
      ['PBES2 AES-256, MAC SHA-256', ['-iter', '1', '-nomaciter'], true],
      ['legacy 3DES/RC2-40, MAC SHA-1', ['-legacy', '-iter', '1', '-nomaciter'], true],
      ['PBES2 AES-128, no MAC', ['-keypbe', 'AES-128-CBC', '-certpbe', 'AES-128-CBC', '-iter', '1', '-nomac'], false],
      ['legacy, no MAC', ['-legacy', '-iter', '1', '-nomac'], false],
      ['unencrypted, no MAC', ['-keypbe', 'NONE', '-certpbe', 'NONE', '-nomac'], false],
    ];
    for (const [name, args, mac] of variants) {
      const out = join(pki.dir, `fuzz-${files.size}.p12`);
      pki.openssl(['pkcs12', '-export', '-in', leaf.certPath, '-inkey', leaf.keyPath, '-certfile', root.certPath, '-out', out, '-passout', 'pass:fuzz', ...args]);
      const der = new Uint8Array(readFileSync(out));
      assert.equal(onlyPkcs12Errors(der), true, `${name} reads unmutated`);
      files.set(name, { der, mac });
    }
  });
  after(() => pki.cleanup());

  it('mutated files: only PKCS#12 TlsErrors, and MAC-protected files never read once changed (2,000 cases)', () => {
    const names = [...files.keys()];
    fc.assert(
      fc.property(fc.nat(), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (pick, mutations) => {
        const { der, mac } = files.get(names[pick % names.length]!)!;
        let m = der;
        for (const x of mutations) if (m.length > 0) m = applyByteMutation(m, x);
        const ok = onlyPkcs12Errors(m);
        if (mac && !sameBytes(m, der)) assert.equal(ok, false, 'a changed MAC-protected file was accepted');
      }),
      { numRuns: 2000, seed: 0x9e12 },
    );
  });

  it('random bytes and random DER-looking prefixes: only PKCS#12 TlsErrors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, seqPrefix) => {
        const input = seqPrefix ? new Uint8Array([0x30, 0x82, 0x01, bytes.length & 0xff, 0x02, 0x01, 0x03, ...bytes]) : bytes;
        onlyPkcs12Errors(input);
      }),
      { numRuns: 300, seed: 0x9e13 },
    );
  });
});
