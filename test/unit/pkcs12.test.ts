// PKCS#12 reader (src/node/pkcs12.ts) over files `openssl pkcs12 -export` makes at test time
// (OpenSSL 3 defaults, -legacy with its RC2-40 certificates, AES/3DES/RC2-128 variants, MAC
// digests, no MAC, no encryption, chains, three key types, non-ASCII passphrases), RC2 against
// RFC 2268 §5, the PKCS#12 KDF against OpenSSL's vector, and negative cases (wrong passphrase,
// truncation, MAC bit flips, version, unknown algorithms, iteration limits) that must yield
// typed errors only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, sign, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTlsError } from '../../src/core/errors.ts';
import { pkcs12Credentials, pkcs12Kdf, readPkcs12, type Pkcs12Contents } from '../../src/node/pkcs12.ts';
import { rc2CbcDecrypt, rc2DecryptBlock, rc2EncryptBlock, rc2ExpandKey } from '../../src/node/rc2.ts';
import { oidFromString, Tag, tlv } from '../../src/webpki/der.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createClientConnectConfig } from '../../src/node/connect.ts';
import { createServerListenConfig } from '../../src/node/server.ts';
import { OpenSslPki, type CertificateAuthority, type IssuedCertificate } from '../helpers/pki-openssl.ts';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

let n = 0;
/** `openssl pkcs12 -export` of `leaf` (+ `extra` via -certfile) with `args`; returns the DER. */
function exportPfx(pki: OpenSslPki, leaf: IssuedCertificate, args: readonly string[], extra: readonly IssuedCertificate[] = []): Uint8Array {
  const out = join(pki.dir, `p12-${n++}.p12`);
  const certfile = extra.length > 0 ? ['-certfile', pki.writeFile(`chain-${n}.pem`, extra.map((c) => c.certPem).join(''))] : [];
  pki.openssl(['pkcs12', '-export', '-in', leaf.certPath, '-inkey', leaf.keyPath, ...certfile, '-out', out, ...args]);
  return new Uint8Array(readFileSync(out));
}

/** The decoded key signs, and the leaf's public key verifies the signature. */
function assertKeyMatchesLeaf(c: Pkcs12Contents, leaf: IssuedCertificate): void {
  assert.ok(c.key !== null);
  assert.equal(c.hasLeaf, true);
  assert.equal(toHex(c.certificates[0]!), toHex(leaf.certDer));
  const key = createPrivateKey({ key: Buffer.from(c.key), format: 'der', type: 'pkcs8' });
  const alg = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  const msg = Buffer.from('typetls pkcs12 signing check');
  const sig = sign(alg, msg, key);
  assert.equal(verify(alg, msg, new X509Certificate(leaf.certDer).publicKey, sig), true);
  // The provider loads the same bytes (what node-compat and the adapter do).
  const sk = nodeCryptoProvider.loadSigningKey(c.key);
  assert.equal(toHex(sk.publicKeySpki()), toHex(new Uint8Array(new X509Certificate(leaf.certDer).publicKey.export({ type: 'spki', format: 'der' }))));
}

function assertPkcs12Error(f: () => unknown, code?: string): void {
  try {
    f();
  } catch (e) {
    assert.ok(isTlsError(e), `expected a TlsError, got ${String(e)}`);
    if (code !== undefined) assert.equal(e.code, code, e.message);
    else assert.match(e.code, /^ERR_TLS_CONFIG_PKCS12_/, e.message);
    return;
  }
  assert.fail('expected an error');
}

describe('RC2 (RFC 2268)', () => {
  // RFC 2268 §5: key, effective key bits, plaintext, ciphertext.
  const vectors: [string, number, string, string][] = [
    ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
    ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
    ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
    ['88', 64, '0000000000000000', '61a8a244adacccf0'],
    ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
    ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
    ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
    ['88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e', 129, '0000000000000000', '5b78d3a43dfff1f1'],
  ];
  for (const [key, bits, plain, cipher] of vectors) {
    it(`key ${key.length / 2} bytes, ${bits} effective bits`, () => {
      const k = rc2ExpandKey(hex(key), bits);
      const out = new Uint8Array(8);
      rc2EncryptBlock(k, hex(plain), out);
      assert.equal(toHex(out), cipher);
      const back = new Uint8Array(8);
      rc2DecryptBlock(k, out, back);
      assert.equal(toHex(back), plain);
    });
  }

  it('CBC chains blocks with the IV and rejects bad lengths', () => {
    const key = hex('88bca90e90875a7f0f79c384627bafb2');
    const k = rc2ExpandKey(key, 128);
    const iv = hex('0102030405060708');
    const plain = hex('00112233445566778899aabbccddeeff');
    // Encrypt by hand: C1 = E(P1 ^ IV), C2 = E(P2 ^ C1).
    const c = new Uint8Array(16);
    const x = plain.slice();
    for (let i = 0; i < 8; i++) x[i]! ^= iv[i]!;
    rc2EncryptBlock(k, x, c, 0);
    for (let i = 0; i < 8; i++) x[8 + i]! ^= c[i]!;
    rc2EncryptBlock(k, x, c, 8);
    assert.equal(toHex(rc2CbcDecrypt(key, 128, iv, c)), toHex(plain));
    assert.throws(() => rc2CbcDecrypt(key, 128, iv, c.subarray(0, 15)), RangeError);
    assert.throws(() => rc2CbcDecrypt(key, 128, iv.subarray(0, 7), c), RangeError);
    assert.throws(() => rc2ExpandKey(new Uint8Array(0), 64), RangeError);
    assert.throws(() => rc2ExpandKey(key, 1025), RangeError);
  });
});

describe('PKCS#12 KDF (RFC 7292 Appendix B)', () => {
  it('matches OpenSSL\'s vector (password "smeg", SHA-1, ID 1)', () => {
    const bmp = hex('0073006d006500670000');
    assert.equal(toHex(pkcs12Kdf('sha1', bmp, hex('0a58cf64530d823f'), 1, 1, 24)), '8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3');
    assert.equal(toHex(pkcs12Kdf('sha1', bmp, hex('0a58cf64530d823f'), 1, 2, 8)), '79993dfe048d3b76');
  });
});

describe('readPkcs12 over openssl pkcs12 -export files', () => {
  let pki: OpenSslPki;
  let root: CertificateAuthority;
  let int: CertificateAuthority;
  let ec: IssuedCertificate;
  let rsa: IssuedCertificate;
  let ed: IssuedCertificate;

  before(() => {
    pki = OpenSslPki.create();
    root = pki.makeCa({ name: 'P12 Root', keyType: 'ecdsa-p256' });
    int = pki.makeCa({ name: 'P12 Int', keyType: 'ecdsa-p256', issuer: root });
    ec = pki.makeCertificate({ issuer: int, keyType: 'ecdsa-p256', sans: ['DNS:ec.test'] });
    rsa = pki.makeCertificate({ issuer: int, keyType: 'rsa2048', sans: ['DNS:rsa.test'] });
    ed = pki.makeCertificate({ issuer: int, keyType: 'ed25519', sans: ['DNS:ed.test'] });
  });
  after(() => pki.cleanup());

  const variants: [string, readonly string[]][] = [
    ['OpenSSL 3 default (PBES2 PBKDF2-SHA256 AES-256-CBC, MAC SHA-256)', []],
    ['-legacy (3DES key, RC2-40 certificates, MAC SHA-1)', ['-legacy']],
    ['-keypbe/-certpbe AES-128-CBC', ['-keypbe', 'AES-128-CBC', '-certpbe', 'AES-128-CBC']],
    ['-keypbe DES-EDE3-CBC -certpbe AES-192-CBC (PBES2)', ['-keypbe', 'DES-EDE3-CBC', '-certpbe', 'AES-192-CBC']],
    ['PKCS#12 PBE 2-key 3DES key, 3-key 3DES certificates', ['-keypbe', 'PBE-SHA1-2DES', '-certpbe', 'PBE-SHA1-3DES']],
    ['-legacy with RC2-128 key and certificates', ['-legacy', '-keypbe', 'PBE-SHA1-RC2-128', '-certpbe', 'PBE-SHA1-RC2-128']],
    ['-macalg sha512', ['-macalg', 'sha512']],
    ['-macalg sha384', ['-macalg', 'sha384']],
    ['-macalg sha224, one iteration', ['-macalg', 'sha224', '-iter', '1', '-nomaciter']],
    ['-certpbe NONE (plain certificates)', ['-certpbe', 'NONE']],
    ['-keypbe NONE (keyBag)', ['-keypbe', 'NONE']],
    ['-keypbe NONE -certpbe NONE', ['-keypbe', 'NONE', '-certpbe', 'NONE']],
    ['-nomac', ['-nomac']],
  ];
  for (const [name, args] of variants) {
    it(`${name}: key and leaf`, () => {
      const der = exportPfx(pki, ec, [...args, '-passout', 'pass:s3cret']);
      const c = readPkcs12(der, 's3cret');
      assertKeyMatchesLeaf(c, ec);
      assert.equal(c.certificates.length, 1);
      if (args.includes('-legacy') && args.length === 1) {
        // What -legacy means: pbeWithSHAAnd40BitRC2-CBC (1.2.840.113549.1.12.1.6) for the certificates.
        assert.ok(Buffer.from(der).includes(Buffer.from('2a864886f70d010c0106', 'hex')));
      }
      if (!args.includes('-nomac')) assertPkcs12Error(() => readPkcs12(der, 'wrong'), 'ERR_TLS_CONFIG_PKCS12_MAC_VERIFY');
    });
  }

  it('-nomac with a wrong passphrase: a decryption error, not garbage', () => {
    const der = exportPfx(pki, ec, ['-nomac', '-passout', 'pass:s3cret']);
    assertPkcs12Error(() => readPkcs12(der, 'wrong'));
  });

  for (const [label, get] of [['RSA-2048', () => rsa], ['Ed25519', () => ed], ['ECDSA P-256', () => ec]] as const) {
    for (const legacy of [false, true]) {
      it(`${label}${legacy ? ' -legacy' : ''} with -certfile chain: leaf, intermediate, root in order`, () => {
        const leaf = get();
        const der = exportPfx(pki, leaf, [...(legacy ? ['-legacy'] : []), '-passout', 'pass:chain'], [int, root]);
        const c = readPkcs12(der, 'chain');
        assertKeyMatchesLeaf(c, leaf);
        assert.deepEqual(c.certificates.map(toHex), [leaf.certDer, int.certDer, root.certDer].map(toHex));
        const cred = pkcs12Credentials(der, 'chain');
        assert.deepEqual(cred.chain.map(toHex), c.certificates.map(toHex));
      });
    }
  }

  it('adapter options: createServer / connect take `pfx` + `passphrase` like cert + key', () => {
    const der = exportPfx(pki, rsa, ['-legacy', '-passout', 'pass:adapter'], [int]);
    const server = createServerListenConfig({ pfx: der, passphrase: 'adapter' });
    assert.equal(server.certificates.length, 1);
    assert.deepEqual(server.certificates[0]!.chain.map(toHex), [rsa.certDer, int.certDer].map(toHex));
    assert.equal(server.certificates[0]!.key.keyType, 'rsa');
    const client = createClientConnectConfig({ pfx: der, passphrase: 'adapter', ca: root.certPem });
    assert.deepEqual(client.clientCertificate?.chain.map(toHex), [rsa.certDer, int.certDer].map(toHex));
    assert.throws(() => createClientConnectConfig({ pfx: der, passphrase: 'adapter', cert: rsa.certPem, key: rsa.keyPem, ca: root.certPem }),
      (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG');
    assert.throws(() => createServerListenConfig({ pfx: der, passphrase: 'nope' }), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG_PKCS12_MAC_VERIFY');
  });

  it('empty passphrase (-passout pass:): read with undefined and with ""', () => {
    for (const args of [[], ['-legacy']]) {
      const der = exportPfx(pki, ec, [...args, '-passout', 'pass:']);
      assertKeyMatchesLeaf(readPkcs12(der), ec);
      assertKeyMatchesLeaf(readPkcs12(der, ''), ec);
      assertPkcs12Error(() => readPkcs12(der, 'x'), 'ERR_TLS_CONFIG_PKCS12_MAC_VERIFY');
    }
  });

  it('non-ASCII passphrase (UTF-8 for PBES2, BMPString for the KDF)', () => {
    const pass = 'pässwörd-秘密-🔑';
    for (const args of [[], ['-legacy']]) {
      const der = exportPfx(pki, ec, [...args, '-passout', `pass:${pass}`]);
      assertKeyMatchesLeaf(readPkcs12(der, pass), ec);
      assertPkcs12Error(() => readPkcs12(der, 'passwort-秘密-🔑'), 'ERR_TLS_CONFIG_PKCS12_MAC_VERIFY');
    }
  });

  it('a file without a key (-nokeys) and without certificates (-nocerts)', () => {
    const der = new Uint8Array(readFileSync((() => {
      const out = join(pki.dir, 'nokeys.p12');
      pki.openssl(['pkcs12', '-export', '-nokeys', '-in', ec.certPath, '-out', out, '-passout', 'pass:x']);
      return out;
    })()));
    const c = readPkcs12(der, 'x');
    assert.equal(c.key, null);
    assert.equal(c.hasLeaf, false);
    assert.equal(toHex(c.certificates[0]!), toHex(ec.certDer));
    assert.throws(() => pkcs12Credentials(der, 'x'), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG_BAD_KEY');
    const nocerts = exportPfx(pki, ec, ['-nocerts', '-passout', 'pass:x']);
    const d = readPkcs12(nocerts, 'x');
    assert.ok(d.key !== null);
    assert.equal(d.certificates.length, 0);
    assert.throws(() => pkcs12Credentials(nocerts, 'x'), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG_BAD_CERTIFICATE');
  });

  describe('negative', () => {
    let real: Uint8Array;
    let legacy: Uint8Array;
    let nomac: Uint8Array;
    before(() => {
      real = exportPfx(pki, ec, ['-passout', 'pass:pw'], [int, root]);
      legacy = exportPfx(pki, ec, ['-legacy', '-passout', 'pass:pw']);
      nomac = exportPfx(pki, ec, ['-nomac', '-passout', 'pass:pw']);
    });

    it('wrong passphrase and no passphrase: mac verify failure', () => {
      for (const f of [real, legacy]) {
        for (const p of ['pw ', 'PW', undefined, '']) {
          assert.throws(() => readPkcs12(f, p), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG_PKCS12_MAC_VERIFY' && e.message.startsWith('mac verify failure'));
        }
      }
    });

    it('truncated at every 97th byte: typed errors only', () => {
      for (const f of [real, legacy, nomac]) {
        for (let cut = 0; cut < f.length; cut += 97) assertPkcs12Error(() => readPkcs12(f.subarray(0, cut), 'pw'));
        assertPkcs12Error(() => readPkcs12(f.subarray(0, f.length - 1), 'pw'));
      }
    });

    it('bit flips in the MAC value are detected', () => {
      // The MAC digest is the last OCTET STRING of the DigestInfo: locate it by its value.
      const mac = macValueOffset(real);
      // One bit per byte of the 32-byte HMAC-SHA-256, at a different position each time.
      for (let i = 0; i < 32; i++) {
        const f = real.slice();
        f[mac + i]! ^= 1 << (i & 7);
        assertPkcs12Error(() => readPkcs12(f, 'pw'), 'ERR_TLS_CONFIG_PKCS12_MAC_VERIFY');
      }
    });

    it('a flipped byte inside the authenticated content fails the MAC before decryption', () => {
      for (const at of [40, 200, 600, real.length - 120]) {
        const f = real.slice();
        f[at]! ^= 0x01;
        assertPkcs12Error(() => readPkcs12(f, 'pw'));
      }
    });

    it('PFX version other than 3', () => {
      // The version INTEGER follows the outer SEQUENCE header.
      const headerLength = (real[1]! & 0x80) !== 0 ? 2 + (real[1]! & 0x7f) : 2;
      assert.deepEqual([...real.subarray(headerLength, headerLength + 3)], [0x02, 0x01, 0x03]);
      for (const v of [0, 1, 2, 4]) {
        const f = real.slice();
        f[headerLength + 2] = v;
        assertPkcs12Error(() => readPkcs12(f, 'pw'), 'ERR_TLS_CONFIG_PKCS12_UNSUPPORTED');
      }
    });

    it('trailing data after the PFX', () => {
      const f = new Uint8Array([...real, 0]);
      assertPkcs12Error(() => readPkcs12(f, 'pw'), 'ERR_TLS_CONFIG_PKCS12_MALFORMED');
    });

    it('unknown algorithms are named (built with the tiny DER writer)', () => {
      const oid = (s: string): Uint8Array => tlv(Tag.Oid, oidFromString(s));
      const int = (v: number): Uint8Array => {
        const bytes: number[] = [];
        for (let x = v; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
        if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) bytes.unshift(0);
        return tlv(Tag.Integer, bytes);
      };
      const octet = (b: Uint8Array | number[]): Uint8Array => tlv(Tag.OctetString, b);
      const seq = (...c: Uint8Array[]): Uint8Array => tlv(Tag.Sequence, ...c);
      const explicit0 = (c: Uint8Array): Uint8Array => tlv(0xa0, c);
      const shroudedBag = (alg: Uint8Array): Uint8Array => seq(seq(oid('1.2.840.113549.1.12.10.1.2'), explicit0(seq(alg, octet(new Uint8Array(16))))));
      const pfxOf = (authSafe: Uint8Array, macData?: Uint8Array): Uint8Array =>
        seq(int(3), seq(oid('1.2.840.113549.1.7.1'), explicit0(octet(authSafe))), ...(macData === undefined ? [] : [macData]));
      const dataOf = (safeContents: Uint8Array): Uint8Array => seq(seq(oid('1.2.840.113549.1.7.1'), explicit0(octet(safeContents))));
      const pbes2 = (kdf: Uint8Array, enc: Uint8Array): Uint8Array => seq(oid('1.2.840.113549.1.5.13'), seq(kdf, enc));
      const pbkdf2 = (iterations: number, prf = '1.2.840.113549.2.9'): Uint8Array =>
        seq(oid('1.2.840.113549.1.5.12'), seq(octet([1, 2, 3, 4, 5, 6, 7, 8]), int(iterations), seq(oid(prf), tlv(Tag.Null))));
      const aes256 = seq(oid('2.16.840.1.101.3.4.1.42'), octet(new Uint8Array(16)));
      const cases: [string, Uint8Array, string, RegExp][] = [
        ['RC4 PBE', pfxOf(dataOf(shroudedBag(seq(oid('1.2.840.113549.1.12.1.1'), seq(octet([1]), int(1)))))), 'ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', /pbeWithSHAAnd128BitRC4/],
        ['unknown PBES2 cipher', pfxOf(dataOf(shroudedBag(pbes2(pbkdf2(1), seq(oid('1.2.3.4.5'), octet(new Uint8Array(16))))))), 'ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', /1\.2\.3\.4\.5/],
        ['unknown PBKDF2 PRF', pfxOf(dataOf(shroudedBag(pbes2(pbkdf2(1, '1.2.840.113549.2.5'), aes256)))), 'ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', /PRF/],
        ['unknown KDF', pfxOf(dataOf(shroudedBag(pbes2(seq(oid('1.2.3.9'), seq()), aes256)))), 'ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', /key derivation/],
        ['PBKDF2 iterations over the limit', pfxOf(dataOf(shroudedBag(pbes2(pbkdf2(20_000_000), aes256)))), 'ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', /exceeds the limit of 10000000/],
        ['PBKDF2 iterations 0', pfxOf(dataOf(shroudedBag(pbes2(pbkdf2(0), aes256)))), 'ERR_TLS_CONFIG_PKCS12_MALFORMED', /positive/],
        ['MAC iterations over the limit (refused before computing)', pfxOf(seq(), seq(seq(seq(oid('2.16.840.1.101.3.4.2.1'), tlv(Tag.Null)), octet(new Uint8Array(32))), octet([1, 2]), int(2 ** 40))), 'ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', /iterations/],
        ['unknown MAC digest', pfxOf(seq(), seq(seq(seq(oid('1.2.840.113549.2.5'), tlv(Tag.Null)), octet(new Uint8Array(16))), octet([1, 2]), int(1))), 'ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', /MAC digest/],
        ['MAC of the wrong length', pfxOf(seq(), seq(seq(seq(oid('2.16.840.1.101.3.4.2.1'), tlv(Tag.Null)), octet(new Uint8Array(20))), octet([1, 2]), int(1))), 'ERR_TLS_CONFIG_PKCS12_MALFORMED', /MAC of 20 bytes/],
        ['public-key integrity mode', seq(int(3), seq(oid('1.2.840.113549.1.7.2'), explicit0(seq()))), 'ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', /signedData/],
        ['envelopedData content', pfxOf(seq(seq(oid('1.2.840.113549.1.7.3'), explicit0(seq())))), 'ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', /envelopedData/],
        ['bad padding (all-zero ciphertext)', pfxOf(dataOf(shroudedBag(pbes2(pbkdf2(1), aes256)))), 'ERR_TLS_CONFIG_PKCS12_DECRYPT', /^bad decrypt/],
      ];
      for (const [name, der, code, message] of cases) {
        assert.throws(() => readPkcs12(der, 'pw'), (e: unknown) => isTlsError(e) && e.code === code && message.test(e.message), name);
      }
      // A smaller caller limit applies too.
      assert.throws(() => readPkcs12(pfxOf(dataOf(shroudedBag(pbes2(pbkdf2(5000), aes256)))), 'pw', { maxIterations: 4096 }),
        (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG_PKCS12_UNSUPPORTED');
    });

    it('non-PKCS#12 input', () => {
      for (const f of [new Uint8Array(0), new Uint8Array([0x30]), new Uint8Array([0x30, 0x80, 0, 0]), Buffer.from('-----BEGIN CERTIFICATE-----'), ec.certDer]) {
        assertPkcs12Error(() => readPkcs12(f, 'pw'));
      }
    });
  });
});

/** Offset of the MAC value: the OCTET STRING of the DigestInfo in the trailing MacData. */
function macValueOffset(pfx: Uint8Array): number {
  // Walk the outer SEQUENCE: version, authSafe, macData; inside macData the first SEQUENCE is
  // the DigestInfo (AlgorithmIdentifier, OCTET STRING).
  const tlvAt = (p: number): { header: number; length: number } => {
    const first = pfx[p + 1]!;
    if (first < 0x80) return { header: 2, length: first };
    let len = 0;
    for (let i = 0; i < (first & 0x7f); i++) len = len * 256 + pfx[p + 2 + i]!;
    return { header: 2 + (first & 0x7f), length: len };
  };
  let p = tlvAt(0).header;
  for (let skip = 0; skip < 2; skip++) {
    const t = tlvAt(p);
    p += t.header + t.length;
  }
  p += tlvAt(p).header; // into MacData
  p += tlvAt(p).header; // into DigestInfo
  const alg = tlvAt(p);
  p += alg.header + alg.length;
  assert.equal(pfx[p], 0x04);
  return p + tlvAt(p).header;
}
