/**
 * Facts about the Node runtime the node provider picks code paths by (measured costs differ
 * between Node 20 / OpenSSL 3.0 and Node 24 / OpenSSL 3.5: PLATFORM-NOTES, BENCHMARKS.md).
 */
import process from 'node:process';

/** Node's major version (20, 22, 24, ...). */
export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * Whether node:crypto takes raw key bytes as cheaply as a `KeyObject` per HMAC or cipher call:
 * true on Node 20 / OpenSSL 3.0, where importing a `KeyObject` is the extra cost; on Node 24 /
 * OpenSSL 3.5 a raw key costs 4x more per call (HMAC: 15-28 µs against ~7.5; AES-128-GCM record
 * of 100 bytes: ~20 µs against ~4.5). Node 21-23 are unmeasured and take the KeyObject path.
 */
export const RAW_KEYS_ARE_CHEAP = NODE_MAJOR <= 20;
