/**
 * Where each value of a JSON text starts, by JSON pointer (RFC 6901), so errors about a
 * CASES.json or scenario value can say file:line:col. A scanner of its own: JSON.parse gives
 * no positions. Assumes text JSON.parse accepted.
 */
export interface TextPos {
  readonly line: number;
  readonly col: number;
}

const seg = (k: string): string => k.replace(/~/g, "~0").replace(/\//g, "~1");

export function jsonPositions(text: string): Map<string, TextPos> {
  const out = new Map<string, TextPos>();
  let i = 0;
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === "\n") lineStarts.push(k + 1);
  const posOf = (off: number): TextPos => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: off - lineStarts[lo]! + 1 };
  };
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (ptr: string): void => {
    ws();
    out.set(ptr, posOf(i));
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        const k = str();
        ws();
        i++; // ':'
        value(`${ptr}/${seg(k)}`);
        ws();
        if (text[i++] === "}") return;
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${ptr}/${n}`);
        ws();
        if (text[i++] === "]") return;
      }
    } else if (c === '"') str();
    else while (i < text.length && /[^\s,\]}]/.test(text[i]!)) i++;
  };
  value("");
  return out;
}

/** The position of `ptr`, or of its nearest ancestor that exists (a missing member is reported at its object). */
export function locate(positions: Map<string, TextPos>, ptr: string): TextPos {
  let p = ptr;
  for (;;) {
    const hit = positions.get(p);
    if (hit !== undefined) return hit;
    if (p === "") return { line: 1, col: 1 };
    p = p.slice(0, p.lastIndexOf("/"));
  }
}
