/**
 * bpf_trace_printk (6): format up to three arguments and append the line to the run's trace
 * log (the kernel writes it to the trace pipe). Follows kernel/bpf/helpers.c:bpf_bprintf_prepare:
 * the format must hold a NUL within fmt_size and only printable ASCII or whitespace before it;
 * conversions %d %i %u %x %X %c %s %p (%px, %pK), with optional flags `0 + - space`, a
 * width, and `l`/`ll` length; more than three conversions or any other one → -EINVAL.
 * Returns the length of the formatted text, as bstr_printf does. bpf_trace_vprintk (177) and
 * bpf_snprintf (165) share the formatter with up to 12 arguments from a u64 array.
 * Deviations: plain %p and %pK print the raw value as %px would (the kernel hashes or hides
 * it); %s reads at most 255 bytes and prints "" for a bad pointer; %pI4 and friends are -EINVAL.
 */
import type { HelperFn, RegisterFile } from "../helper-abi.js";
import { setR0Int } from "../helper-abi.js";
import type { AddressSpace } from "../memory.js";
import { EINVAL } from "../maps/errno.js";
import { hi, lo } from "./args.js";
import type { HelperEnv } from "./env.js";

const MAX_ARGS = 3;

export function tracePrintk(env: HelperEnv): HelperFn {
  return (regs, mem) => {
    const size = lo(regs, 2);
    const fOff = lo(regs, 1);
    const region = mem.resolve(hi(regs, 1), fOff, size, false, -1);
    const out = formatTrace(region.bytes.subarray(fOff, fOff + size), regs, mem);
    if (out === null) return setR0Int(regs, -EINVAL);
    env.trace.push(out);
    setR0Int(regs, out.length);
  };
}

/** MAX_BPRINTF_VARARGS: bpf_snprintf and bpf_trace_vprintk take up to 12 u64 arguments. */
const MAX_VARARGS = 12;

/** The u64 array (data, data_len) of snprintf/trace_vprintk as halves, or null for -EINVAL. */
function dataArgs(
  regs: RegisterFile,
  mem: AddressSpace,
  reg: number,
): ((i: number) => readonly [number, number]) | null {
  const len = lo(regs, reg + 1);
  if (len % 8 !== 0 || len > MAX_VARARGS * 8) return null;
  const dOff = lo(regs, reg);
  if (len === 0) return () => [0, 0];
  const d = mem.resolve(hi(regs, reg), dOff, len, false, -1);
  return (i) => [d.view.getUint32(dOff + 8 * i, true), d.view.getUint32(dOff + 8 * i + 4, true)];
}

/**
 * bpf_trace_vprintk (177)(fmt, fmt_size, data, data_len): bpf_trace_printk with up to 12
 * arguments from a u64 array; appends to the trace log, returns the text's length.
 */
export function traceVprintk(env: HelperEnv): HelperFn {
  return (regs, mem) => {
    const size = lo(regs, 2);
    const fOff = lo(regs, 1);
    const fmt = mem.resolve(hi(regs, 1), fOff, size, false, -1).bytes.subarray(fOff, fOff + size);
    const args = dataArgs(regs, mem, 3);
    const out = args === null ? null : formatArgs(fmt, lo(regs, 4) / 8, args, mem);
    if (out === null) return setR0Int(regs, -EINVAL);
    env.trace.push(out);
    setR0Int(regs, out.length);
  };
}

/**
 * bpf_snprintf (165)(str, str_size, fmt, data, data_len): format into `str`, truncated to
 * str_size - 1 bytes and NUL-terminated (nothing written when str_size is 0); returns the
 * length the whole text needs including its NUL (bstr_printf + 1), or -EINVAL. The format is
 * read up to its NUL (the verifier proved one exists in a read-only map).
 */
export function snprintf(_env: HelperEnv): HelperFn {
  return (regs, mem) => {
    const fmtRegion = mem.get(hi(regs, 3));
    const fOff = lo(regs, 3);
    if (fmtRegion === undefined || fOff >= fmtRegion.size) return setR0Int(regs, -EINVAL);
    const args = dataArgs(regs, mem, 4);
    const out = args === null ? null : formatArgs(fmtRegion.bytes.subarray(fOff), lo(regs, 5) / 8, args, mem);
    if (out === null) return setR0Int(regs, -EINVAL);
    const size = lo(regs, 2);
    if (size > 0) {
      const n = Math.min(out.length, size - 1);
      const bytes = new Uint8Array(n + 1);
      for (let i = 0; i < n; i++) bytes[i] = out.charCodeAt(i);
      mem.write(hi(regs, 1), lo(regs, 1), bytes);
    }
    setR0Int(regs, out.length + 1);
  };
}

/** The formatted text, or null where the kernel returns -EINVAL. Arguments are r3..r5. */
export function formatTrace(fmt: Uint8Array, regs: RegisterFile, mem: AddressSpace): string | null {
  return formatArgs(fmt, MAX_ARGS, (i) => [lo(regs, 3 + i), hi(regs, 3 + i)], mem);
}

/**
 * bpf_bprintf_prepare + bstr_printf over `nargs` u64 arguments, `arg(i)` giving argument i as
 * [low, high] halves; null where the kernel returns -EINVAL (bad format, more conversions than
 * arguments).
 */
export function formatArgs(
  fmt: Uint8Array,
  nargs: number,
  arg: (i: number) => readonly [number, number],
  mem: AddressSpace,
): string | null {
  const nul = fmt.indexOf(0);
  if (nul < 0) return null;
  let out = "";
  let argi = 0;
  for (let i = 0; i < nul; i++) {
    const ch = fmt[i]!;
    if (ch > 0x7e || (ch < 0x20 && !(ch >= 0x09 && ch <= 0x0d))) return null;
    if (ch !== 0x25 /* % */) {
      out += String.fromCharCode(ch);
      continue;
    }
    i++;
    if (fmt[i] === 0x25) {
      out += "%";
      continue;
    }
    if (argi === nargs) return null;
    let flags = "";
    while (i < nul && "0+- ".includes(String.fromCharCode(fmt[i]!))) flags += String.fromCharCode(fmt[i++]!);
    let width = 0;
    while (i < nul && fmt[i]! >= 0x30 && fmt[i]! <= 0x39) width = width * 10 + (fmt[i++]! - 0x30);
    let longs = 0;
    while (i < nul && fmt[i] === 0x6c /* l */ && longs < 2) {
      longs++;
      i++;
    }
    if (i >= nul) return null;
    const conv = String.fromCharCode(fmt[i]!);
    const [aLo, aHi] = arg(argi++);
    const v64 = (BigInt(aHi) << 32n) | BigInt(aLo);
    let text: string;
    let numeric = true;
    switch (conv) {
      case "d":
      case "i":
        text = (longs > 0 ? BigInt.asIntN(64, v64) : BigInt(aLo | 0)).toString();
        break;
      case "u":
        text = (longs > 0 ? v64 : BigInt(aLo)).toString();
        break;
      case "x":
      case "X":
        text = (longs > 0 ? v64 : BigInt(aLo)).toString(16);
        if (conv === "X") text = text.toUpperCase();
        break;
      case "c":
        if (longs > 0) return null;
        text = String.fromCharCode(aLo & 0xff);
        numeric = false;
        break;
      case "s":
        if (longs > 0) return null;
        text = readString(mem, aHi, aLo);
        numeric = false;
        break;
      case "p": {
        if (longs > 0) return null;
        const next = fmt[i + 1];
        if (next === 0x78 /* x */ || next === 0x4b /* K */) i++;
        else if (next !== undefined && i + 1 < nul && /[A-Za-z0-9]/.test(String.fromCharCode(next))) return null;
        text = v64.toString(16).padStart(16, "0");
        break;
      }
      default:
        return null;
    }
    if (numeric && flags.includes("+") && (conv === "d" || conv === "i") && !text.startsWith("-")) text = `+${text}`;
    else if (numeric && flags.includes(" ") && (conv === "d" || conv === "i") && !text.startsWith("-"))
      text = ` ${text}`;
    if (text.length < width) {
      if (flags.includes("-")) text = text.padEnd(width, " ");
      else if (numeric && flags.includes("0")) {
        const sign = /^[-+ ]/.test(text) ? text[0]! : "";
        text = sign + text.slice(sign.length).padStart(width - sign.length, "0");
      } else text = text.padStart(width, " ");
    }
    out += text;
  }
  return out;
}

function readString(mem: AddressSpace, h: number, l: number): string {
  const r = mem.get(h);
  if (r === undefined || l >= r.size) return "";
  let s = "";
  for (let i = l; i < r.size && i < l + 255; i++) {
    const b = r.bytes[i]!;
    if (b === 0) break;
    s += String.fromCharCode(b);
  }
  return s;
}
