/**
 * The VM's seeded pseudo-random source for `bpf_get_prandom_u32`: xoshiro128** (Blackman and
 * Vigna) in u32 arithmetic, its 128-bit state seeded by splitmix32 steps from the seed, so
 * a run is reproducible from its seed and no BigInt touches the per-call path.
 * Not the kernel's generator (prandom is a per-CPU Tausworthe/SipHash mix); only the
 * uniformity and determinism matter to Baton.
 */

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number | bigint = 0) {
    this.reseed(seed);
  }

  /** Restart the sequence from `seed` (a number is taken modulo 2^32; a bigint's two halves are mixed). */
  reseed(seed: number | bigint): void {
    let lo: number;
    let hi: number;
    if (typeof seed === "bigint") {
      const w = BigInt.asUintN(64, seed);
      lo = Number(w & 0xffffffffn);
      hi = Number(w >> 32n);
    } else {
      lo = seed >>> 0;
      hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
    }
    let x = (lo ^ Math.imul(hi, 0x85ebca6b)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** The next uniformly distributed u32. */
  nextU32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
