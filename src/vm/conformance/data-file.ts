/**
 * Reader for bpf_conformance `.data` files (format: ../shared/bpf_conformance/FORMAT.md §1).
 * Sections: `-- asm`, `-- raw`, `-- mem`, `-- result`, `-- error`; `-- c` and
 * `-- no register offset` are ignored with their text; any other directive is reported.
 */
import { ParseError } from "../../errors.js";

export interface DataFile {
  readonly file: string;
  /** The `-- asm` text with its first line number (for error locations). */
  readonly asm?: { readonly text: string; readonly firstLine: number };
  /** `-- raw` words (one per slot), when present; they replace `-- asm`. */
  readonly raw?: readonly bigint[];
  readonly mem: Uint8Array;
  readonly result?: bigint;
  readonly error?: string;
}

type Section = "asm" | "result" | "mem" | "raw" | "error" | "ignored" | null;

function sectionOf(header: string): Section | undefined {
  // The upstream parser matches by substring, in this order.
  if (header.includes("asm")) return "asm";
  if (header.includes("result")) return "result";
  if (header.includes("mem")) return "mem";
  if (header.includes("raw")) return "raw";
  if (header.includes("no register offset") || header.includes(" c")) return "ignored";
  if (header.includes("error")) return "error";
  return undefined;
}

export function parseDataFile(text: string, file: string): DataFile {
  const asmLines: string[] = [];
  let asmFirst = 0;
  const raw: bigint[] = [];
  const mem: number[] = [];
  let result: bigint | undefined;
  let error: string | undefined;
  let section: Section = null;
  let sawRaw = false;
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const full = lines[n]!.replace(/\r$/, "");
    if (full.includes("--")) {
      const s = sectionOf(full);
      if (s === undefined)
        throw new ParseError(
          "data.unknown-directive",
          `unknown directive '${full.trim()}'; expected -- asm, -- raw, -- mem, -- result or -- error`,
          { file, line: lineNo, col: 1, length: full.length },
        );
      section = s;
      if (s === "asm" && asmFirst === 0) asmFirst = lineNo + 1;
      if (s === "raw") sawRaw = true;
      continue;
    }
    const hash = full.indexOf("#");
    const line = (hash >= 0 ? full.slice(0, hash) : full).trim();
    if (section === "asm") {
      // Keep line numbering exact for error locations: blank/comment lines stay as empty lines.
      asmLines.push(hash >= 0 ? full.slice(0, hash) : full);
      continue;
    }
    if (line === "" && section === null) continue;
    if (section === null) {
      // Text before any `--` directive: this is not a conformance file (a binary, a stray
      // source), not an empty test to skip.
      const printable = line.replace(/[^\x20-\x7e]/g, "?");
      const shown = printable.length > 40 ? `${printable.slice(0, 37)}...` : printable;
      throw new ParseError(
        "data.no-section",
        `not a conformance data file: expected a directive (-- asm, -- raw, -- mem, -- result or -- error) before '${shown}'`,
        { file, line: lineNo, col: full.indexOf(line) + 1, length: Math.min(line.length, 40) },
      );
    }
    if (line === "" || section === "ignored") continue;
    const where = (col: number, length: number) => ({ file, line: lineNo, col, length });
    switch (section) {
      case "result": {
        const v = line.includes("0x")
          ? parseHex(line.replace(/^0x/i, ""))
          : /^\d+$/.test(line)
            ? BigInt(line)
            : undefined;
        if (v === undefined)
          throw new ParseError(
            "data.bad-result",
            `expected a result as decimal or 0x-hex u64, got '${line}'`,
            where(full.indexOf(line) + 1, line.length),
          );
        result = BigInt.asUintN(64, v);
        break;
      }
      case "mem":
        for (const m of line.matchAll(/\S+/g)) {
          if (!/^[0-9a-fA-F]{1,2}$/.test(m[0]))
            throw new ParseError(
              "data.bad-mem",
              `expected a hex byte like 'aa', got '${m[0]}'`,
              where(full.indexOf(m[0]) + 1, m[0].length),
            );
          mem.push(Number.parseInt(m[0], 16));
        }
        break;
      case "raw":
        for (const m of line.matchAll(/\S+/g)) {
          const v = parseHex(m[0].replace(/^0x/i, ""));
          if (v === undefined || v >= 1n << 64n)
            throw new ParseError(
              "data.bad-raw",
              `expected a 64-bit hex instruction word like 0x0000000000000095, got '${m[0]}'`,
              where(full.indexOf(m[0]) + 1, m[0].length),
            );
          raw.push(v);
        }
        break;
      case "error":
        error = line;
        break;
    }
  }
  if (asmFirst === 0 && !sawRaw) {
    throw new ParseError("data.no-program", "not a conformance data file: it has no -- asm or -- raw section", {
      file,
      line: 1,
      col: 1,
    });
  }
  while (asmLines.length > 0 && asmLines[asmLines.length - 1]!.trim() === "") asmLines.pop();
  return {
    file,
    ...(asmLines.length > 0 ? { asm: { text: asmLines.join("\n"), firstLine: asmFirst } } : {}),
    ...(sawRaw ? { raw } : {}),
    mem: Uint8Array.from(mem),
    ...(result !== undefined ? { result } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

function parseHex(s: string): bigint | undefined {
  return /^[0-9a-fA-F]+$/.test(s) ? BigInt(`0x${s}`) : undefined;
}

/** The `-- raw` words as bytes (each word little-endian, one slot). */
export function rawToBytes(words: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(words.length * 8);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setBigUint64(i * 8, w, true));
  return out;
}
