/**
 * CLI flags for RFC 8879 and OCSP: `--compress` (client and server), server `--ocsp FILE`,
 * client `--status`, and the verbose lines that say whether the certificate was compressed
 * and an OCSP response stapled.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, parseClientArgs, parseServerArgs } from '../../src/cli/args.ts';
import { certificateExtrasSummary, describeCertificateExtras } from '../../src/cli/describe.ts';
import type { NegotiatedParameters } from '../../src/core/conn/api.ts';

const serverBase = ['--cert', 'c.pem', '--key', 'k.pem'];

describe('--compress, --ocsp, --status', () => {
  it('parses algorithm lists in order, and none', () => {
    assert.deepEqual(parseServerArgs([...serverBase, '--compress', 'zlib,brotli,zstd']).compress, [1, 2, 3]);
    assert.deepEqual(parseClientArgs(['h:1', '--compress', 'Brotli']).compress, [2]);
    assert.equal(parseClientArgs(['h:1', '--compress', 'none']).compress, 'none');
    assert.equal('compress' in parseClientArgs(['h:1']), false);
  });
  for (const bad of ['lzma', 'zlib,zlib', '', 'zlib,']) {
    it(`refuses --compress ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseServerArgs([...serverBase, '--compress', bad]), UsageError);
    });
  }
  it('server --ocsp FILE and client --status', () => {
    assert.equal(parseServerArgs([...serverBase, '--ocsp', 'r.der']).ocsp, 'r.der');
    assert.equal(parseClientArgs(['h:1', '--status']).status, true);
    assert.equal('status' in parseClientArgs(['h:1']), false);
  });
});

describe('verbose certificate lines', () => {
  const base = { protocolVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', cipherSuiteId: 0x1301, group: 'x25519', groupId: 29, alpn: null, serverName: null, peerCertificates: [], peerSignatureScheme: null, resumed: false, helloRetried: false } as const;
  it('says compressed (with sizes) and stapled', () => {
    const n: NegotiatedParameters = { ...base, certificateCompression: { algorithm: 2, algorithmName: 'brotli', compressedLength: 700, uncompressedLength: 1100 }, ocspResponse: new Uint8Array(1500) };
    assert.deepEqual(describeCertificateExtras(n), ['certificate compressed: brotli (700 bytes, 1100 uncompressed)', 'ocsp response: 1500 bytes']);
    assert.equal(certificateExtrasSummary(n), 'cert=brotli:700/1100 ocsp=1500');
  });
  it('says no and none otherwise (TLS 1.2 leaves the fields out)', () => {
    assert.deepEqual(describeCertificateExtras(base), ['certificate compressed: no', 'ocsp response: none']);
    assert.equal(certificateExtrasSummary(base), 'cert=uncompressed ocsp=none');
  });
});
