/**
 * Where a path through a block reaches its end without a verdict (or a `return`): the
 * `check.missing-verdict` and `check.missing-return` errors point there rather than at the
 * `on`/`fn` line, so the reader sees which path is missing one. The rules are the checker's
 * (checker.ts `block`): a statement ends its block when every path through it ends.
 */
import type { Block, IfStmt, Span, Stmt } from "./ast.js";

export interface FallOff {
  readonly span: Span;
  /** after: the last statement of the path; no-else: an `if` whose condition is false;
   * loop: a `for` loop, which can finish; empty: an empty block. */
  readonly how: "after" | "no-else" | "loop" | "empty";
}

/** A point where some path through `b` reaches its end, or null when every path ends. */
export function fallOff(b: Block): FallOff | null {
  const last = b.stmts[b.stmts.length - 1];
  if (last === undefined) return { span: b.end ?? b.span, how: "empty" };
  for (const s of b.stmts) if (stmtFallOff(s) === null) return null;
  return stmtFallOff(last);
}

/** Where a path through `s` continues past it, or null when every path through it ends. */
function stmtFallOff(s: Stmt): FallOff | null {
  switch (s.k) {
    case "pass":
    case "drop":
    case "return":
    case "break":
    case "continue":
      return null;
    case "select":
      return s.orElse === "pass" || s.orElse === "drop" ? null : fallOff(s.orElse);
    case "block":
      return fallOff(s.block);
    case "if":
      return ifFallOff(s);
    case "for":
      return { span: s.span, how: "loop" };
    default:
      return { span: s.span, how: "after" };
  }
}

function ifFallOff(first: IfStmt): FallOff | null {
  for (let s: IfStmt | null = first; s !== null;) {
    const arm = fallOff(s.then);
    if (arm !== null) return arm;
    const o: IfStmt["orElse"] = s.orElse;
    if (o === null) return { span: s.span, how: "no-else" };
    if (o.k === "block") return fallOff(o.block);
    s = o.stmt;
  }
  return null;
}

/** The note under a missing-verdict / missing-return error: what happens at that point. */
export function fallOffNote(f: FallOff, what: string, fix: string): string {
  switch (f.how) {
    case "no-else":
      return `when this condition is false (there is no \`else\`), the path reaches the end of ${what}; ${fix}`;
    case "loop":
      return `after this loop the path reaches the end of ${what}; ${fix}`;
    case "empty":
      return `this block is empty, so the path reaches the end of ${what}; ${fix}`;
    case "after":
      return `after this statement the path reaches the end of ${what}; ${fix}`;
  }
}
