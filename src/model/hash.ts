/**
 * The connection hash: a keyed, deterministic u32 per 4-tuple standing in for the kernel's
 * `inet_ehashfn` (jhash_3words with a boot secret, spec §1). The key is the scenario seed,
 * so a seed fixes every connection's hash; a scenario can also give hashes recorded on a
 * real kernel. The mixing is a small avalanche function of our own (murmur3-style
 * finaliser rounds); it is not jhash and does not try to reproduce kernel values.
 */

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function round(h: number, w: number): number {
  h ^= fmix((w ^ 0x9e3779b9) >>> 0);
  h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  return h >>> 0;
}

/** Hash of (local addr, local port, remote addr, remote port) under `seed` (any u32). */
export function flowHash(
  seed: number,
  localIp: number,
  localPort: number,
  remoteIp: number,
  remotePort: number,
): number {
  let h = fmix((seed ^ 0x5bd1e995) >>> 0);
  h = round(h, localIp >>> 0);
  h = round(h, remoteIp >>> 0);
  h = round(h, ((localPort & 0xffff) << 16) | (remotePort & 0xffff));
  return fmix(h);
}

/**
 * An IPv6 address (16 bytes, network order) folded to a u32 for `flowHash`: the XOR of its four
 * big-endian words. IPv6 4-tuples (the kernel's inet6_ehashfn, udp6_ehashfn) hash as
 * `flowHash(seed, fold(local), lport, fold(remote), rport)` for TCP and UDP alike.
 */
export function foldIp6(b: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < 16; i += 4) h ^= (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
  return h >>> 0;
}

/**
 * sk_hash of the request and child of an IPv4 connection on a dual-stack (AF_INET6) listener.
 * Linux 6.18 hashes them differently from the SYN's lookup (measured: ctx `hash` at their
 * migration never equals the SYN's, while it does for IPv4 and IPv6 listeners), so the model
 * derives a second, unrelated value from the connection hash.
 */
export function dualStackSockHash(h: number): number {
  return fmix((h ^ 0x6d2b79f5) >>> 0);
}

/** `reciprocal_scale(h, n)` = floor(h * n / 2^32) (spec §1). Exact: h*n < 2^53. */
export function reciprocalScale(h: number, n: number): number {
  return Math.floor(((h >>> 0) * n) / 4294967296);
}
