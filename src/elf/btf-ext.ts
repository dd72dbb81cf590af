/**
 * `.BTF.ext` line info: which C source line produced each instruction, so verifier
 * rejections and traps in an imported program point at `file.c:line:col`.
 *
 * Layout (libbpf's btf_ext_header): magic 0xeB9F, version, flags, hdr_len, then
 * func_info_off/len and line_info_off/len relative to the header's end. The line info block is
 * `u32 rec_size` followed by, per section, `{ u32 sec_name_off, u32 num_info }` and num_info
 * records `{ u32 insn_off (bytes, in .o files), u32 file_name_off, u32 line_off, u32 line_col }`
 * (line = line_col >> 10, column = line_col & 0x3ff). Names are offsets into `.BTF`'s strings.
 * Deliberately lenient: line info is a convenience, so a malformed block yields no line info
 * rather than an error. Absent: func_info and CO-RE relocation records.
 */
import type { SourceSpan } from "../errors.js";
import type { Btf } from "./btf.js";

export interface LineRecord {
  /** Byte offset within the section. */
  readonly offset: number;
  /** Undefined for line 0 (code the compiler made up: no source line). */
  readonly span: SourceSpan | undefined;
}

/** Line records by section name, sorted by offset (empty when absent or malformed). */
export function parseLineInfo(ext: Uint8Array, btf: Btf): Map<string, LineRecord[]> {
  const out = new Map<string, LineRecord[]>();
  if (ext.length < 32) return out;
  const dv = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
  if (dv.getUint16(0, true) !== 0xeb9f) return out;
  const hdrLen = dv.getUint32(4, true);
  const off = hdrLen + dv.getUint32(16, true);
  const len = dv.getUint32(20, true);
  if (hdrLen < 24 || len < 4 || off + len > ext.length) return out;
  const recSize = dv.getUint32(off, true);
  if (recSize < 16) return out;
  let p = off + 4;
  const end = off + len;
  while (p + 8 <= end) {
    const sec = btf.string(dv.getUint32(p, true));
    const n = dv.getUint32(p + 4, true);
    p += 8;
    if (sec === undefined || p + n * recSize > end) return new Map();
    const list: LineRecord[] = [];
    for (let i = 0; i < n; i++, p += recSize) {
      const file = btf.string(dv.getUint32(p + 4, true));
      const lineCol = dv.getUint32(p + 12, true);
      if (file === undefined) continue;
      const line = lineCol >>> 10;
      list.push({
        offset: dv.getUint32(p, true),
        span: line === 0 ? undefined : { file, line, col: Math.max(1, lineCol & 0x3ff) },
      });
    }
    list.sort((a, b) => a.offset - b.offset);
    out.set(sec, list);
  }
  return out;
}

/** The record covering byte `offset` of `section`: the last one at or before it. */
export function lineAt(
  info: ReadonlyMap<string, readonly LineRecord[]>,
  section: string,
  offset: number,
): SourceSpan | undefined {
  const list = info.get(section);
  if (list === undefined || list.length === 0) return undefined;
  let lo = 0;
  let hi = list.length - 1;
  if (list[0]!.offset > offset) return undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (list[mid]!.offset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return list[lo]!.span;
}
