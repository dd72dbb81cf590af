/**
 * Messages between the page and its Web Worker. Everything that compiles, verifies or runs a
 * program happens in the worker (the same src/ modules as the CLI); the page only renders.
 * Plain data only (structured clone): numbers, strings, arrays, records, Uint8Array.
 */

/** A located message: 1-based line and column in the policy source. */
export interface Diagnostic {
  readonly line: number;
  readonly col: number;
  readonly length: number;
  readonly message: string;
  readonly code: string;
  /** "syntax" | "type" | "verifier" | "test" */
  readonly phase: string;
  readonly hint?: string;
}

export interface ListingLine {
  readonly pc: number;
  readonly text: string;
  /** The policy line that produced this instruction, when known. */
  readonly line: number | null;
}

export interface MapRow {
  readonly fd: number;
  readonly name: string;
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
}

export interface VerifierView {
  readonly accepted: boolean;
  readonly processed: number;
  readonly states: number;
  readonly peakStates: number;
  readonly stackDepth: number;
  readonly warnings: readonly string[];
  /** The rejection at its source line (or instruction), or null. */
  readonly error: (Diagnostic & { readonly insn: number | null }) | null;
  /** For a rejection: the failing instruction, its register state and the branches taken. */
  readonly detail: {
    readonly insn: number;
    readonly text: string;
    readonly state: string;
    readonly path: readonly string[];
  } | null;
  /** The `--log-level 2` trace, one entry per log line, with the instruction it is about. */
  readonly trace: readonly { readonly insn: number | null; readonly text: string }[];
  /** Lines of the full trace left out (the page shows at most TRACE_MAX). */
  readonly traceOmitted: number;
}

export interface TestView {
  readonly name: string;
  readonly line: number;
  readonly passed: boolean;
  readonly events: number;
  readonly failures: readonly { readonly line: number; readonly col: number; readonly message: string }[];
}

/** One `expect` event of a test, as the debugger offers it. */
export interface DebugEvent {
  readonly test: number;
  readonly stmt: number;
  readonly label: string;
  readonly line: number;
}

export interface Analysis {
  readonly diagnostics: readonly Diagnostic[];
  readonly program: {
    readonly name: string | null;
    readonly insns: number;
    readonly stackBytes: number;
    readonly listing: readonly ListingLine[];
    readonly maps: readonly MapRow[];
  } | null;
  readonly verifier: VerifierView | null;
  /** Null when the tests did not run (the program did not compile or was rejected). */
  readonly tests: readonly TestView[] | null;
  readonly debugEvents: readonly DebugEvent[];
  /** Milliseconds (performance.now in the worker): compile, verify, tests, the level-2 trace. */
  readonly ms: { readonly compile: number; readonly verify: number; readonly tests: number; readonly trace: number };
}

export interface DemoColumn {
  readonly title: string;
  readonly rows: Readonly<Record<string, number | string>>;
}

export interface SimView {
  readonly summary: string;
  /** renderReport()'s self-contained HTML (the CLI's `simulate --report`). */
  readonly reportHtml: string;
  readonly resultJson: string;
  readonly note: string | null;
  readonly ms: number;
}

export interface DemoView {
  readonly rowNames: readonly string[];
  readonly columns: readonly DemoColumn[];
  readonly ms: number;
}

export interface DebugState {
  /** Instructions executed so far (the step number). */
  readonly step: number;
  /** Total instructions of the run (the last step). */
  readonly total: number;
  /** The next instruction to run, or null once the program has exited. */
  readonly pc: number | null;
  readonly regs: readonly string[];
  /** Non-zero 8-byte stack words: offset from the stack's top (the main function's r10; negative) → hex. */
  readonly stack: readonly { readonly off: number; readonly hex: string }[];
  readonly maps: readonly { readonly name: string; readonly entries: readonly string[] }[];
  /** What the program returned (after its last step), or a trap. */
  readonly outcome: string | null;
}

export type Request =
  | { readonly kind: "analyze"; readonly id: number; readonly source: string }
  | {
      readonly kind: "simulate";
      readonly id: number;
      readonly source: string;
      readonly scenario: string;
      readonly scenarioText: string;
      readonly seed: number | null;
    }
  | { readonly kind: "demo"; readonly id: number; readonly source: string; readonly seed: number | null }
  | {
      readonly kind: "debug";
      readonly id: number;
      readonly source: string;
      readonly event: number;
      readonly step: number;
    }
  | { readonly kind: "export"; readonly id: number; readonly source: string; readonly what: "elf" | "bin" };

export type Response =
  | { readonly kind: "analysis"; readonly id: number; readonly analysis: Analysis }
  | { readonly kind: "progress"; readonly id: number; readonly fraction: number; readonly label: string }
  | { readonly kind: "sim"; readonly id: number; readonly sim: SimView }
  | { readonly kind: "demo"; readonly id: number; readonly demo: DemoView }
  | { readonly kind: "debug"; readonly id: number; readonly state: DebugState }
  | { readonly kind: "export"; readonly id: number; readonly bytes: Uint8Array; readonly name: string }
  | { readonly kind: "failed"; readonly id: number; readonly message: string };
