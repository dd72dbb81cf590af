/**
 * The shape every `bench/*.bench.ts` module exports: `suites`, each a list of cases timed by
 * bench/run.ts. A case may name another case of its suite as its baseline; the runner reports
 * the ratio ns(case) / ns(baseline).
 */
export interface BenchCase {
  /** Row name, e.g. "least_loaded/interp". */
  readonly name: string;
  /** Engine label: "interp", "jit", "js" (hand-written baseline)… */
  readonly engine: string;
  /** One operation. */
  readonly fn: () => void;
  /** Name of the baseline case in the same suite, if any. */
  readonly baseline?: string;
}

/** A figure measured outside the `benchmark` package (e.g. a C reference program), reported as a row. */
export interface ExternalCase {
  readonly name: string;
  readonly engine: string;
  readonly nsPerOp: number;
  /** Relative margin of error at 95 %, as the `benchmark` package reports it. */
  readonly rmePercent: number;
  readonly baseline?: string;
  /** Peak resident memory of the process that ran the case (scale rows). */
  readonly peakRssMB?: number;
}

export interface BenchSuite {
  readonly name: string;
  /** Throws if the cases disagree (run once before timing). */
  readonly check?: () => void;
  readonly cases: readonly BenchCase[];
  /** Rows measured elsewhere, run after the cases; an empty list when the tool is missing. */
  readonly external?: () => readonly ExternalCase[];
}

export interface ResultRow {
  name: string;
  engine: string;
  ns_per_op: number;
  rme_percent: number;
  baseline: string | null;
  ratio_to_baseline: number | null;
  /** Peak resident memory, MB, where measured (scale rows: the case's own process). */
  peak_rss_mb?: number;
}
