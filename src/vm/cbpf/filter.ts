/**
 * `struct sock_filter` programs and their three outside forms: raw 8-byte records (u16 code,
 * u8 jt, u8 jf, u32 k, host byte order — little-endian here), the C array `bpf_asm -c` and
 * `tcpdump -dd` print (`{ 0x28, 0, 0, 0x0000000c },`), and the count-first decimal form of
 * `bpf_asm` and `tcpdump -ddd` (`N,code jt jf k,...` on one line, or one record per line).
 * Errors are located: record index for binary, line:col for text.
 */
import { BytecodeError, ParseError } from "../../errors.js";
import { plural } from "../../plural.js";

export interface SockFilter {
  /** u16. */
  readonly code: number;
  /** u8: forward offset when true. */
  readonly jt: number;
  /** u8: forward offset when false. */
  readonly jf: number;
  /** u32. */
  readonly k: number;
}

export const RECORD_SIZE = 8;

export const insn = (code: number, jt: number, jf: number, k: number): SockFilter => ({
  code: code & 0xffff,
  jt: jt & 0xff,
  jf: jf & 0xff,
  k: k >>> 0,
});

/** Decode raw records; a length that is not a multiple of 8 is an error at the cut record. */
export function decodeFilter(bytes: Uint8Array, file?: string): SockFilter[] {
  if (bytes.length % RECORD_SIZE !== 0) {
    const at = Math.floor(bytes.length / RECORD_SIZE);
    throw new BytecodeError(
      "cbpf.truncated",
      `record ${at} is cut short: ${plural(bytes.length, "byte")} is not a whole number of 8-byte sock_filter records (${plural(bytes.length % RECORD_SIZE, "byte")} left over)`,
      { file, insn: at },
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: SockFilter[] = [];
  for (let at = 0; at < bytes.length; at += RECORD_SIZE) {
    out.push({ code: dv.getUint16(at, true), jt: bytes[at + 2]!, jf: bytes[at + 3]!, k: dv.getUint32(at + 4, true) });
  }
  return out;
}

export function encodeFilter(prog: readonly SockFilter[]): Uint8Array {
  const out = new Uint8Array(prog.length * RECORD_SIZE);
  const dv = new DataView(out.buffer);
  prog.forEach((f, i) => {
    dv.setUint16(i * RECORD_SIZE, f.code, true);
    out[i * RECORD_SIZE + 2] = f.jt;
    out[i * RECORD_SIZE + 3] = f.jf;
    dv.setUint32(i * RECORD_SIZE + 4, f.k >>> 0, true);
  });
  return out;
}

const hex = (n: number, width: number): string => `0x${n.toString(16).padStart(width, "0")}`;

/** The C array body as `bpf_asm -c` prints it (`{ 0x28,  0,  0, 0x0000000c },` per line). */
export function formatCArray(prog: readonly SockFilter[]): string {
  return prog
    .map(
      (f) => `{ ${hex(f.code, 2)}, ${String(f.jt).padStart(2)}, ${String(f.jf).padStart(2)}, ${hex(f.k >>> 0, 8)} },`,
    )
    .join("\n");
}

/** The count-first decimal form: `bpf_asm`'s one line (`oneLine`) or tcpdump -ddd's lines. */
export function formatDecimal(prog: readonly SockFilter[], oneLine = true): string {
  const recs = prog.map((f) => `${f.code} ${f.jt} ${f.jf} ${f.k >>> 0}`);
  return oneLine ? `${prog.length},${recs.map((r) => `${r},`).join("")}` : [String(prog.length), ...recs].join("\n");
}

/** A number token with its place in the text. */
interface NumTok {
  readonly value: number;
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

/** Blank out comments (keeping columns and newlines) so positions stay true. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m) => m.replace(/[^\n]/g, " "));
}

function lineCol(text: string, index: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: index - start + 1 };
}

/** A C integer literal (decimal, 0x hex, 0 octal, optional sign and U/L suffixes), or NaN. */
function cInteger(text: string): number {
  const m = /^([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)[ul]*$/i.exec(text);
  if (m === null) return Number.NaN;
  const body = m[2]!;
  const v = /^0x/i.test(body)
    ? Number.parseInt(body.slice(2), 16)
    : body.length > 1 && body.startsWith("0")
      ? Number.parseInt(body.slice(1), 8)
      : Number(body);
  return m[1] === "-" ? -v : v;
}

function field(tok: NumTok, what: "code" | "jt" | "jf" | "k", file: string): number {
  const [lo, hi] = what === "code" ? [0, 0xffff] : what === "k" ? [-0x80000000, 0xffffffff] : [0, 0xff];
  if (!Number.isFinite(tok.value) || !Number.isInteger(tok.value) || tok.value < lo || tok.value > hi) {
    const range = what === "k" ? "a 32-bit value" : `0-${hi}`;
    throw new ParseError(
      "cbpf.bad-field",
      `${what} '${tok.text}' is not ${Number.isNaN(tok.value) ? "a number" : "in range"} (expected ${range})`,
      { file, line: tok.line, col: tok.col, length: tok.text.length },
    );
  }
  return tok.value >>> 0;
}

function record(toks: readonly NumTok[], file: string): SockFilter {
  return insn(
    field(toks[0]!, "code", file),
    field(toks[1]!, "jt", file),
    field(toks[2]!, "jf", file),
    field(toks[3]!, "k", file),
  );
}

/**
 * Parse the C array form: every innermost `{ code, jt, jf, k }` group (a surrounding
 * `struct sock_filter x[] = { ... };` is allowed). Groups must have exactly four numbers.
 */
export function parseCArray(text: string, file: string): SockFilter[] {
  const clean = stripComments(text);
  const out: SockFilter[] = [];
  for (const m of clean.matchAll(/\{([^{}]*)\}/g)) {
    const base = m.index + 1;
    const parts: NumTok[] = [];
    let off = 0;
    for (const raw of m[1]!.split(",")) {
      const lead = raw.length - raw.trimStart().length;
      const t = raw.trim();
      const pos = lineCol(clean, base + off + lead);
      off += raw.length + 1;
      if (t === "") continue;
      parts.push({ value: cInteger(t), text: t, ...pos });
    }
    if (parts.length !== 4) {
      const pos = lineCol(clean, m.index);
      throw new ParseError(
        "cbpf.bad-record",
        `a sock_filter record has four fields { code, jt, jf, k }; this one has ${parts.length}`,
        { file, ...pos, length: 1 },
      );
    }
    out.push(record(parts, file));
  }
  if (out.length === 0)
    throw new ParseError("cbpf.empty", "no `{ code, jt, jf, k }` records found", { file, line: 1, col: 1 });
  return out;
}

/** Parse the count-first decimal form (`N,c jt jf k,...` or N then one record per line). */
export function parseDecimal(text: string, file: string): SockFilter[] {
  const clean = stripComments(text);
  const groups: NumTok[][] = [];
  let cur: NumTok[] = [];
  const re = /[,\n]|[^\s,]+/g;
  for (const m of clean.matchAll(re)) {
    if (m[0] === "," || m[0] === "\n") {
      if (cur.length > 0) groups.push(cur);
      cur = [];
      continue;
    }
    cur.push({ value: cInteger(m[0]), text: m[0], ...lineCol(clean, m.index) });
  }
  if (cur.length > 0) groups.push(cur);
  const head = groups[0];
  if (head === undefined || head.length !== 1) {
    const t = head?.[0];
    throw new ParseError("cbpf.bad-count", "expected the record count first (`N,code jt jf k,...`)", {
      file,
      line: t?.line ?? 1,
      col: t?.col ?? 1,
    });
  }
  const n = head[0]!;
  const out = groups.slice(1).map((g) => {
    if (g.length !== 4)
      throw new ParseError(
        "cbpf.bad-record",
        `a sock_filter record has four numbers 'code jt jf k'; this one has ${g.length}`,
        { file, line: g[0]!.line, col: g[0]!.col, length: g[0]!.text.length },
      );
    return record(g, file);
  });
  if (!Number.isInteger(n.value) || n.value !== out.length) {
    throw new ParseError("cbpf.bad-count", `the count says ${n.text} records but ${out.length} follow`, {
      file,
      line: n.line,
      col: n.col,
      length: n.text.length,
    });
  }
  return out;
}

export type FilterTextForm = "c-array" | "decimal" | "asm";

/** Which text form `text` is in: braces mean a C array, a leading count a decimal list, else assembly. */
export function detectTextForm(text: string): FilterTextForm {
  const clean = stripComments(text);
  if (/\{/.test(clean)) return "c-array";
  if (/^\s*\d+\s*(,|\n|$)/.test(clean)) return "decimal";
  return "asm";
}
