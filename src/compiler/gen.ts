/**
 * Statement and program code generation. The program is one SELECT_OR_MIGRATE (attach 40)
 * function: it keeps ctx in r6, tests ctx `migrating_sk` and branches to the `on migrate` body
 * (a request being moved off a closing listener, R12 step 5) or the `on select` body (a new
 * connection, R10). A missing entry is `pass`: SK_PASS with nothing selected, so the kernel
 * picks by hash (R10, R12 step 6). Verdicts end in `r0 = 0|1; exit`, so the return value is
 * provably in [0, 1]. User functions are inlined at each call.
 * Deliberately absent: BPF-to-BPF calls (inlining keeps the kernel's view of every path simple).
 */
import { CompileError } from "../errors.js";
import { BPF_ADD, insnOf, Op, R10 } from "../vm/isa.js";
import { HELPER, SK_DROP, SK_PASS } from "../vm/program-type.js";
import type { Block, Expr, FnDecl, IfStmt, Stmt } from "./ast.js";
import { CTX_MIGRATING_OFFSET } from "./builtins.js";
import { Emitter, type Label } from "./emitter.js";
import { CTX, GenExpr, ldxOf, stxOf } from "./gen-expr.js";
import type { Temp } from "./regalloc.js";
import type { Sema } from "./sema.js";

interface Loop {
  readonly brk: Label;
  readonly cont: Label;
}

class Gen extends GenExpr {
  private loops: Loop[] = [];

  program(): void {
    const { select, migrate } = this.sema.entries;
    this.em.span = select?.span ?? migrate?.span;
    this.em.mov(CTX, 1);
    const mig = this.em.label();
    this.em.ldx(Op.LDX_DW, 1, CTX, CTX_MIGRATING_OFFSET);
    this.em.jump(Op.JNE_K, 1, 0, 0, mig);
    this.entry(select?.body ?? null, select?.span);
    this.em.bind(mig);
    this.entry(migrate?.body ?? null, migrate?.span);
  }

  private entry(body: Block | null, span: Expr["span"] | undefined): void {
    if (body === null) {
      this.em.exit(SK_PASS);
      return;
    }
    this.em.span = span;
    this.block(body);
  }

  private block(b: Block): void {
    const declared: object[] = [];
    const base = this.temps.count; // an inlined body runs inside an outer expression
    this.enter(b.span);
    for (const s of b.stmts) {
      this.at(s.span, () => this.stmt(s, declared));
      if (this.temps.count !== base) throw this.bug(s, "temporaries live across a statement");
    }
    this.depth--;
    for (const d of declared) this.release(d);
  }

  private release(d: object): void {
    const s = this.storage.get(d);
    if (s !== undefined) {
      this.vars.release(s);
      this.storage.delete(d);
    }
  }

  private declare(d: object): import("./regalloc.js").Storage {
    const s = this.vars.alloc(this.em.span);
    this.storage.set(d, s);
    return s;
  }

  private store(t: Temp, d: object): void {
    const s = this.storage.get(d)!;
    this.writeVar(s, this.temps.reg(t));
    this.temps.free(t);
  }

  private stmt(s: Stmt, declared: object[]): void {
    switch (s.k) {
      case "let": {
        const t = this.gen(s.init);
        this.declare(s);
        declared.push(s);
        this.store(t, s);
        return;
      }
      case "assign":
        return this.assign(s);
      case "expr": {
        const t = this.exprStmt(s.e);
        if (t !== null) this.temps.free(t);
        return;
      }
      case "if":
        return this.ifStmt(s);
      case "for":
        return this.forStmt(s);
      case "break":
        this.em.goto(this.loops[this.loops.length - 1]!.brk);
        return;
      case "continue":
        this.em.goto(this.loops[this.loops.length - 1]!.cont);
        return;
      case "return": {
        const f = this.inline[this.inline.length - 1]!;
        if (s.value !== null && f.result !== null) {
          const t = this.gen(s.value);
          this.writeVar(f.result, this.temps.reg(t));
          this.temps.free(t);
        }
        this.em.goto(f.end);
        return;
      }
      case "pass":
        this.em.exit(SK_PASS);
        return;
      case "drop":
        this.em.exit(SK_DROP);
        return;
      case "select":
        return this.select(s);
      case "block":
        return this.block(s.block);
      default:
        return; // test-only statements generate no code
    }
  }

  private exprStmt(e: Expr): Temp | null {
    if (e.k === "call" && e.callee.k === "name") {
      const sym = this.sema.names.get(e.callee);
      if (sym?.k === "fn") return this.at(e.span, () => this.inlineCall(e, sym.decl));
    }
    return this.gen(e);
  }

  /** `select m[k] else …`: bpf_sk_select_reuseport(ctx, m, &k, 0), then SK_PASS (R21). */
  private select(s: Stmt & { k: "select" }): void {
    const m = this.sema.maps.find((x) => x.name === s.map)!;
    const koff = this.storeOnStack(s.key, m.keySize);
    this.temps.spillAll();
    this.em.mov(1, CTX);
    this.loadMapPtr(2, m);
    this.em.mov(3, R10);
    this.em.aluImm(Op.ADD64_K, 3, koff);
    this.em.movImm(4, 0n);
    this.em.call(HELPER.sk_select_reuseport);
    this.frame.release(koff);
    const failed = this.em.label();
    this.em.jump(Op.JNE_K, 0, 0, 0, failed);
    this.em.exit(SK_PASS);
    this.em.bind(failed);
    if (s.orElse === "pass") this.em.exit(SK_PASS);
    else if (s.orElse === "drop") this.em.exit(SK_DROP);
    else this.block(s.orElse);
  }

  private assign(s: Stmt & { k: "assign" }): void {
    const t = s.target;
    if (t.k === "index") {
      const m = this.mapInfo(t.obj);
      const koff = this.storeOnStack(t.index, m.keySize);
      const voff = this.storeOnStack(s.value, m.valueSize);
      this.temps.spillAll();
      const update = (flags: bigint): void => {
        this.loadMapPtr(1, m);
        this.em.mov(2, R10);
        this.em.aluImm(Op.ADD64_K, 2, koff);
        this.em.mov(3, R10);
        this.em.aluImm(Op.ADD64_K, 3, voff);
        this.em.movImm(4, flags);
        this.em.call(HELPER.map_update_elem);
      };
      if (s.op === "=") update(0n);
      else {
        // `m[k] += v`: add in place (atomically for 4/8-byte values); insert v when absent.
        const absent = this.em.label();
        const end = this.em.label();
        this.loadMapPtr(1, m);
        this.em.mov(2, R10);
        this.em.aluImm(Op.ADD64_K, 2, koff);
        this.em.call(HELPER.map_lookup_elem);
        this.em.jump(Op.JEQ_K, 0, 0, 0, absent);
        this.em.ldx(ldxOf(m.valueSize), 1, R10, voff);
        // The atomic operation (imm) is `lock add`, spelled by its ALU code as the RFC does.
        if (m.valueSize >= 4) this.em.emit(insnOf(m.valueSize === 8 ? Op.ATOMIC64 : Op.ATOMIC32, 0, 1, 0, BPF_ADD));
        else {
          this.em.ldx(ldxOf(m.valueSize), 2, 0, 0);
          this.em.alu(Op.ADD64_X, 2, 1);
          this.em.stx(stxOf(m.valueSize), 0, 0, 2);
        }
        this.em.goto(end);
        this.em.bind(absent);
        update(1n);
        this.em.bind(end);
      }
      this.frame.release(voff);
      this.frame.release(koff);
      return;
    }
    if (t.k !== "name") return;
    const sym = this.sema.names.get(t);
    if (sym?.k !== "var") return;
    const st = this.storage.get(sym.decl)!;
    if (s.op === "=") {
      const v = this.gen(s.value);
      this.writeVar(st, this.temps.reg(v));
      this.temps.free(v);
      return;
    }
    // `x op= v` is `x = x op v` with x's type.
    const bin: Expr = { k: "binary", op: s.op.slice(0, -1), l: t, r: s.value, span: s.span };
    this.sema.types.set(bin, sym.ty);
    const v = this.gen(bin);
    this.writeVar(st, this.temps.reg(v));
    this.temps.free(v);
  }

  /**
   * An `if` and its plain `else if` arms in a loop (a chain of any length uses constant stack):
   * every arm's `then` jumps to one end label, bound where each nested arm's own end would be.
   * An `if let` arm continues through `optional`'s callbacks, which recurse.
   */
  private ifStmt(first: IfStmt): void {
    const end = this.em.label();
    const span = this.em.span;
    let s = first;
    for (;;) {
      if (s.bind !== null || this.sema.consts.get(s.cond) !== undefined) {
        this.ifArm(s);
        break;
      }
      const els = this.em.label();
      this.branchFalse(s.cond, els);
      this.block(s.then);
      const o: IfStmt["orElse"] = s.orElse;
      if (o !== null) this.em.goto(end);
      this.em.bind(els);
      if (o === null) break;
      if (o.k === "block") {
        this.block(o.block);
        break;
      }
      s = o.stmt;
      this.em.span = s.span;
    }
    this.em.bind(end);
    this.em.span = span;
  }

  /** One `if let` or constant-condition arm (and what follows it). */
  private ifArm(s: IfStmt): void {
    const els = this.em.label();
    const end = this.em.label();
    const c = this.sema.consts.get(s.cond);
    if (s.bind !== null) {
      const bind = s.bind;
      this.optional(
        s.cond,
        () => {
          this.at(bind.span, () => {
            this.declare(s);
            this.writeVar(this.storage.get(s)!, 0);
          });
          this.block(s.then);
          this.release(s);
        },
        () => this.elseBranch(s),
      );
      return;
    }
    if (c !== undefined) {
      // A constant condition: only the branch that runs is generated.
      if (c !== 0n) this.block(s.then);
      else this.elseBranch(s);
      return;
    }
    this.branchFalse(s.cond, els);
    this.block(s.then);
    if (s.orElse !== null) this.em.goto(end);
    this.em.bind(els);
    this.elseBranch(s);
    this.em.bind(end);
  }

  private elseBranch(s: IfStmt): void {
    const o = s.orElse;
    if (o === null) return;
    if (o.k === "block") this.block(o.block);
    else this.at(o.stmt.span, () => this.ifStmt(o.stmt));
  }

  /** `for i in a..b`: the counter is compared with a constant, so the kernel sees the bound. */
  private forStmt(s: Stmt & { k: "for" }): void {
    const from = this.sema.consts.get(s.from) ?? 0n;
    const to = this.sema.consts.get(s.to) ?? 0n;
    if (from >= to) return;
    const ty = this.sema.vars.get(s)!.ty;
    const signed = ty.k === "int" && ty.signed;
    const st = this.declare(s);
    const t = this.temps.alloc();
    this.em.movImm(t.reg, from);
    this.writeVar(st, t.reg);
    this.temps.free(t);
    const head = this.em.label();
    const loop: Loop = { brk: this.em.label(), cont: this.em.label() };
    this.em.bindHead(head);
    const c = this.temps.alloc();
    this.readVar(st, c.reg);
    const [jgeK, jgeX] = signed ? [Op.JSGE_K, Op.JSGE_X] : [Op.JGE_K, Op.JGE_X];
    if (to < 1n << 31n) this.em.jump(jgeK, c.reg, 0, Number(to), loop.brk);
    else {
      const b = this.temps.alloc([c]);
      this.em.movImm(b.reg, to);
      this.em.jump(jgeX, c.reg, b.reg, 0, loop.brk);
      this.temps.free(b);
    }
    this.temps.free(c);
    this.loops.push(loop);
    this.block(s.body);
    this.loops.pop();
    this.em.bind(loop.cont);
    const n = this.temps.alloc();
    this.readVar(st, n.reg);
    this.em.aluImm(Op.ADD64_K, n.reg, 1);
    this.writeVar(st, n.reg);
    this.temps.free(n);
    this.em.goto(head);
    this.em.bind(loop.brk);
    this.release(s);
  }

  override inlineCall(e: Expr & { k: "call" }, decl: FnDecl): Temp | null {
    this.temps.spillAll();
    // Arguments are evaluated left to right into the parameters' storage.
    const params: object[] = [];
    for (let i = 0; i < decl.params.length; i++) {
      const p = decl.params[i]!;
      const t = this.gen(e.args[i]!);
      this.declare(p);
      params.push(p);
      this.store(t, p);
    }
    const result = decl.ret === null ? null : this.vars.alloc(e.span);
    const frame = { result, end: this.em.label() };
    this.inline.push(frame);
    const savedLoops = this.loops;
    this.loops = [];
    this.at(decl.body.span, () => this.block(decl.body));
    this.loops = savedLoops;
    this.inline.pop();
    this.em.bind(frame.end);
    for (const p of params) this.release(p);
    if (result === null) return null;
    const t = this.temps.alloc();
    this.readVar(result, t.reg);
    this.vars.release(result);
    return t;
  }
}

export interface GenOutput {
  readonly emitter: Emitter;
  readonly stackBytes: number;
}

/** Generate the program for a checked policy. */
export function generate(sema: Sema): GenOutput {
  const em = new Emitter();
  const g = new Gen(em, sema);
  try {
    g.program();
  } catch (e) {
    // Inlining stacks each callee's nesting on its caller's (the parser bounds one function's):
    // past what the JS stack holds, a located error instead of a crash.
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new CompileError(
        "codegen.too-deep",
        `functions inlined into each other nest too deeply to generate (${g.deepest.depth} expression and block levels)`,
        g.deepest.span,
        "a call inlines the function's body where it is called: call deeply nested functions from shallower places, or split their expressions with `let`",
      );
    }
    throw e;
  }
  return { emitter: em, stackBytes: g.frame.maxDepth };
}
