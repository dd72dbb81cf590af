/**
 * String helpers, as kernel/bpf/helpers.c implements them:
 * - bpf_strtol (105) / bpf_strtoul (106)(buf, buf_len, flags, res): `__bpf_strtoull` — base
 *   `flags & 0x1f` (0 = auto, 8, 10, 16; other bits -EINVAL), leading whitespace and one '-'
 *   skipped, at most 63 bytes parsed (`str[64]`), "0x" prefix for base 16/auto; returns the
 *   bytes consumed, -EINVAL when no digit, -ERANGE on overflow (strtoul: -EINVAL for a
 *   negative number). `*res` is zeroed first and set only on success.
 * - bpf_strncmp (182)(s1, s1_sz, s2): `strncmp(s1, s2, s1_sz)` → -1, 0 or 1.
 */
import { VmTrap } from "../../errors.js";
import { setR0Int, type HelperFn, type RegisterFile } from "../helper-abi.js";
import { formatAddress, type AddressSpace } from "../memory.js";
import { EINVAL } from "../maps/errno.js";
import { hi, lo } from "./args.js";
import type { HelperEnv } from "./env.js";

const ERANGE = 34;
const BASE_MASK = 0x1f;
const U64_MAX = (1n << 64n) - 1n;

interface Parsed {
  readonly value: bigint;
  readonly negative: boolean;
  readonly consumed: number;
}

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

function digit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : 99;
}

/** `__bpf_strtoull`: the parsed value, or a negative errno. */
export function strtoull(buf: Uint8Array, flags: bigint): Parsed | number {
  let base = Number(flags & BigInt(BASE_MASK));
  if (base !== 0 && base !== 8 && base !== 10 && base !== 16) return -EINVAL;
  if ((flags & ~BigInt(BASE_MASK)) !== 0n) return -EINVAL;
  let at = 0;
  while (at < buf.length && isSpace(buf[at]!)) at++;
  const negative = at < buf.length && buf[at] === 0x2d;
  if (negative) at++;
  const consumedBefore = at;
  if (buf.length - at === 0) return -EINVAL;
  // The kernel copies at most 63 bytes into a NUL-terminated buffer and parses that.
  const str = new Uint8Array(64);
  str.set(buf.subarray(at, at + Math.min(buf.length - at, 63)));
  let p = 0;
  // _parse_integer_fixup_radix
  if (base === 0) {
    if (str[0] === 0x30) base = (str[1]! | 0x20) === 0x78 && digit(str[2]!) < 16 ? 16 : 8;
    else base = 10;
  }
  if (base === 16 && str[0] === 0x30 && (str[1]! | 0x20) === 0x78) p = 2;
  // _parse_integer
  let value = 0n;
  let overflow = false;
  const start = p;
  for (; p < 64; p++) {
    const d = digit(str[p]!);
    if (d >= base) break;
    const next = value * BigInt(base) + BigInt(d);
    if (next > U64_MAX) overflow = true;
    value = next & U64_MAX;
  }
  if (overflow) return -ERANGE;
  if (p === start) return -EINVAL;
  return { value, negative, consumed: consumedBefore + p };
}

function bytesArg(mem: AddressSpace, regs: RegisterFile, reg: number, size: number): Uint8Array {
  return mem.read(hi(regs, reg), lo(regs, reg), size);
}

function storeU64(mem: AddressSpace, regs: RegisterFile, reg: number, v: bigint): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  mem.write(hi(regs, reg), lo(regs, reg), b);
}

const flagsArg = (regs: RegisterFile): bigint => (BigInt(hi(regs, 3)) << 32n) | BigInt(lo(regs, 3));

export function strtol(_env: HelperEnv): HelperFn {
  return (regs, mem) => {
    const buf = bytesArg(mem, regs, 1, lo(regs, 2));
    storeU64(mem, regs, 4, 0n);
    const r = strtoull(buf, flagsArg(regs));
    if (typeof r === "number") return setR0Int(regs, r);
    // __bpf_strtoll: the magnitude must fit a signed 64-bit value (2^63 only when negative).
    if (r.negative ? r.value > 1n << 63n : r.value >= 1n << 63n) return setR0Int(regs, -ERANGE);
    storeU64(mem, regs, 4, r.negative ? -r.value : r.value);
    setR0Int(regs, r.consumed);
  };
}

export function strtoul(_env: HelperEnv): HelperFn {
  return (regs, mem) => {
    const buf = bytesArg(mem, regs, 1, lo(regs, 2));
    storeU64(mem, regs, 4, 0n);
    const r = strtoull(buf, flagsArg(regs));
    if (typeof r === "number") return setR0Int(regs, r);
    if (r.negative) return setR0Int(regs, -EINVAL);
    storeU64(mem, regs, 4, r.value);
    setR0Int(regs, r.consumed);
  };
}

export function strncmp(_env: HelperEnv): HelperFn {
  return (regs, mem) => {
    const n = lo(regs, 2);
    const s1 = bytesArg(mem, regs, 1, n);
    const region = mem.get(hi(regs, 3));
    const base = lo(regs, 3);
    for (let i = 0; i < n; i++) {
      if (region === undefined || base + i >= region.size)
        throw new VmTrap(
          "vm.out-of-bounds",
          `helper strncmp: the string at r3 = ${formatAddress(hi(regs, 3), base)} runs past its region before a NUL`,
        );
      const c1 = s1[i]!;
      const c2 = region.bytes[base + i]!;
      if (c1 !== c2) return setR0Int(regs, c1 < c2 ? -1 : 1);
      if (c1 === 0) break;
    }
    setR0Int(regs, 0);
  };
}
