/**
 * Compile, verify and test a policy the way `baton check` and `baton test` do, with the same
 * modules: the compiler's diagnostics, the verifier's verdict (its rejection at the source line
 * through the compiler's source map), the `--log-level 2` trace, and the tests — which run only
 * for an accepted program, as the CLI's verifier gate allows.
 */
import { CompileError, ParseError, isSourceSpan, type BatonError } from "../../../src/errors.js";
import { tryCompile, type CompiledPolicy } from "../../../src/compiler/compile.js";
import { runTests } from "../../../src/compiler/test-runner.js";
import { verify, type VerifyResult } from "../../../src/verifier/index.js";
import { formatInsn, helperNamesOf } from "../../../src/vm/asm/disassembler.js";
import { engineByName } from "../../../src/vm/engines.js";
import { isWide } from "../../../src/vm/isa.js";
import { MAP_TYPE_NAMES } from "../../../src/vm/maps/index.js";
import { SK_REUSEPORT } from "../../../src/vm/program-type.js";
import type { Analysis, DebugEvent, Diagnostic, ListingLine, TestView, VerifierView } from "../protocol.js";

/** The file name diagnostics and exports use. */
export const POLICY_FILE = "policy.baton";
/** Trace lines shown at most; a longer trace is cut (its length is reported). */
export const TRACE_MAX = 5000;
/** Above this many processed instructions the level-2 trace is not recorded (it would be ~100 bytes a line). */
const TRACE_PROCESSED_MAX = 50_000;

const now = (): number => performance.now();

function diagnostic(e: BatonError, phase: string): Diagnostic {
  const loc = e.location;
  const span = isSourceSpan(loc) ? loc : { line: 1, col: 1, length: 1 };
  return {
    line: span.line,
    col: span.col,
    length: span.length ?? 1,
    message: e.message,
    code: (e as { code?: string }).code ?? "error",
    phase,
    ...(e.hint !== undefined ? { hint: e.hint } : {}),
  };
}

function phaseOf(e: BatonError): string {
  if (e instanceof ParseError) return "syntax";
  if (e instanceof CompileError) return "type";
  return "compile";
}

export function verifyPolicy(p: CompiledPolicy, logLevel: 0 | 2 = 0): VerifyResult {
  return verify(p.insns, {
    type: SK_REUSEPORT,
    attachType: p.attachType,
    maps: p.maps,
    sourceMap: p.sourceMap,
    logLevel,
  });
}

function listing(p: CompiledPolicy): ListingLine[] {
  const out: ListingLine[] = [];
  const names = helperNamesOf(SK_REUSEPORT);
  for (let pc = 0; pc < p.insns.length; pc += isWide(p.insns[pc]!) ? 2 : 1) {
    out.push({ pc, text: formatInsn(p.insns, pc, "kernel", names), line: p.spans[pc]?.line ?? null });
  }
  return out;
}

/** The instruction a log line is about: `12: (bf) …`, `12: safe`, `from 6 to 9: …`. */
export function traceInsn(line: string): number | null {
  const m = /^(?:from \d+ to )?(\d+):/.exec(line);
  return m === null ? null : Number(m[1]);
}

function verifierView(p: CompiledPolicy, r: VerifyResult, trace: string | null): VerifierView {
  let error: VerifierView["error"] = null;
  if (r.error !== null) {
    const loc = r.error.location;
    const insn = loc !== undefined && "insn" in loc ? loc.insn : (r.detail?.insn ?? null);
    const span = isSourceSpan(loc) ? loc : insn !== null ? p.sourceMap(insn) : undefined;
    error = {
      line: span?.line ?? 1,
      col: span?.col ?? 1,
      length: span?.length ?? 1,
      message: r.error.message,
      code: r.error.code,
      phase: "verifier",
      insn: r.detail?.insn ?? insn,
      ...(r.error.hint !== undefined ? { hint: r.error.hint } : {}),
    };
  }
  const lines = trace === null ? [] : trace.split("\n").filter((l) => l !== "");
  return {
    accepted: r.accepted,
    processed: r.processed,
    states: r.states,
    peakStates: r.peakStates,
    stackDepth: r.stackDepth,
    warnings: r.warnings,
    error,
    detail:
      r.detail === null
        ? null
        : { insn: r.detail.insn, text: r.detail.text, state: r.detail.state, path: r.detail.path },
    trace: lines.slice(0, TRACE_MAX).map((text) => ({ insn: traceInsn(text), text })),
    traceOmitted: trace === null ? -1 : Math.max(0, lines.length - TRACE_MAX),
  };
}

/** Every `expect` event of every test, for the debugger's picker. */
export function debugEvents(p: CompiledPolicy): DebugEvent[] {
  const out: DebugEvent[] = [];
  p.tests.forEach((t, ti) => {
    t.body.stmts.forEach((s, si) => {
      if (s.k !== "expect") return;
      const fields = s.fields.map((f) => `${f.name}: ${p.sema.consts.get(f.value) ?? "?"}`).join(", ");
      out.push({ test: ti, stmt: si, line: s.span.line, label: `${t.name}: ${s.event} { ${fields} }` });
    });
  });
  return out;
}

export function analyze(source: string): Analysis {
  const t0 = now();
  const c = tryCompile(source, POLICY_FILE);
  const t1 = now();
  const ms = { compile: t1 - t0, verify: 0, tests: 0, trace: 0 };
  if (c.policy === null) {
    return {
      diagnostics: c.errors.map((e) => diagnostic(e, phaseOf(e))),
      program: null,
      verifier: null,
      tests: null,
      debugEvents: [],
      ms,
    };
  }
  const p = c.policy;
  const r = verifyPolicy(p);
  const t2 = now();
  ms.verify = t2 - t1;
  // The trace is a second run at log level 2, outside the timed compile + verify.
  const trace = r.processed <= TRACE_PROCESSED_MAX ? verifyPolicy(p, 2).log : null;
  const t3 = now();
  ms.trace = t3 - t2;
  const v = verifierView(p, r, trace);
  let tests: TestView[] | null = null;
  const diagnostics: Diagnostic[] = [];
  if (v.error !== null) diagnostics.push(v.error);
  if (r.accepted) {
    const results = runTests(p, engineByName("interp"));
    tests = results.map((t) => ({
      name: t.name,
      line: t.span.line,
      passed: t.passed,
      events: t.events,
      failures: t.failures.map((f) => ({ line: f.span.line, col: f.span.col, message: f.message })),
    }));
    for (const t of results)
      for (const f of t.failures)
        diagnostics.push({
          line: f.span.line,
          col: f.span.col,
          length: f.span.length ?? 1,
          message: `test "${t.name}" failed: ${f.message}`,
          code: "test.failed",
          phase: "test",
        });
  }
  ms.tests = now() - t3;
  return {
    diagnostics,
    program: {
      name: p.name,
      insns: p.insns.length,
      stackBytes: p.stackBytes,
      listing: listing(p),
      maps: p.maps.map((m) => ({
        fd: m.fd,
        name: m.name ?? "",
        type: MAP_TYPE_NAMES[m.type] ?? String(m.type),
        keySize: m.keySize,
        valueSize: m.valueSize,
        maxEntries: m.maxEntries,
      })),
    },
    verifier: v,
    tests,
    debugEvents: debugEvents(p),
    ms,
  };
}
