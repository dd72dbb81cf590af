/**
 * Operands of one instruction, parsed without knowing the mnemonic (FORMAT.md §2.1), so that a
 * wrong operand count or kind can be reported against the mnemonic's signature afterwards.
 *
 *   %rN                 register (r0..r10; r11+ are rejected even though upstream takes them)
 *   [%rN], [%rN+off]    memory: base register and signed displacement
 *   5, -3, 0x1f, +2     number, with an optional sign (relative jump targets are `+N`/`-N`)
 *   name                a label or a keyword (`local`, `fetch`, `add`, …)
 *   name(a, b)          a Baton pseudo operand: `map_fd(3)`, `map_value(3, 16)`, `pseudo(s, i, j)`
 *
 * Commas between operands are optional, as upstream treats them as whitespace.
 */
import { ParseError } from "../../errors.js";
import { NUM_REGS } from "../isa.js";
import { spanOf, type LineRef, type Token } from "./lexer.js";

/** Column span of an operand in its line. */
export interface Where {
  readonly col: number;
  readonly length: number;
}

export type Operand =
  | ({ readonly kind: "reg"; readonly reg: number } & Where)
  | ({ readonly kind: "mem"; readonly base: number; readonly off: bigint; readonly offWhere: Where } & Where)
  | ({ readonly kind: "num"; readonly value: bigint; readonly signed: boolean; readonly text: string } & Where)
  | ({ readonly kind: "word"; readonly name: string } & Where)
  | ({ readonly kind: "pseudo"; readonly name: string; readonly args: readonly (Operand & { kind: "num" })[] } & Where);

/** A human description of an operand for "expected X, got Y" messages. */
export function describe(op: Operand, line: string): string {
  return `'${line.slice(op.col - 1, op.col - 1 + op.length)}'`;
}

class Cursor {
  private i = 0;
  constructor(
    private readonly toks: readonly Token[],
    private readonly ref: LineRef,
    private readonly lineLength: number,
  ) {}
  peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }
  next(): Token | undefined {
    return this.toks[this.i++];
  }
  done(): boolean {
    return this.i >= this.toks.length;
  }
  /** Column just past the last token (for "got end of line"). */
  endCol(): number {
    return this.lineLength + 1;
  }
  fail(code: string, message: string, col: number, length: number): never {
    throw new ParseError(code, message, spanOf(this.ref, col, length));
  }
  /** Consume punctuation `p` or fail with "expected p …, got …". */
  expectPunct(p: string, what: string): Token {
    const t = this.next();
    if (t?.kind === "punct" && t.text === p) return t;
    if (t === undefined) return this.fail("asm.expected", `expected '${p}' ${what}, got end of line`, this.endCol(), 1);
    return this.fail("asm.expected", `expected '${p}' ${what}, got '${t.text}'`, t.col, t.text.length);
  }
}

/** Parse `%rN` (the `%` is required). */
export function parseRegister(t: Token, ref: LineRef): number {
  const m = /^%r(\d+)$/.exec(t.text);
  const n = m !== null ? Number(m[1]) : -1;
  if (n < 0 || n >= NUM_REGS || (m !== null && m[1]!.length > 1 && m[1]![0] === "0")) {
    throw new ParseError(
      "asm.bad-register",
      `expected a register %r0..%r10, got '${t.text}'`,
      spanOf(ref, t.col, t.text.length),
    );
  }
  return n;
}

function parseNumberOperand(c: Cursor): Operand & { kind: "num" } {
  const first = c.next()!;
  let sign = 1n;
  let signed = false;
  let t: Token | undefined = first;
  if (first.kind === "punct" && (first.text === "+" || first.text === "-")) {
    sign = first.text === "-" ? -1n : 1n;
    signed = true;
    t = c.next();
  }
  if (t?.kind !== "num") {
    const got = t === undefined ? "end of line" : `'${t.text}'`;
    return c.fail(
      "asm.expected-number",
      `expected a number after '${first.text}', got ${got}`,
      t?.col ?? c.endCol(),
      t?.text.length ?? 1,
    );
  }
  const text = (signed ? first.text : "") + t.text;
  return {
    kind: "num",
    value: sign * t.value!,
    signed,
    text,
    col: first.col,
    length: t.col + t.text.length - first.col,
  };
}

function parseMemory(c: Cursor, ref: LineRef): Operand {
  const open = c.next()!;
  const r = c.next();
  if (r?.kind !== "reg") {
    const got = r === undefined ? "end of line" : `'${r.text}'`;
    return c.fail(
      "asm.expected-register",
      `expected a base register %r0..%r10 after '[', got ${got}`,
      r?.col ?? c.endCol(),
      r?.text.length ?? 1,
    );
  }
  const base = parseRegister(r, ref);
  let off = 0n;
  let offWhere: Where = { col: r.col + r.text.length, length: 1 };
  const s = c.peek();
  if (s?.kind === "punct" && (s.text === "+" || s.text === "-")) {
    const n = parseNumberOperand(c);
    off = n.value;
    offWhere = { col: n.col, length: n.length };
  }
  const close = c.expectPunct("]", "to close the memory operand");
  return { kind: "mem", base, off, offWhere, col: open.col, length: close.col + 1 - open.col };
}

function parsePseudo(c: Cursor, name: Token): Operand {
  c.next(); // '('
  const args: (Operand & { kind: "num" })[] = [];
  for (;;) {
    const t = c.peek();
    if (t === undefined)
      return c.fail("asm.expected", `expected ')' to close '${name.text}(', got end of line`, c.endCol(), 1);
    if (t.kind === "punct" && t.text === ")") break;
    if (t.kind === "punct" && t.text === "," && args.length > 0) {
      c.next();
      continue;
    }
    if (t.kind === "num" || (t.kind === "punct" && (t.text === "+" || t.text === "-"))) {
      args.push(parseNumberOperand(c));
      continue;
    }
    return c.fail(
      "asm.expected-number",
      `expected a number argument of '${name.text}(…)', got '${t.text}'`,
      t.col,
      t.text.length,
    );
  }
  const close = c.next()!;
  return { kind: "pseudo", name: name.text, args, col: name.col, length: close.col + 1 - name.col };
}

/** Parse all operands in `toks` (the tokens after the mnemonic). */
export function parseOperands(toks: readonly Token[], ref: LineRef, lineLength: number): Operand[] {
  const c = new Cursor(toks, ref, lineLength);
  const out: Operand[] = [];
  while (!c.done()) {
    const t = c.peek()!;
    if (t.kind === "punct" && t.text === ",") {
      if (out.length === 0) c.fail("asm.unexpected", `unexpected ',' before the first operand`, t.col, 1);
      c.next();
      continue;
    }
    if (t.kind === "reg") {
      c.next();
      out.push({ kind: "reg", reg: parseRegister(t, ref), col: t.col, length: t.text.length });
    } else if (t.kind === "punct" && t.text === "[") {
      out.push(parseMemory(c, ref));
    } else if (t.kind === "num" || (t.kind === "punct" && (t.text === "+" || t.text === "-"))) {
      out.push(parseNumberOperand(c));
    } else if (t.kind === "word") {
      c.next();
      const p = c.peek();
      if (p?.kind === "punct" && p.text === "(") out.push(parsePseudo(c, t));
      else out.push({ kind: "word", name: t.text, col: t.col, length: t.text.length });
    } else {
      c.fail(
        "asm.unexpected",
        `unexpected '${t.text}'; expected an operand (register, number, [memory] or label)`,
        t.col,
        t.text.length,
      );
    }
  }
  return out;
}
