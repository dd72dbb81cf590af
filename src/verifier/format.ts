/**
 * Kernel-style rendering of verifier state for logs and error reports:
 * `R1=ctx() R2=scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff)) R10=fp0`,
 * `fp-8=0000????`, `map_value(map=m,ks=4,vs=8,off=4)`. Follows the shape of the kernel's
 * `print_verifier_state` (6.x); kernel addresses and BTF names are not reproduced.
 */
import {
  isConstZero,
  smax64,
  smaxUnbounded,
  smin64,
  sminNum,
  sminUnbounded,
  umax64,
  umin64,
  type Scalar,
} from "./scalar.js";
import { isConst, isUnknown, tnumStr } from "./tnum.js";
import type { Frame, Reg, VState } from "./state.js";

function num(v: bigint): string {
  if (v >= -(1n << 31n) && v < 1n << 31n) return v.toString();
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

/** The bound list inside `scalar(...)`, equal values merged as the kernel does. */
export function scalarFields(s: Scalar): string[] {
  const items: [string, bigint, boolean][] = [
    ["smin", smin64(s), !sminUnbounded(s)],
    ["smax", smax64(s), !smaxUnbounded(s)],
    ["umin", umin64(s), s.uminH !== 0 || s.uminL !== 0],
    ["umax", umax64(s), s.umaxH !== -1 || s.umaxL !== -1],
    ["smin32", BigInt(s.s32min), s.s32min !== -0x80000000],
    ["smax32", BigInt(s.s32max), s.s32max !== 0x7fffffff],
    ["umin32", BigInt(s.u32min >>> 0), s.u32min !== 0],
    ["umax32", BigInt(s.u32max >>> 0), s.u32max !== -1],
  ];
  const done = new Array(items.length).fill(false);
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const [name, v, show] = items[i]!;
    if (!show || done[i]) continue;
    let text = name;
    for (let j = i + 1; j < items.length; j++) {
      const [n2, v2, s2] = items[j]!;
      if (s2 && !done[j] && v2 === v) {
        text += `=${n2}`;
        done[j] = true;
      }
    }
    out.push(`${text}=${num(v)}`);
  }
  if (!isConst(s.t) && !isUnknown(s.t)) out.push(`var_off=${tnumStr(s.t)}`);
  return out;
}

export function formatScalar(s: Scalar): string {
  if (isConst(s.t)) return num(smin64(s));
  return `scalar(${scalarFields(s).join(",")})`;
}

function mapDesc(r: Reg): string[] {
  if (r.map === undefined) return [];
  const parts: string[] = [];
  if (r.map.name !== undefined) parts.push(`map=${r.map.name}`);
  parts.push(`ks=${r.map.keySize}`, `vs=${r.map.valueSize}`);
  return parts;
}

/** One register's value, without the `Rn=` prefix. */
export function formatReg(r: Reg): string {
  if (r.type === "scalar") {
    const base = formatScalar(r.s);
    if (r.id !== 0 && !isConst(r.s.t))
      return base.replace(
        "scalar(",
        `scalar(id=${r.id}${r.delta !== undefined ? (r.delta >= 0 ? `+${r.delta}` : `${r.delta}`) : ""}${scalarFields(r.s).length > 0 ? "," : ""}`,
      );
    return base;
  }
  if (r.type === "stack") {
    if (isConst(r.s.t)) return `fp${r.off + sminNum(r.s)}`;
    return `fp${r.off}(${scalarFields(r.s).join(",")})`;
  }
  const parts: string[] = [];
  if (r.id !== 0 && (r.type === "map_value_or_null" || r.type === "sock_common_or_null" || r.type === "pkt"))
    parts.push(`id=${r.id}`);
  parts.push(...mapDesc(r));
  if (r.off !== 0) parts.push(`off=${r.off}`);
  if (r.type === "pkt") parts.push(`r=${r.range ?? 0}`);
  if (!isConstZero(r.s)) parts.push(...scalarFields(r.s));
  return `${r.type}(${parts.join(",")})`;
}

function slotText(f: Frame, spi: number): string | undefined {
  const slot = f.stack[spi];
  if (slot === undefined || slot.kinds === "????????") return undefined;
  // A narrow spill prints the bytes above it first, as the kernel does.
  if (slot.spill !== undefined)
    return (slot.kinds === "rrrrrrrr" ? "" : slot.kinds.slice(0, 4)) + formatReg(slot.spill);
  return slot.kinds.replace(/r/g, "m");
}

/** Registers (and stack slots) of a frame: all initialized ones, or only `which`. */
export function formatFrame(f: Frame, which?: ReadonlySet<number>, slots?: ReadonlySet<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < 11; i++) {
    const r = f.regs[i]!;
    if (r.type === "not_init") continue;
    if (which !== undefined && !which.has(i)) continue;
    parts.push(`R${i}=${formatReg(r)}`);
  }
  for (let spi = 0; spi < f.stack.length; spi++) {
    if (slots !== undefined && !slots.has(spi)) continue;
    const t = slotText(f, spi);
    if (t !== undefined) parts.push(`fp-${(spi + 1) * 8}=${t}`);
  }
  return parts.join(" ");
}

export function formatState(s: VState): string {
  const frames = s.frames.map((f, i) => (s.frames.length > 1 ? `frame${i}: ` : "") + formatFrame(f));
  return frames.join("\n");
}
