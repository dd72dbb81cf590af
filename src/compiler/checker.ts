/**
 * The checker: declarations (maps, constants, functions, entries, tests), statements and
 * control flow. It reports every error it finds (not just the first): unknown names with
 * "did you mean", type and width mismatches, map key/value types, loop bounds, unreachable
 * code, missing verdicts and returns, recursion. Expressions are checked in check-expr.ts.
 * Deliberately absent: warnings; everything reported is an error.
 */
import type { Block, Expr, IfStmt, Item, MapDecl, Program, Span, Stmt } from "./ast.js";
import {
  BUILTIN_CONSTS,
  BUILTIN_FNS,
  MAP_KINDS,
  MAX_LOOP_ITERATIONS,
  MAX_MAP_ENTRIES,
  SOCKET_VALUE_SIZE,
} from "./builtins.js";
import { type Ctx, ExprChecker } from "./check-expr.js";
import { fallOff, fallOffNote } from "./fall-off.js";
import { newSema, type MapInfo, type Sema, type Sym, type VarSym } from "./sema.js";
import { BOOL, defaultIntTy, ERROR, type IntTy, SCALAR_TYPES, suggest, type Ty, tyName, U32, VOID } from "./types.js";

const EVENT_FIELDS = [
  "hash",
  "len",
  "cpu",
  "state",
  "cookie",
  "listener",
  "seed",
  "time",
  "eth_protocol",
  "ip_protocol",
  "bind_inany",
  "numa_node",
];

class Checker extends ExprChecker {
  private fnRet: Ty = VOID;
  /** The line of a reported misspelt statement word: its line's other expression statements are not "unused". */
  private skipLine = -1;
  /** Lines of reported misspelt statement words: a missing verdict found there is that same mistake. */
  private readonly misspeltLines = new Set<number>();

  run(p: Program): void {
    const seen = new Map<string, Span>();
    const declare = (name: string, span: Span, sym: Sym): void => {
      const prev = seen.get(name);
      if (prev !== undefined)
        this.error("check.duplicate", `\`${name}\` is already declared on line ${prev.line}`, span);
      else if (name === "ctx" || name === "listener" || name === "migrating")
        this.error("check.reserved", `\`${name}\` is a builtin name`, span);
      seen.set(name, span);
      this.globals.set(name, sym);
    };
    const decl: Ctx = { where: "decl", entry: null, loops: 0, fn: null };
    for (const it of p.items) {
      if (it.k === "const") {
        const t = this.expr(it.value, decl);
        let ty: Ty = t;
        if (it.type !== null)
          ty = this.coerce(it.value, this.resolveType(it.type.name, it.type.span), `constant \`${it.name}\``);
        const v = this.sema.consts.get(it.value);
        if (v === undefined && t.k !== "error")
          this.error("check.const", `the value of \`${it.name}\` is not a constant`, it.value.span);
        declare(it.name, it.nameSpan, { k: "const", value: v ?? 0n, ty: it.type === null ? t : ty });
      } else if (it.k === "map") {
        const info = this.mapDecl(it, decl);
        if (info !== null) {
          this.sema.maps.push(info);
          declare(it.name, it.nameSpan, { k: "map", info });
        }
      } else if (it.k === "fn") {
        declare(it.name, it.nameSpan, { k: "fn", decl: it });
        this.sema.fns.set(it.name, it);
      }
    }
    for (const it of p.items) this.item(it);
    this.recursion();
  }

  private mapDecl(m: MapDecl, cx: Ctx): MapInfo | null {
    const kind = MAP_KINDS.get(m.kind.name);
    this.expr(m.maxEntries, cx);
    this.coerce(m.maxEntries, U32, "max entries");
    const n = this.sema.consts.get(m.maxEntries);
    if (kind === undefined) {
      this.error(
        "check.map-kind",
        `unknown map kind \`${m.kind.name}\``,
        m.kind.span,
        suggest(m.kind.name, MAP_KINDS.keys()) ?? `map kinds: ${[...MAP_KINDS.keys()].join(", ")}`,
      );
      return null;
    }
    if (n === undefined) this.error("check.const", "max entries must be a constant", m.maxEntries.span);
    else if (n < 1n || n > BigInt(MAX_MAP_ENTRIES))
      this.error("check.range", `max entries must be 1..${MAX_MAP_ENTRIES}, found ${n}`, m.maxEntries.span);
    const keyTy = this.resolveType(m.keyType.name, m.keyType.span);
    if (keyTy.k === "bool") this.error("check.map-key", "map keys must be integers", m.keyType.span);
    if (kind.key !== undefined && keyTy.k === "int" && (keyTy.bits !== 32 || keyTy.signed)) {
      this.error("check.map-key", `${m.kind.name} keys must be u32 (an index), found ${tyName(keyTy)}`, m.keyType.span);
    }
    let valueTy: IntTy | null = null;
    if (kind.sockets) {
      if (m.valueType !== null && m.valueType.name !== "socket")
        this.error(
          "check.map-value",
          `${m.kind.name} values are listeners; write \`${m.kind.name}<${m.keyType.name}>\``,
          m.valueType.span,
        );
    } else if (m.valueType === null) {
      this.error(
        "check.map-value",
        `${m.kind.name} needs a value type: \`${m.kind.name}<${m.keyType.name}, u64>\``,
        m.kind.span,
      );
    } else {
      const vt = this.resolveType(m.valueType.name, m.valueType.span);
      if (vt.k === "int") valueTy = vt;
      else if (vt.k !== "error")
        this.error("check.map-value", `map values must be integers, found ${tyName(vt)}`, m.valueType.span);
    }
    const kt: IntTy = keyTy.k === "int" ? keyTy : (U32 as IntTy);
    return {
      decl: m,
      name: m.name,
      kind,
      kindName: m.kind.name,
      keyTy: kt,
      valueTy,
      keySize: kt.bits / 8,
      valueSize: kind.sockets ? SOCKET_VALUE_SIZE : (valueTy?.bits ?? 64) / 8,
      maxEntries: Number(n ?? 1n),
      fd: this.sema.maps.length + 1,
    };
  }

  private item(it: Item): void {
    if (it.k === "fn") {
      this.scopes = [new Map()];
      for (const p of it.params) {
        const ty = this.resolveType(p.type.name, p.type.span);
        this.bindVar(p, p.name, ty, false, p.span);
      }
      this.fnRet = it.ret === null ? VOID : this.resolveType(it.ret.name, it.ret.span);
      const ends = this.block(it.body, { where: "fn", entry: null, loops: 0, fn: it.name }, false);
      if (!ends && this.fnRet.k !== "void") {
        this.missingEnd(
          "check.missing-return",
          `function \`${it.name}\` can reach its end without returning a ${tyName(this.fnRet)}`,
          it.body,
          it.nameSpan,
          `\`${it.name}\``,
          "`return value`",
        );
      }
    } else if (it.k === "on") {
      const prev = this.sema.entries[it.entry];
      if (prev !== null)
        this.error("check.duplicate", `\`on ${it.entry}\` is already defined on line ${prev.span.line}`, it.span);
      this.sema.entries[it.entry] = it;
      this.scopes = [];
      const ends = this.block(it.body, { where: "entry", entry: it.entry, loops: 0, fn: null }, false);
      if (!ends)
        this.missingEnd(
          "check.missing-verdict",
          `\`on ${it.entry}\` can reach its end without a verdict`,
          it.body,
          it.span,
          `\`on ${it.entry}\``,
          "`pass`, `drop` or `select m[k] else …`",
        );
    } else if (it.k === "test") {
      this.sema.tests.push(it);
      this.scopes = [];
      this.block(it.body, { where: "test", entry: null, loops: 0, fn: null }, false);
    }
  }

  /**
   * A missing verdict or return, reported where a path falls off the end of `body` (not at the
   * `on`/`fn` line), unless that point is a misspelt statement word already reported.
   */
  private missingEnd(code: string, msg: string, body: Block, fallback: Span, what: string, ending: string): void {
    const f = fallOff(body);
    if (f === null) this.error(code, msg, fallback, `end every path with ${ending}`);
    else if (f.how !== "after" || !this.misspeltLines.has(f.span.line))
      this.error(code, msg, f.span, fallOffNote(f, what, `end it with ${ending}`));
  }

  private bindVar(decl: object, name: string, ty: Ty, mut: boolean, span: Span): VarSym {
    const g = this.globals.get(name);
    if (g?.k === "map" || g?.k === "fn")
      this.error("check.shadow", `\`${name}\` would hide the ${g.k} of the same name`, span, "choose another name");
    const v: VarSym = { k: "var", decl, name, ty, mut };
    this.scopes[this.scopes.length - 1]!.set(name, v);
    this.sema.vars.set(decl, v);
    return v;
  }

  /** Check a block; returns true when every path through it ends (verdict, return, break…). */
  private block(b: Block, cx: Ctx, scope = true): boolean {
    if (scope || this.scopes.length === 0) this.scopes.push(new Map());
    let ended = false;
    let reported = false;
    for (const s of b.stmts) {
      if (ended && !reported) {
        this.error(
          "check.unreachable",
          "unreachable code",
          s.span,
          "nothing after a verdict, `return`, `break` or `continue` runs; remove it",
        );
        reported = true;
      }
      if (this.stmt(s, cx)) ended = true;
    }
    this.scopes.pop();
    return ended;
  }

  private stmt(s: Stmt, cx: Ctx): boolean {
    const inTest = cx.where === "test";
    if (inTest && s.k !== "assign" && s.k !== "expect" && s.k !== "assert") {
      this.error(
        "check.test-stmt",
        "a test block holds map contents (`m[k] = v`), `expect` and `assert` lines",
        s.span,
      );
      return false;
    }
    if (!inTest && (s.k === "expect" || s.k === "assert")) {
      this.error("check.test-stmt", `\`${s.k}\` is only allowed in a \`test\` block`, s.span);
      return false;
    }
    switch (s.k) {
      case "let": {
        const t = this.expr(s.init, cx);
        let ty: Ty;
        if (s.type !== null)
          ty = this.coerce(s.init, this.resolveType(s.type.name, s.type.span), `initializer of \`${s.name}\``);
        else if (t.k === "opt") {
          this.error(
            "check.optional",
            `\`${s.name}\` would hold an optional`,
            s.init.span,
            `unwrap it: \`let ${s.name} = … ?? 0\` or \`if let ${s.name} = … { … }\``,
          );
          ty = ERROR;
        } else if (t.k === "void") {
          this.error("check.type", "this call returns no value", s.init.span);
          ty = ERROR;
        } else ty = this.settle(s.init);
        this.bindVar(s, s.name, ty, s.mut, s.nameSpan);
        return false;
      }
      case "assign":
        this.assign(s, cx);
        return false;
      case "expr": {
        if (this.misspeltStatement(s.e, cx)) return false;
        const t = this.expr(s.e, cx);
        if (s.span.line === this.skipLine) return false;
        if (s.e.k !== "call" && t.k !== "error")
          this.error("check.unused", "this expression's value is not used", s.span, "did you mean `=` or `if`?");
        return false;
      }
      case "if":
        return this.ifStmt(s, cx);
      case "for": {
        const ft = this.expr(s.from, cx);
        const tt = this.expr(s.to, cx);
        let ty: Ty = U32;
        if (ft.k === "int") ty = ft;
        else if (tt.k === "int") ty = tt;
        else if (ft.k === "untyped" && tt.k === "untyped") {
          // Two untyped bounds: the loop variable is u32 unless a bound needs a signed or wider type.
          const a0 = this.sema.consts.get(s.from) ?? 0n;
          const b0 = this.sema.consts.get(s.to) ?? 0n;
          const da = defaultIntTy(a0);
          const db = defaultIntTy(b0);
          ty =
            a0 < 0n
              ? db.bits > da.bits
                ? { k: "int", bits: db.bits, signed: true }
                : da
              : db.bits > da.bits
                ? db
                : da;
        }
        this.coerce(s.from, ty, "loop start");
        this.coerce(s.to, ty, "loop end");
        const a = this.sema.consts.get(s.from);
        const b = this.sema.consts.get(s.to);
        if (a === undefined || b === undefined) {
          const n = a === undefined ? "n" : (simpleText(s.to) ?? "n");
          this.error(
            "check.loop-bound",
            "loop bounds must be constants",
            (a === undefined ? s.from : s.to).span,
            `the kernel must prove the loop ends; for a bound known only at run time, loop to a constant and break: \`for ${s.name} in 0..MAX { if ${s.name} >= ${n} { break } … }\` (with \`const MAX = …\`, the largest bound you allow)`,
          );
        } else if (b - a > BigInt(MAX_LOOP_ITERATIONS)) {
          this.error(
            "check.loop-bound",
            `loop runs ${b - a} times; the limit is ${MAX_LOOP_ITERATIONS}`,
            s.to.span,
            "the kernel walks every iteration, within its 1M-instruction budget",
          );
        }
        this.scopes.push(new Map());
        this.bindVar(s, s.name, ty, false, s.nameSpan);
        cx.loops++;
        this.block(s.body, cx);
        cx.loops--;
        this.scopes.pop();
        return false;
      }
      case "break":
      case "continue":
        if (cx.loops === 0) this.error("check.loop", `\`${s.k}\` outside a loop`, s.span);
        return true;
      case "return":
        if (cx.where !== "fn") {
          this.error(
            "check.return",
            "`return` is only allowed in functions",
            s.span,
            "an `on` block ends with a verdict: `pass`, `drop` or `select`",
          );
          return true;
        }
        if (s.value === null) {
          if (this.fnRet.k !== "void")
            this.error("check.return", `expected a ${tyName(this.fnRet)} after \`return\``, s.span);
        } else {
          this.expr(s.value, cx);
          if (this.fnRet.k === "void") this.error("check.return", "this function returns no value", s.value.span);
          else this.coerce(s.value, this.fnRet, "return value");
        }
        return true;
      case "pass":
      case "drop":
        this.verdictHere(s.k, s.span, cx);
        return true;
      case "select": {
        this.verdictHere("select", s.span, cx);
        const sym = this.lookup(s.map);
        if (sym?.k !== "map") {
          const socketMaps = this.sema.maps.filter((m) => m.valueTy === null).map((m) => m.name);
          this.error(
            "check.unknown-name",
            sym === undefined ? `unknown map \`${s.map}\`` : `\`${s.map}\` is not a map`,
            s.mapSpan,
            suggest(s.map, socketMaps),
          );
          this.expr(s.key, cx);
        } else {
          if (sym.info.valueTy !== null)
            this.error(
              "check.select-map",
              `\`select\` needs a socket map (reuseport_sockarray, sockmap, sockhash); \`${s.map}\` is a map of kind ${sym.info.kindName}`,
              s.mapSpan,
            );
          this.expr(s.key, cx);
          this.coerce(s.key, sym.info.keyTy, `key of \`${s.map}\``);
        }
        return s.orElse === "pass" || s.orElse === "drop" ? true : this.block(s.orElse, cx);
      }
      case "block":
        return this.block(s.block, cx);
      case "expect":
        for (const f of s.fields) {
          if (!EVENT_FIELDS.includes(f.name))
            this.error(
              "check.event-field",
              `unknown ${s.event} field \`${f.name}\``,
              f.span,
              suggest(f.name, EVENT_FIELDS) ?? `fields: ${EVENT_FIELDS.join(", ")}`,
            );
          this.constExpr(
            f.value,
            f.name === "bind_inany"
              ? BOOL
              : f.name === "hash" || f.name === "len" || f.name === "cpu" || f.name === "state"
                ? U32
                : SCALAR_TYPES.get("u64")!,
            cx,
          );
        }
        if (s.outcome.k === "select") this.constExpr(s.outcome.cookie, SCALAR_TYPES.get("u64")!, cx);
        return false;
      case "assert":
        this.expr(s.cond, cx);
        this.coerce(s.cond, BOOL, "assertion");
        return false;
    }
  }

  /**
   * A statement that starts with an undeclared word is usually a keyword from another language
   * (`while`) or a misspelt one (`retrun`, `dorp`): say so, with keywords among the suggestions.
   * The rest of the line (`while i < n { … }` parses as three statements) is then not also
   * reported as an unused expression. Returns true when the statement was reported.
   */
  private misspeltStatement(e: Expr, cx: Ctx): boolean {
    const head = e.k === "name" ? e : e.k === "call" && e.callee.k === "name" ? e.callee : null;
    if (
      head === null ||
      this.lookup(head.name) !== undefined ||
      BUILTIN_CONSTS.has(head.name) ||
      BUILTIN_FNS.has(head.name)
    )
      return false;
    // `foo(x)` is an unknown function (check-expr says so, with functions as candidates); only `while (…)` is special.
    if (e.k === "call" && head.name !== "while" && head.name !== "loop") return false;
    if (head.name === "while" || head.name === "loop") {
      this.error(
        "check.while",
        `there is no ${head.name === "while" ? "while loop" : "`loop` statement"}: use \`for i in 0..N\` with \`break\``,
        head.span,
        "the kernel must see every loop end: `for i in 0..MAX { if done { break } … }` with a constant MAX",
      );
    } else {
      const keywords =
        cx.where === "fn"
          ? ["return", "let", "if", "for", "break", "continue"]
          : ["pass", "drop", "select", "let", "if", "for", "break", "continue"];
      this.error(
        "check.unknown-name",
        `unknown name \`${head.name}\``,
        head.span,
        suggest(head.name, [...keywords, ...this.visibleNames()]),
      );
    }
    if (e.k === "call") for (const a of e.args) this.expr(a, cx);
    this.skipLine = head.span.line;
    this.misspeltLines.add(head.span.line);
    return true;
  }

  private constExpr(e: Expr, ty: Ty, cx: Ctx): void {
    const t = this.expr(e, cx);
    if (t.k === "error") return;
    this.coerce(e, ty, "test value");
    if (!this.sema.consts.has(e)) this.error("check.const", "test values must be constants", e.span);
  }

  private verdictHere(what: string, span: Span, cx: Ctx): void {
    if (cx.where === "fn")
      this.error(
        "check.verdict",
        `\`${what}\` is only allowed in \`on\` blocks`,
        span,
        "return a value and decide in the `on` block",
      );
  }

  private assign(s: Stmt & { k: "assign" }, cx: Ctx): void {
    const t = s.target;
    if (t.k === "index" && t.obj.k === "name") {
      const sym = this.lookup(t.obj.name);
      if (sym?.k === "map") {
        this.sema.names.set(t.obj, sym);
        this.expr(t.index, cx);
        this.coerce(t.index, sym.info.keyTy, `key of \`${sym.info.name}\``);
        this.expr(s.value, cx);
        if (cx.where === "test") {
          if (s.op !== "=") this.error("check.test-stmt", "tests set map contents with `=`", s.span);
          this.coerce(
            s.value,
            sym.info.valueTy ?? SCALAR_TYPES.get("u64")!,
            sym.info.valueTy === null ? "listener cookie" : `value of \`${sym.info.name}\``,
          );
          if (!this.sema.consts.has(t.index) || !this.sema.consts.has(s.value))
            this.error("check.const", "test map contents must be constants", s.span);
          return;
        }
        if (sym.info.valueTy === null) {
          this.error(
            "check.socket-map",
            `\`${sym.info.name}\` holds listeners; the program cannot change it (R22: updates only from user space)`,
            s.span,
          );
          return;
        }
        if (s.op !== "=" && s.op !== "+=")
          this.error(
            "check.map-assign",
            `map elements support \`=\` and \`+=\`, not \`${s.op}\``,
            s.span,
            "read with `if let`, compute, then store with `=`",
          );
        this.coerce(s.value, sym.info.valueTy, `value of \`${sym.info.name}\``);
        return;
      }
    }
    if (cx.where === "test") {
      this.error("check.test-stmt", "a test block can only set map contents", s.span);
      return;
    }
    this.expr(s.value, cx);
    if (t.k !== "name") {
      this.expr(t, cx);
      this.error("check.assign", "only variables and map elements can be assigned", t.span);
      return;
    }
    const ty = this.expr(t, cx);
    const sym = this.sema.names.get(t);
    if (sym === undefined) return;
    if (sym.k !== "var") {
      this.error("check.assign", `cannot assign to ${sym.k === "const" ? "constant" : ""} \`${t.name}\``, t.span);
      return;
    }
    if (!sym.mut)
      this.error(
        "check.immutable",
        `cannot assign twice to \`${t.name}\`: it is not mutable`,
        t.span,
        `declare it with \`let mut ${t.name}\``,
      );
    if (s.op !== "=") {
      // `x op= v` checks as `x op v` assigned to x: the value must widen to x's type.
      this.coerce(s.value, ty.k === "int" ? ty : ERROR, `right of \`${s.op}\``);
      const bin = s.op.slice(0, -1);
      const v = this.sema.consts.get(s.value);
      if ((bin === "/" || bin === "%") && v === 0n)
        this.error("check.div-zero", "division by constant zero", s.value.span);
      if ((bin === "<<" || bin === ">>") && v !== undefined && ty.k === "int" && (v < 0n || v >= BigInt(ty.bits)))
        this.error("check.shift", `shift by ${v} is out of range for ${tyName(ty)} (0..${ty.bits - 1})`, s.value.span);
    } else this.coerce(s.value, ty, `value assigned to \`${t.name}\``);
  }

  /** An `if` and its `else if` arms, in a loop (a chain of any length uses constant stack). */
  private ifStmt(first: IfStmt, cx: Ctx): boolean {
    let allEnd = true;
    for (let s: IfStmt | null = first; s !== null;) {
      const t = this.expr(s.cond, cx);
      if (s.bind !== null) {
        if (t.k !== "opt" && t.k !== "error")
          this.error(
            "check.if-let",
            `\`if let\` needs an optional (a map lookup or packet load), found ${tyName(t)}`,
            s.cond.span,
            "use a plain `if`",
          );
        this.scopes.push(new Map());
        this.bindVar(s, s.bind.name, t.k === "opt" ? t.inner : ERROR, false, s.bind.span);
        allEnd = this.block(s.then, cx) && allEnd;
        this.scopes.pop();
      } else {
        this.coerce(s.cond, BOOL, "condition");
        allEnd = this.block(s.then, cx) && allEnd;
      }
      const o: IfStmt["orElse"] = s.orElse;
      if (o === null) return false;
      if (o.k === "block") return this.block(o.block, cx) && allEnd;
      s = o.stmt;
    }
    return allEnd;
  }

  private recursion(): void {
    const state = new Map<string, 1 | 2>();
    const visit = (f: string, path: string[]): void => {
      state.set(f, 1);
      for (const c of this.calls.get(f) ?? []) {
        if (state.get(c.callee) === 1) {
          const cycle = [...path.slice(path.indexOf(c.callee)), c.callee];
          this.error(
            "check.recursion",
            `recursive call: ${cycle.join(" -> ")}`,
            c.span,
            "functions are inlined, so they cannot call themselves; use a `for` loop",
          );
        } else if (state.get(c.callee) === undefined && this.sema.fns.has(c.callee))
          visit(c.callee, [...path, c.callee]);
      }
      state.set(f, 2);
    };
    for (const f of this.sema.fns.keys()) if (state.get(f) === undefined) visit(f, [f]);
  }
}

/** A name or `a.b` as written, for notes that quote the user's expression; null for anything else. */
function simpleText(e: Expr): string | null {
  if (e.k === "name") return e.name;
  if (e.k === "field") {
    const o = simpleText(e.obj);
    return o === null ? null : `${o}.${e.name}`;
  }
  return null;
}

/** Check a parsed program. Errors are in `sema.errors`, sorted by position. */
export function checkProgram(p: Program): Sema {
  const sema = newSema();
  const globals = new Map<string, Sym>([
    ["ctx", { k: "ctx" }],
    ["listener", { k: "listener" }],
    ["migrating", { k: "migrating" }],
  ]);
  new Checker(sema, globals).run(p);
  sema.errors.sort((a, b) => {
    const la = a.location as Span;
    const lb = b.location as Span;
    return la.line - lb.line || la.col - lb.col;
  });
  return sema;
}
