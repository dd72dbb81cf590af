/**
 * Syntax highlighting with the compiler's own lexer (src/compiler/tokens.ts), so the colours
 * follow the language exactly; comments and whitespace, which the lexer skips, are the gaps
 * between tokens. Diagnostics are underlined at their span. Output: one `<div class="ln">`
 * per source line (a block, so a highlighted line spans the width), for the line highlighting
 * that hovering the disassembly drives.
 */
import { policyLexer, KEYWORDS } from "../../../src/compiler/tokens.js";
import type { Diagnostic } from "../protocol.js";

const KW = new Set<string>(KEYWORDS);
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function classOf(tokenName: string, image: string): string {
  if (tokenName.startsWith("Kw_")) return KW.has(image) ? "kw" : "";
  if (tokenName === "IntLit") return "num";
  if (tokenName === "StringLit") return "str";
  if (tokenName === "Ident") return "id";
  return "punct";
}

/** Per character offset: a class (token kind) for the source. */
function charClasses(src: string): string[] {
  const cls = new Array<string>(src.length).fill("");
  const r = policyLexer.tokenize(src);
  let prevEnd = 0;
  const gap = (from: number, to: number): void => {
    // Between tokens: whitespace and `//` comments (to the line's end).
    const text = src.slice(from, to);
    const re = /\/\/[^\n]*/g;
    for (let m = re.exec(text); m !== null; m = re.exec(text))
      for (let i = 0; i < m[0].length; i++) cls[from + m.index + i] = "com";
  };
  for (const t of r.tokens) {
    gap(prevEnd, t.startOffset);
    const c = classOf(t.tokenType.name, t.image);
    for (let i = t.startOffset; i <= (t.endOffset ?? t.startOffset); i++) cls[i] = c;
    prevEnd = (t.endOffset ?? t.startOffset) + 1;
  }
  gap(prevEnd, src.length);
  for (const e of r.errors) for (let i = e.offset; i < e.offset + e.length; i++) cls[i] = "bad";
  return cls;
}

export function highlight(src: string, diags: readonly Diagnostic[]): string {
  const cls = charClasses(src);
  const lines = src.split("\n");
  const out: string[] = [];
  let off = 0;
  lines.forEach((line, li) => {
    const marks = new Array<boolean>(line.length + 1).fill(false);
    for (const d of diags) {
      if (d.line !== li + 1) continue;
      const from = Math.max(0, d.col - 1);
      const to = Math.min(line.length, from + Math.max(1, d.length));
      for (let i = from; i < Math.max(to, from + 1); i++) marks[i] = true;
    }
    let html = "";
    let cur = "";
    let curMark = false;
    let buf = "";
    const flush = (): void => {
      if (buf === "") return;
      const classes = [cur, curMark ? "diag" : ""].filter((c) => c !== "").join(" ");
      html += classes === "" ? esc(buf) : `<span class="${classes}">${esc(buf)}</span>`;
      buf = "";
    };
    for (let i = 0; i <= line.length; i++) {
      const ch = i < line.length ? line[i]! : marks[i] ? " " : "";
      if (ch === "") break;
      const c = i < line.length ? (cls[off + i] ?? "") : "";
      const m = marks[i] ?? false;
      if (c !== cur || m !== curMark) {
        flush();
        cur = c;
        curMark = m;
      }
      buf += ch;
    }
    flush();
    out.push(`<div class="ln" data-line="${li + 1}">${html === "" ? " " : html}</div>`);
    off += line.length + 1;
  });
  return out.join("");
}
