/**
 * The `bpf_asm` assembler (tools/bpf/bpf_exp.y): text to `struct sock_filter` records.
 * Accepts every form of the kernel tool, plus `[x+4]` written without spaces (bpf_asm's lexer
 * reads `+4` as a number there and fails). Stricter than bpf_asm where it only printed and
 * went on: a duplicate label, a backward `ja` and a number wider than 32 bits are errors.
 * Every error is located at line:col of the offending token.
 */
import { ParseError, type SourceSpan } from "../../errors.js";
import { lex, type Mnemonic, type Token } from "./asm-lexer.js";
import { insn, type SockFilter } from "./filter.js";
import * as O from "./opcodes.js";

interface Pending {
  code: number;
  jt: number;
  jf: number;
  k: number;
  /** Labels to resolve: true branch, false branch, ja target. */
  jtLabel?: Token & { kind: "label" };
  jfLabel?: Token & { kind: "label" };
  kLabel?: Token & { kind: "label" };
  at: Token;
}

const ALU: ReadonlyMap<string, number> = new Map(O.ALU_OPS);

class Parser {
  private pos = 0;
  readonly out: Pending[] = [];
  readonly labels = new Map<string, { index: number; tok: Token }>();

  constructor(
    private readonly toks: readonly Token[],
    private readonly file: string,
    private readonly text: string,
  ) {}

  private span(t: Token | undefined): SourceSpan {
    if (t === undefined) {
      const lines = this.text.split("\n");
      return { file: this.file, line: lines.length, col: (lines[lines.length - 1]?.length ?? 0) + 1 };
    }
    return { file: this.file, line: t.line, col: t.col, length: t.text.length };
  }

  fail(t: Token | undefined, code: string, message: string): never {
    throw new ParseError(`cbpf.asm.${code}`, message, this.span(t));
  }

  private peek(): Token | undefined {
    return this.toks[this.pos];
  }

  private next(what: string): Token {
    const t = this.toks[this.pos];
    if (t === undefined) this.fail(undefined, "eof", `expected ${what}, found the end of the input`);
    this.pos++;
    return t;
  }

  private isPunct(t: Token | undefined, ch: string): boolean {
    return t !== undefined && t.kind === "punct" && t.ch === ch;
  }

  private punct(ch: string, what = `'${ch}'`): void {
    const t = this.next(what);
    if (!this.isPunct(t, ch)) this.fail(t, "syntax", `expected ${what}, found '${t.text}'`);
  }

  private number(): number {
    const t = this.next("a number");
    if (t.kind !== "num") this.fail(t, "syntax", `expected a number, found '${t.text}'`);
    return t.value;
  }

  private label(): Token & { kind: "label" } {
    const t = this.next("a label");
    if (t.kind !== "label")
      this.fail(
        t,
        "syntax",
        `expected a label, found '${t.text}'${t.kind === "op" || t.kind === "ext" || t.kind === "len" ? " (a keyword cannot name a label)" : ""}`,
      );
    return t;
  }

  /** `x` or `%x`: consumed when present. */
  private regX(): boolean {
    if (this.isPunct(this.peek(), "%") && this.isPunct(this.toks[this.pos + 1], "x")) {
      this.pos += 2;
      return true;
    }
    if (this.isPunct(this.peek(), "x")) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** `#k` (the `#` optional where `optionalHash`). */
  private imm(optionalHash = false): number {
    if (this.isPunct(this.peek(), "#")) this.pos++;
    else if (!optionalHash) {
      const t = this.peek();
      if (t === undefined) this.next("'#k' or 'x'");
      this.fail(t, "syntax", `expected '#k' or 'x', found ${t === undefined ? "the end of the input" : `'${t.text}'`}`);
    }
    return this.number();
  }

  /** After `[`: `x + k]` (indirect) or `k]` (absolute). */
  private bracket(): { ind: boolean; k: number } {
    if (this.regX()) {
      const t = this.peek();
      if (t?.kind === "num" && t.text.startsWith("+")) {
        this.pos++;
        this.punct("]");
        return { ind: true, k: t.value };
      }
      this.punct("+", "'+' after x");
      const k = this.number();
      this.punct("]");
      return { ind: true, k };
    }
    const k = this.number();
    this.punct("]");
    return { ind: false, k };
  }

  /** `M[k]`. */
  private mem(): number {
    const t = this.next("M[k]");
    if (!this.isPunct(t, "m")) this.fail(t, "syntax", `expected M[k], found '${t.text}'`);
    this.punct("[");
    const k = this.number();
    this.punct("]");
    return k;
  }

  /** `4*([k]&0xf)` (after the leading number has been read as `four`). */
  private msh(four: Token): number {
    const scale = four.kind === "num" ? four.value : -1;
    this.punct("*");
    this.punct("(");
    this.punct("[");
    const k = this.number();
    this.punct("]");
    this.punct("&");
    const maskTok = this.next("0xf");
    if (maskTok.kind !== "num") this.fail(maskTok, "syntax", `expected 0xf, found '${maskTok.text}'`);
    this.punct(")");
    if (scale !== 4 || maskTok.value !== 0xf)
      this.fail(four, "msh", "ldxb supports only 4*([k]&0xf) (the IPv4 header length load)");
    return k;
  }

  private emit(
    at: Token,
    code: number,
    k = 0,
    labels: Partial<Pick<Pending, "jtLabel" | "jfLabel" | "kLabel">> = {},
  ): void {
    if (this.out.length >= O.BPF_MAXINSNS)
      this.fail(at, "too-long", `a classic BPF program has at most ${O.BPF_MAXINSNS} instructions`);
    this.out.push({ code, jt: 0, jf: 0, k: k >>> 0, at, ...labels });
  }

  parse(): void {
    while (this.pos < this.toks.length) {
      let t = this.next("an instruction");
      if (t.kind === "label") {
        const colon = this.peek();
        if (!this.isPunct(colon, ":"))
          this.fail(t, "unknown-mnemonic", `unknown instruction '${t.text}' (a label definition needs a ':')`);
        this.pos++;
        const prev = this.labels.get(t.name);
        if (prev !== undefined)
          this.fail(t, "duplicate-label", `label '${t.name}' is already defined at line ${prev.tok.line}`);
        this.labels.set(t.name, { index: this.out.length, tok: t });
        t = this.next("an instruction after the label");
      }
      if (t.kind !== "op") this.fail(t, "syntax", `expected an instruction, found '${t.text}'`);
      this.instruction(t.op, t);
    }
  }

  private ldSized(op: "ld" | "ldh" | "ldb", at: Token, sz: number): void {
    const t = this.peek();
    if (t?.kind === "ext") {
      this.pos++;
      this.emit(at, O.C_LD | sz | O.M_ABS, O.ancK(t.ad));
      return;
    }
    if (this.isPunct(t, "[")) {
      this.pos++;
      const b = this.bracket();
      this.emit(at, O.C_LD | sz | (b.ind ? O.M_IND : O.M_ABS), b.k);
      return;
    }
    if (op === "ld") {
      if (t?.kind === "len") {
        this.pos++;
        this.emit(at, O.LD_W_LEN);
        return;
      }
      if (this.isPunct(t, "m")) {
        this.emit(at, O.LD_MEM, this.mem());
        return;
      }
      if (this.isPunct(t, "#")) {
        this.emit(at, O.LD_IMM, this.imm());
        return;
      }
    }
    this.fail(
      t ?? at,
      "syntax",
      `${op}: expected ${op === "ld" ? "#k, #len, an extension, M[k], [k] or [x + k]" : "[k], [x + k] or an extension"}${t === undefined ? "" : `, found '${t.text}'`}`,
    );
  }

  private condJump(op: Mnemonic, at: Token): void {
    const x = this.regX();
    const k = x ? 0 : this.imm();
    this.punct(",");
    const first = this.label();
    let second: (Token & { kind: "label" }) | undefined;
    const twoLabels = op === "jeq" || op === "jgt" || op === "jge" || op === "jset";
    if (twoLabels && this.isPunct(this.peek(), ",")) {
      this.pos++;
      second = this.label();
    }
    const src = x ? O.SRC_X : O.SRC_K;
    // jneq/jlt/jle: the kernel's opposite test with the label as the false branch.
    const base: Record<string, number> = {
      jeq: O.J_JEQ,
      jgt: O.J_JGT,
      jge: O.J_JGE,
      jset: O.J_JSET,
      jneq: O.J_JEQ,
      jne: O.J_JEQ,
      jlt: O.J_JGE,
      jle: O.J_JGT,
    };
    const code = O.C_JMP | base[op]! | src;
    if (twoLabels)
      this.emit(at, code, k, second === undefined ? { jtLabel: first } : { jtLabel: first, jfLabel: second });
    else this.emit(at, code, k, { jfLabel: first });
  }

  private instruction(op: Mnemonic, at: Token): void {
    switch (op) {
      case "ld":
        return this.ldSized("ld", at, O.S_W);
      case "ldh":
        return this.ldSized("ldh", at, O.S_H);
      case "ldb":
        return this.ldSized("ldb", at, O.S_B);
      case "ldi":
        return this.emit(at, O.LD_IMM, this.imm(true));
      case "ldxi":
        return this.emit(at, O.LDX_IMM, this.imm(true));
      case "ldx":
      case "ldxb": {
        const t = this.peek();
        if (op === "ldx" && t?.kind === "len") {
          this.pos++;
          return this.emit(at, O.LDX_W_LEN);
        }
        if (op === "ldx" && this.isPunct(t, "m")) return this.emit(at, O.LDX_MEM, this.mem());
        if (op === "ldx" && this.isPunct(t, "#")) return this.emit(at, O.LDX_IMM, this.imm());
        if (t?.kind === "num") {
          this.pos++;
          return this.emit(at, O.LDX_B_MSH, this.msh(t));
        }
        return this.fail(
          t ?? at,
          "syntax",
          `${op}: expected ${op === "ldx" ? "#k, #len, M[k] or " : ""}4*([k]&0xf)${t === undefined ? "" : `, found '${t.text}'`}`,
        );
      }
      case "st":
        return this.emit(at, O.ST, this.mem());
      case "stx":
        return this.emit(at, O.STX, this.mem());
      case "jmp":
      case "ja":
        return this.emit(at, O.JA, 0, { kLabel: this.label() });
      case "jeq":
      case "jneq":
      case "jne":
      case "jlt":
      case "jle":
      case "jgt":
      case "jge":
      case "jset":
        return this.condJump(op, at);
      case "neg":
        return this.emit(at, O.ALU_NEG);
      case "ret": {
        if (this.isPunct(this.peek(), "%")) this.pos++;
        const t = this.peek();
        if (this.isPunct(t, "a")) {
          this.pos++;
          return this.emit(at, O.RET_A);
        }
        if (this.isPunct(t, "x")) {
          this.pos++;
          return this.emit(at, O.RET_X);
        }
        return this.emit(at, O.RET_K, this.imm());
      }
      case "tax":
        return this.emit(at, O.TAX);
      case "txa":
        return this.emit(at, O.TXA);
      default: {
        const aluOp = ALU.get(op);
        if (aluOp === undefined) return this.fail(at, "unknown-mnemonic", `unknown instruction '${op}'`);
        if (this.regX()) return this.emit(at, O.C_ALU | aluOp | O.SRC_X);
        return this.emit(at, O.C_ALU | aluOp | O.SRC_K, this.imm());
      }
    }
  }

  /** Resolve labels into jt/jf (0-255 forward) and ja k (forward). */
  resolve(): SockFilter[] {
    const find = (l: Token & { kind: "label" }): number => {
      const d = this.labels.get(l.name);
      if (d === undefined) this.fail(l, "unknown-label", `no such label '${l.name}'`);
      return d.index;
    };
    return this.out.map((p, i) => {
      let { jt, jf, k } = p;
      const rel = (l: Token & { kind: "label" }, what: string, max: number): number => {
        const target = find(l);
        const delta = target - i - 1;
        if (delta < 0)
          this.fail(
            l,
            "backward-jump",
            `${what} to '${l.name}' (insn ${target}) goes backward from insn ${i}; classic BPF jumps only forward`,
          );
        if (delta > max)
          this.fail(
            l,
            "jump-range",
            `${what} to '${l.name}' (insn ${target}) is ${delta} instructions ahead of insn ${i}; a conditional branch reaches at most ${max}`,
          );
        return delta;
      };
      if (p.jtLabel !== undefined) jt = rel(p.jtLabel, "jump", 255);
      if (p.jfLabel !== undefined) jf = rel(p.jfLabel, "jump", 255);
      if (p.kLabel !== undefined) k = rel(p.kLabel, "ja", 0xffffffff);
      return insn(p.code, jt, jf, k);
    });
  }
}

/** Assemble bpf_asm text. */
export function assembleClassic(text: string, file = "<input>"): SockFilter[] {
  const p = new Parser(lex(text, file), file, text);
  p.parse();
  if (p.out.length === 0) p.fail(undefined, "empty", "no instructions (a classic BPF program needs at least one)");
  return p.resolve();
}
