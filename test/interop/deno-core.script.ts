/**
 * Run by `deno-core.test.ts` under Deno (not by Node's test runner): a full in-memory TLS 1.3
 * handshake between a ClientConnection and a ServerConnection on the noble provider and the
 * webpki verifier, then application data both ways, for each case of the fixture. Prints one
 * JSON line with what was negotiated; the test asserts on it.
 *
 * Deliberately runtime-neutral: no `node:` imports, no `Buffer`, no `process`. The only
 * runtime-specific call is reading the fixture through `Deno.readTextFileSync`.
 *
 * Usage: deno run --node-modules-dir=manual --allow-read=<repo>,<fixture dir> deno-core.script.ts <fixture.json>
 */
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig } from '../../src/core/index.ts';
import { nobleCryptoProvider as provider } from '../../src/providers/noble/index.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { handshake, readAll, transfer } from '../helpers/memory-pair.ts';

/** What the test writes for us. */
export interface DenoFixture {
  readonly rootDerHex: string;
  readonly chainDerHex: readonly string[];
  readonly keyPem: string;
  readonly serverName: string;
  readonly cases: readonly { readonly suite: string; readonly group: string }[];
  /** Bytes the client sends after the handshake (the server echoes them back). */
  readonly payloadLength: number;
}

/** One line of output per run. */
export interface DenoReport {
  readonly runtime: string;
  readonly providerName: string;
  readonly results: readonly {
    readonly suite: string;
    readonly group: string;
    readonly client: { readonly protocolVersion: string; readonly cipherSuite: string; readonly group: string | null; readonly peerSignatureScheme: number | null; readonly alpn: string | null };
    readonly server: { readonly protocolVersion: string; readonly cipherSuite: string; readonly group: string | null; readonly serverName: string | null };
    readonly serverReceived: number;
    readonly clientReceived: number;
    readonly echoIntact: boolean;
  }[];
}

interface DenoApi {
  readonly args: readonly string[];
  readonly version: { readonly deno: string };
  readTextFileSync(path: string): string;
}

const deno = (globalThis as { Deno?: DenoApi }).Deno;
if (deno === undefined) throw new Error('deno-core.script.ts must run under Deno');

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substring(2 * i, 2 * i + 2), 16);
  return out;
}

const fixture = JSON.parse(deno.readTextFileSync(deno.args[0]!)) as DenoFixture;
const root = fromHex(fixture.rootDerHex);
const certifiedKey = { chain: fixture.chainDerHex.map(fromHex), key: provider.loadSigningKey(fixture.keyPem) };
const payload = new Uint8Array(fixture.payloadLength);
for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;

const results: DenoReport['results'][number][] = [];
for (const c of fixture.cases) {
  const client = new ClientConnection(
    createClientConfig({ provider, verifier: createServerVerifier({ roots: [root], signatures: provider.signatures }), cipherSuites: [c.suite], groups: [c.group], alpnProtocols: ['h2'] }),
    fixture.serverName,
  );
  const server = new ServerConnection(createServerConfig({ provider, certificates: [certifiedKey], alpnProtocols: ['h2'] }));
  handshake(client, server);
  client.writePlaintext(payload);
  transfer(client, server);
  const atServer = readAll(server);
  server.writePlaintext(atServer);
  transfer(server, client);
  const atClient = readAll(client);
  let intact = atClient.length === payload.length;
  for (let i = 0; intact && i < payload.length; i++) intact = atClient[i] === payload[i];
  const cn = client.negotiated!, sn = server.negotiated!;
  results.push({
    suite: c.suite,
    group: c.group,
    client: { protocolVersion: cn.protocolVersion, cipherSuite: cn.cipherSuite, group: cn.group, peerSignatureScheme: cn.peerSignatureScheme, alpn: cn.alpn },
    server: { protocolVersion: sn.protocolVersion, cipherSuite: sn.cipherSuite, group: sn.group, serverName: sn.serverName },
    serverReceived: atServer.length,
    clientReceived: atClient.length,
    echoIntact: intact,
  });
}

const report: DenoReport = { runtime: `deno ${deno.version.deno}`, providerName: provider.name, results };
console.log(JSON.stringify(report));
