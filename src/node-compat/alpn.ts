/** node:tls `ALPNProtocols`: an array of strings or bytes, or one buffer in wire format. */
import { Buffer } from 'node:buffer';
import { invalidArgType, nodeTypeError } from './node-errors.ts';

/**
 * Normalizes `ALPNProtocols` to protocol names. A single buffer is the RFC 7301 §3.1 wire form
 * (`ProtocolName protocol_name_list<2..2^16-1>` without the outer length): length-prefixed names.
 * @throws TypeError ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for other shapes or a malformed buffer.
 */
export function normalizeAlpn(value: unknown, name = 'options.ALPNProtocols'): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    return value.map((p: unknown, i) => {
      if (typeof p === 'string') return p;
      if (ArrayBuffer.isView(p)) return Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('latin1');
      throw invalidArgType(`${name}[${i}]`, 'of type string or an instance of Buffer, TypedArray, or DataView', p);
    });
  }
  if (ArrayBuffer.isView(value)) {
    const b = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const out: string[] = [];
    for (let i = 0; i < b.length;) {
      const n = b[i]!;
      if (n === 0 || i + 1 + n > b.length) {
        throw nodeTypeError('ERR_INVALID_ARG_VALUE', `The property '${name}' is not a valid ALPN protocol list: entry at byte ${i} has length ${n}, ${b.length - i - 1} bytes left`);
      }
      out.push(b.toString('latin1', i + 1, i + 1 + n));
      i += 1 + n;
    }
    return out;
  }
  throw invalidArgType(name, 'an instance of Array, Buffer, TypedArray, or DataView', value);
}
