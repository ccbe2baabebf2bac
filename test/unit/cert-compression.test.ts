/**
 * RFC 8879 certificate compression: the CompressedCertificate codec, config validation, and
 * typetls against itself in memory for every algorithm this Node has, in both directions
 * (server certificate, client certificate), the server's per-certificate cache, and bad input
 * refused with the RFC's alerts: a wrong uncompressed_length and a decompression bomb
 * (bad_certificate), an algorithm we did not offer (illegal_parameter), a CompressedCertificate
 * when we offered no compression (unexpected_message).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import type { ClientConfigOptions } from '../../src/core/client/config.ts';
import type { ServerConfigOptions } from '../../src/core/server/config.ts';
import type { CertificateCompressor, CryptoProvider } from '../../src/core/crypto/provider.ts';
import { AlertDescription, CertificateCompressionAlgorithm } from '../../src/core/codec/codepoints.ts';
import { decodeCompressedCertificate, encodeCompressedCertificate } from '../../src/core/codec/compressed-certificate.ts';
import { Writer } from '../../src/core/codec/writer.ts';
import { DEFAULT_MAX_DECOMPRESSED_CERTIFICATE_SIZE, certificateCompressionAlgorithm, certificateCompressionName, decompressPeerCertificate, validateCompression } from '../../src/core/compression.ts';
import { isTlsError, type TlsError } from '../../src/core/errors.ts';
import { nodeCertificateCompressors, nodeCryptoProvider, zlibCertificateCompressor, zstdCertificateCompressor } from '../../src/providers/node/index.ts';
import { createClientVerifier, createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority } from '../helpers/pki-openssl.ts';
import { handshake, readAll, transfer } from '../helpers/memory-pair.ts';

const provider = nodeCryptoProvider;
const { Zlib, Brotli, Zstd } = CertificateCompressionAlgorithm;
let pki: OpenSslPki;
let root: CertificateAuthority;
let serverChain: { certDer: Uint8Array; keyPem: string };
let clientChain: { certDer: Uint8Array; keyPem: string };
let intermediateDer: Uint8Array;

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'Compression Root', keyType: 'ecdsa-p256' });
  const inter = pki.makeCa({ name: 'Compression Intermediate', keyType: 'ecdsa-p256', issuer: root });
  intermediateDer = inter.certDer;
  serverChain = pki.makeCertificate({ issuer: inter, keyType: 'ecdsa-p256', sans: ['DNS:server.test'], eku: ['serverAuth'] });
  clientChain = pki.makeCertificate({ issuer: inter, keyType: 'ecdsa-p256', name: 'client', sans: ['DNS:client.test'], eku: ['clientAuth'] });
});
after(() => pki.cleanup());

/** A fresh CertifiedKey each call, so the server's cache starts empty. */
function serverKey(): CertifiedKey {
  return { chain: [serverChain.certDer, intermediateDer], key: provider.loadSigningKey(serverChain.keyPem) };
}
function clientKey(): CertifiedKey {
  return { chain: [clientChain.certDer, intermediateDer], key: provider.loadSigningKey(clientChain.keyPem) };
}

function withCompressors(list: readonly CertificateCompressor[]): CryptoProvider {
  return { ...nodeCryptoProvider, certificateCompressors: list };
}

function client(extra: Partial<ClientConfigOptions> = {}): ClientConnection {
  const p = extra.provider ?? provider;
  return new ClientConnection(createClientConfig({ provider: p, verifier: createServerVerifier({ roots: [root.certDer], signatures: p.signatures }), ...extra }), 'server.test');
}

function server(extra: Partial<ServerConfigOptions> = {}): ServerConnection {
  return new ServerConnection(createServerConfig({ provider, certificates: [serverKey()], ...extra }));
}

function mutualServer(extra: Partial<ServerConfigOptions> = {}): ServerConnection {
  const verifier = createClientVerifier({ roots: [root.certDer], signatures: provider.signatures });
  return server({ clientVerifier: verifier, ...extra });
}

function errorOf(f: () => unknown): TlsError {
  try {
    f();
  } catch (e) {
    assert.equal(isTlsError(e), true, `expected a TlsError, got ${String(e)}`);
    return e as TlsError;
  }
  assert.fail('expected a TlsError');
}

/** Runs the handshake until one side fails; returns both errors. */
function failingHandshake(c: ClientConnection, s: ServerConnection): { client: TlsError | null; server: TlsError | null } {
  for (let i = 0; i < 10; i++) {
    try {
      transfer(c, s);
      transfer(s, c);
    } catch {
      // The failing side holds its alert: deliver it to the other.
      try { transfer(c, s); } catch { /* the alert fails the peer */ }
      try { transfer(s, c); } catch { /* the alert fails the peer */ }
      break;
    }
  }
  return { client: c.error, server: s.error };
}

function bytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
}

describe('CompressedCertificate codec (RFC 8879 §4)', () => {
  it('round-trips and aliases the body', () => {
    const w = new Writer();
    encodeCompressedCertificate(w, { algorithm: Brotli, uncompressedLength: 0x012345, compressedCertificateMessage: bytes('aabbcc') });
    const msg = w.toBytes();
    assert.equal(Buffer.from(msg).toString('hex'), '1900000b' + '0002' + '012345' + '000003' + 'aabbcc');
    const d = decodeCompressedCertificate(msg.subarray(4));
    assert.equal(d.algorithm, Brotli);
    assert.equal(d.uncompressedLength, 0x012345);
    assert.equal(Buffer.from(d.compressedCertificateMessage).toString('hex'), 'aabbcc');
  });

  const bad: [string, string, string][] = [
    ['empty body', '', 'ERR_TLS_DECODE_TRUNCATED'],
    ['truncated uncompressed_length', '0001 0001', 'ERR_TLS_DECODE_TRUNCATED'],
    ['empty compressed_certificate_message', '0001 000010 000000', 'ERR_TLS_DECODE_LENGTH'],
    ['vector longer than the body', '0001 000010 000005 aabb', 'ERR_TLS_DECODE_TRUNCATED'],
    ['trailing byte', '0001 000010 000001 aa ff', 'ERR_TLS_DECODE_TRAILING_DATA'],
  ];
  for (const [name, hex, code] of bad) {
    it(`refuses ${name} with decode_error`, () => {
      const e = errorOf(() => decodeCompressedCertificate(bytes(hex)));
      assert.equal(e.code, code);
      assert.equal(e.alert, AlertDescription.DecodeError);
    });
  }
});

describe('decompressPeerCertificate', () => {
  const offered = [zlibCertificateCompressor];
  function message(algorithm: number, uncompressedLength: number, data: Uint8Array): Uint8Array {
    const w = new Writer();
    encodeCompressedCertificate(w, { algorithm, uncompressedLength, compressedCertificateMessage: data });
    return w.toBytes().subarray(4);
  }
  const certBody = bytes('00 000000'); // empty context, empty certificate_list

  it('decompresses a valid message', () => {
    const d = decompressPeerCertificate(message(Zlib, 4, deflateSync(certBody)), offered, 100, 'server');
    assert.equal(d.certificate.certificateList.length, 0);
    assert.deepEqual({ ...d.info }, { algorithm: Zlib, algorithmName: 'zlib', compressedLength: deflateSync(certBody).length, uncompressedLength: 4 });
  });
  it('refuses an algorithm we did not offer with illegal_parameter', () => {
    const e = errorOf(() => decompressPeerCertificate(message(Brotli, 4, deflateSync(certBody)), offered, 100, 'server'));
    assert.equal(e.code, 'ERR_TLS_PEER_ILLEGAL_PARAMETER');
    assert.equal(e.alert, AlertDescription.IllegalParameter);
  });
  for (const [name, claimed, data] of [
    ['uncompressed_length too small', 3, deflateSync(certBody)],
    ['uncompressed_length too large', 5, deflateSync(certBody)],
    ['uncompressed_length 0', 0, deflateSync(certBody)],
    ['uncompressed_length above our limit', 101, deflateSync(new Uint8Array(101))],
    ['a decompression bomb (16 MiB of zeros claiming 64 bytes)', 64, deflateSync(new Uint8Array(16 << 20))],
    ['corrupt data', 4, bytes('deadbeef')],
  ] as const) {
    it(`refuses ${name} with bad_certificate`, () => {
      const e = errorOf(() => decompressPeerCertificate(message(Zlib, claimed, data), offered, 100, 'server'));
      assert.equal(e.code, 'ERR_TLS_PEER_BAD_COMPRESSED_CERTIFICATE');
      assert.equal(e.alert, AlertDescription.BadCertificate);
    });
  }
});

describe('certificate compression config', () => {
  it('defaults to brotli then zlib (rustls order) and a 64 KiB limit', () => {
    const s = validateCompression(provider, undefined, undefined, 'client');
    assert.deepEqual(s.certificateCompression.map((c) => c.algorithm), [Brotli, Zlib]);
    assert.equal(s.maxDecompressedCertificateSize, DEFAULT_MAX_DECOMPRESSED_CERTIFICATE_SIZE);
  });
  it("'none' and a provider without compressors turn it off", () => {
    assert.equal(validateCompression(provider, 'none', undefined, 'server').certificateCompression.length, 0);
    assert.equal(validateCompression(withCompressors([]), undefined, undefined, 'server').certificateCompression.length, 0);
  });
  it('keeps the configured order', () => {
    assert.deepEqual(validateCompression(provider, [Zlib, Brotli], undefined, 'server').certificateCompression.map((c) => c.algorithm), [Zlib, Brotli]);
  });
  for (const [name, option, size] of [
    ['an algorithm the provider lacks', [0x4444], undefined],
    ['a duplicate', [Zlib, Zlib], undefined],
    ['a size limit below 4', undefined, 3],
    ['a size limit above 2^24-1', undefined, 0x1000000],
  ] as const) {
    it(`refuses ${name} with ERR_TLS_CONFIG`, () => {
      const e = errorOf(() => createServerConfig({
        provider, certificates: [serverKey()],
        ...(option !== undefined ? { certificateCompression: option } : {}),
        ...(size !== undefined ? { maxDecompressedCertificateSize: size } : {}),
      }));
      assert.equal(e.code, 'ERR_TLS_CONFIG');
    });
  }
  it('names algorithms both ways', () => {
    assert.equal(certificateCompressionName(Zstd), 'zstd');
    assert.equal(certificateCompressionName(9), '0x0009');
    assert.equal(certificateCompressionAlgorithm('Brotli'), Brotli);
    assert.equal(certificateCompressionAlgorithm('lzma'), null);
  });
  it('zstd is offered exactly when this Node has zlib.zstdCompressSync', async () => {
    const zlib = await import('node:zlib');
    const has = typeof (zlib as unknown as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
    assert.equal(zstdCertificateCompressor !== null, has);
    assert.equal(nodeCertificateCompressors.some((c) => c.algorithm === Zstd), has);
  });
});

describe('typetls against itself', () => {
  for (const compressor of nodeCertificateCompressors) {
    const name = certificateCompressionName(compressor.algorithm);
    it(`server certificate compressed with ${name}`, () => {
      const c = client({ certificateCompression: [compressor.algorithm] });
      const s = server({ certificateCompression: [compressor.algorithm] });
      handshake(c, s);
      const ci = c.negotiated!.certificateCompression!;
      const si = s.negotiated!.certificateCompression!;
      assert.equal(ci.algorithm, compressor.algorithm);
      assert.equal(ci.algorithmName, name);
      assert.deepEqual({ ...ci }, { ...si });
      assert.ok(ci.compressedLength < ci.uncompressedLength, `compressed ${ci.compressedLength} should be smaller than ${ci.uncompressedLength}`);
      assert.equal(c.negotiated!.peerCertificates.length, 2);
      assert.deepEqual(Buffer.from(c.negotiated!.peerCertificates[0]!), Buffer.from(serverChain.certDer));
      c.writePlaintext(Buffer.from('ping'));
      transfer(c, s);
      assert.equal(Buffer.from(readAll(s)).toString(), 'ping');
    });

    it(`client certificate compressed with ${name}`, () => {
      const c = client({ certificateCompression: [compressor.algorithm], clientCertificate: clientKey() });
      const s = mutualServer({ certificateCompression: [compressor.algorithm] });
      handshake(c, s);
      const ci = c.negotiated!.clientCertificateCompression!;
      assert.equal(ci.algorithm, compressor.algorithm);
      assert.deepEqual({ ...ci }, { ...s.negotiated!.clientCertificateCompression! });
      assert.equal(s.negotiated!.peerCertificates.length, 2);
      assert.deepEqual(Buffer.from(s.negotiated!.peerCertificates[0]!), Buffer.from(clientChain.certDer));
    });
  }

  it("the server picks its own most preferred algorithm among the client's", () => {
    const c = client({ certificateCompression: [Brotli, Zlib] });
    const s = server({ certificateCompression: [Zlib, Brotli] });
    handshake(c, s);
    assert.equal(c.negotiated!.certificateCompression!.algorithm, Zlib);
  });

  it('no common algorithm, or compression off on either side: a plain Certificate', () => {
    for (const [co, so] of [[[Zlib], [Brotli]], ['none', undefined], [undefined, 'none']] as const) {
      const c = client(co !== undefined ? { certificateCompression: co } : {});
      const s = server(so !== undefined ? { certificateCompression: so } : {});
      handshake(c, s);
      assert.equal(c.negotiated!.certificateCompression, null);
      assert.equal(s.negotiated!.certificateCompression, null);
    }
  });

  it('an empty client Certificate is sent uncompressed', () => {
    const verifier = createClientVerifier({ roots: [root.certDer], signatures: provider.signatures, mandatory: false });
    const c = client();
    const s = server({ clientVerifier: verifier });
    handshake(c, s);
    assert.equal(c.negotiated!.clientCertificateCompression, null);
    assert.equal(s.negotiated!.clientCertificateCompression, null);
    assert.equal(s.negotiated!.peerCertificates.length, 0);
    assert.equal(c.negotiated!.certificateCompression!.algorithm, Brotli);
  });

  it('the server compresses a chain once per algorithm, not per handshake', () => {
    let calls = 0;
    const counting: CertificateCompressor = {
      algorithm: Zlib,
      compress(d) { calls++; return zlibCertificateCompressor.compress(d); },
      decompress: (d, n) => zlibCertificateCompressor.decompress(d, n),
    };
    const ck = serverKey();
    const config = createServerConfig({ provider: withCompressors([counting]), certificates: [ck] });
    for (let i = 0; i < 3; i++) {
      const c = client({ certificateCompression: [Zlib] });
      const s = new ServerConnection(config);
      handshake(c, s);
      assert.equal(c.negotiated!.certificateCompression!.algorithm, Zlib);
    }
    assert.equal(calls, 1);
  });
});

describe('bad compressed certificates are refused', () => {
  /** A server whose zlib "compressor" lies in the way `lie` says. */
  function lyingServer(lie: (body: Uint8Array) => Uint8Array, extra: Partial<ServerConfigOptions> = {}): ServerConnection {
    const liar: CertificateCompressor = { algorithm: Zlib, compress: lie, decompress: () => { throw new Error('unused'); } };
    return server({ provider: withCompressors([liar]), ...extra });
  }
  const cases: [string, (b: Uint8Array) => Uint8Array, Partial<ClientConfigOptions>][] = [
    ['decompresses to more than uncompressed_length', (b) => deflateSync(Buffer.concat([b, Buffer.from([0])])), {}],
    ['decompresses to less than uncompressed_length', (b) => deflateSync(b.subarray(1)), {}],
    ['is a decompression bomb', () => deflateSync(new Uint8Array(32 << 20)), {}],
    ['claims more than our limit', (b) => deflateSync(b), { maxDecompressedCertificateSize: 64 }],
  ];
  for (const [name, lie, co] of cases) {
    it(`server certificate that ${name}: bad_certificate`, () => {
      const c = client({ certificateCompression: [Zlib], ...co });
      const s = lyingServer(lie);
      const r = failingHandshake(c, s);
      assert.equal(r.client?.code, 'ERR_TLS_PEER_BAD_COMPRESSED_CERTIFICATE');
      assert.equal(r.client?.alert, AlertDescription.BadCertificate);
      assert.equal(r.server?.code, 'ERR_TLS_ALERT_RECEIVED');
    });
  }

  it('client certificate that decompresses to the wrong length: bad_certificate on the server', () => {
    const liar: CertificateCompressor = { algorithm: Zlib, compress: (b) => deflateSync(b.subarray(2)), decompress: (d, n) => zlibCertificateCompressor.decompress(d, n) };
    const c = client({ provider: withCompressors([liar]), certificateCompression: [Zlib], clientCertificate: clientKey() });
    const s = mutualServer({ certificateCompression: [Zlib] });
    const r = failingHandshake(c, s);
    assert.equal(r.server?.code, 'ERR_TLS_PEER_BAD_COMPRESSED_CERTIFICATE');
    assert.equal(r.server?.alert, AlertDescription.BadCertificate);
  });

  // The next two need a server that breaks RFC 8879 §4, which ours never does: the client's
  // ClientHello offers what the server needs, then the test narrows the client's config (the
  // states read it when the certificate arrives). Altering the ClientHello on the wire instead
  // would only change the handshake keys (bad_record_mac).
  it('an algorithm the client did not offer: illegal_parameter', () => {
    const c = client({ certificateCompression: [Zlib, Brotli] });
    const s = server({ certificateCompression: [Brotli] });
    transfer(c, s);
    (c as unknown as { config: { certificateCompression: readonly CertificateCompressor[] } }).config.certificateCompression = [zlibCertificateCompressor];
    const r = failingHandshake(c, s);
    assert.equal(r.client?.code, 'ERR_TLS_PEER_ILLEGAL_PARAMETER');
    assert.equal(r.client?.alert, AlertDescription.IllegalParameter);
    assert.equal(r.server?.code, 'ERR_TLS_ALERT_RECEIVED');
  });

  it('a CompressedCertificate when we offered no compression: unexpected_message', () => {
    const c = client({ certificateCompression: [Zlib] });
    const s = server({ certificateCompression: [Zlib] });
    transfer(c, s);
    (c as unknown as { config: { certificateCompression: readonly CertificateCompressor[] } }).config.certificateCompression = [];
    const r = failingHandshake(c, s);
    assert.equal(r.client?.code, 'ERR_TLS_PEER_UNEXPECTED_MESSAGE');
    assert.equal(r.client?.alert, AlertDescription.UnexpectedMessage);
    assert.match(r.client?.message ?? '', /CompressedCertificate/);
  });
});

describe('per-handshake work is cached (perf), never at the cost of a different message', () => {
  it('the plain Certificate is encoded once per CertifiedKey; a replaced OCSP response is sent, not the cached one', () => {
    const ck = { ...serverKey(), ocspResponse: bytes('30 03 0a 01 00') };
    const config = createServerConfig({ provider, certificates: [ck], certificateCompression: 'none' });
    const run = (): ClientConnection => {
      const c = client({ requestOcsp: true, certificateCompression: 'none' });
      handshake(c, new ServerConnection(config));
      return c;
    };
    assert.deepEqual(run().negotiated!.ocspResponse, bytes('30 03 0a 01 00'));
    assert.deepEqual(run().negotiated!.ocspResponse, bytes('30 03 0a 01 00'));
    // A refreshed response on the same CertifiedKey object (OCSP responses expire).
    (ck as { ocspResponse: Uint8Array }).ocspResponse = bytes('30 03 0a 01 01');
    assert.deepEqual(run().negotiated!.ocspResponse, bytes('30 03 0a 01 01'));
    // Without status_request nothing is stapled, cached or not.
    const c = client({ certificateCompression: 'none' });
    handshake(c, new ServerConnection(config));
    assert.equal(c.negotiated!.ocspResponse, null);
  });

  it('a replaced OCSP response is compressed again', () => {
    let calls = 0;
    const counting: CertificateCompressor = {
      algorithm: Zlib,
      compress(d) { calls++; return zlibCertificateCompressor.compress(d); },
      decompress: (d, n) => zlibCertificateCompressor.decompress(d, n),
    };
    const ck = { ...serverKey(), ocspResponse: bytes('30 03 0a 01 00') };
    const config = createServerConfig({ provider: withCompressors([counting]), certificates: [ck] });
    const run = (): ClientConnection => {
      const c = client({ requestOcsp: true, certificateCompression: [Zlib] });
      handshake(c, new ServerConnection(config));
      return c;
    };
    run(); run();
    assert.equal(calls, 1);
    (ck as { ocspResponse: Uint8Array }).ocspResponse = bytes('30 03 0a 01 02');
    assert.deepEqual(run().negotiated!.ocspResponse, bytes('30 03 0a 01 02'));
    assert.equal(calls, 2);
  });

  it('the client decompresses a chain it has seen before once; other bytes or another compressor decompress again', () => {
    let calls = 0;
    const counting: CertificateCompressor = {
      algorithm: Zlib,
      compress: (d) => zlibCertificateCompressor.compress(d),
      decompress(d, n) { calls++; return zlibCertificateCompressor.decompress(d, n); },
    };
    const w = new Writer();
    encodeCompressedCertificate(w, { algorithm: Zlib, uncompressedLength: 4, compressedCertificateMessage: deflateSync(bytes('00 000000')) });
    const body = w.toBytes().subarray(4);
    for (let i = 0; i < 3; i++) assert.equal(decompressPeerCertificate(body.slice(), [counting], 100, 'server').certificate.certificateList.length, 0);
    assert.equal(calls, 1);
    // Another compressor object (same algorithm) is not answered from this one's entries.
    const other: CertificateCompressor = { ...counting, decompress(d, n) { calls++; return zlibCertificateCompressor.decompress(d, n); } };
    decompressPeerCertificate(body, [other], 100, 'server');
    assert.equal(calls, 2);
    // Different compressed bytes (another zlib level) for the same content: decompressed.
    const w2 = new Writer();
    encodeCompressedCertificate(w2, { algorithm: Zlib, uncompressedLength: 4, compressedCertificateMessage: deflateSync(bytes('00 000000'), { level: 1 }) });
    decompressPeerCertificate(w2.toBytes().subarray(4), [counting], 100, 'server');
    assert.equal(calls, 3);
    // A cached entry does not bypass the size limit of the config that asks.
    const e = errorOf(() => decompressPeerCertificate(body, [counting], 3, 'server'));
    assert.equal(e.code, 'ERR_TLS_PEER_BAD_COMPRESSED_CERTIFICATE');
  });

  it('failures are not cached', () => {
    let calls = 0;
    const lying: CertificateCompressor = {
      algorithm: Zlib,
      compress: (d) => zlibCertificateCompressor.compress(d),
      decompress(d, n) { calls++; return zlibCertificateCompressor.decompress(d, n); },
    };
    const w = new Writer();
    // Claims 5 bytes; decompresses to 4.
    encodeCompressedCertificate(w, { algorithm: Zlib, uncompressedLength: 5, compressedCertificateMessage: deflateSync(bytes('00 000000')) });
    const body = w.toBytes().subarray(4);
    for (let i = 0; i < 2; i++) assert.equal(errorOf(() => decompressPeerCertificate(body, [lying], 100, 'server')).code, 'ERR_TLS_PEER_BAD_COMPRESSED_CERTIFICATE');
    assert.equal(calls, 2);
  });
});
