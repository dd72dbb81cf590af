/**
 * `baton verify --compare-kernel`: Baton's verifier next to this machine's kernel verifier on
 * the same programs, as veristat compares two runs — one row per program (verdict, processed
 * instructions, verification time, first error line of each side) and a summary line.
 * Times: Baton's is measured around the verify() call (verified-program.ts `verifyTimed`);
 * the kernel's is its own "verification time N usec" (log level 4, BPF_LOG_STATS), which
 * bpf_check() measures around its whole run. Ratios are Baton / kernel over the programs the
 * kernel accepted (it ran to the end on those, so the figures measure the same work).
 */
import { plural } from "../plural.js";

/** One verifier's answer for one program. */
export interface SideResult {
  readonly accepted: boolean;
  /** Processed instructions (null when the verifier never ran: a load error, a map the kernel refused). */
  readonly processed: number | null;
  readonly states: number | null;
  readonly peakStates: number | null;
  /** Verification time in microseconds (null when not measured). */
  readonly us: number | null;
  /** First error line, null when accepted. */
  readonly error: string | null;
}

export interface CompareRow {
  readonly file: string;
  readonly baton: SideResult;
  /** Null when the kernel cannot be asked here. */
  readonly kernel: SideResult | null;
}

export interface RatioStats {
  /** Programs the ratio was taken over. */
  readonly n: number;
  readonly median: number;
  readonly p90: number;
}

export interface CompareSummary {
  readonly programs: number;
  /** Programs with a kernel verdict. */
  readonly compared: number;
  readonly agree: number;
  /** Baton accepts, the kernel rejects (unsound). */
  readonly overAccepts: number;
  /** Baton rejects, the kernel accepts (too weak). */
  readonly underAccepts: number;
  readonly processedRatio: RatioStats | null;
  readonly timeRatio: RatioStats | null;
}

/** Linear interpolation between closest ranks (the same rule as `bench`'s quartiles). */
export function quantile(sorted: readonly number[], q: number): number {
  const x = q * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (x - lo);
}

function ratioStats(ratios: number[]): RatioStats | null {
  if (ratios.length === 0) return null;
  ratios.sort((a, b) => a - b);
  return { n: ratios.length, median: quantile(ratios, 0.5), p90: quantile(ratios, 0.9) };
}

export function summarize(rows: readonly CompareRow[]): CompareSummary {
  let compared = 0;
  let agree = 0;
  let over = 0;
  let under = 0;
  const processed: number[] = [];
  const time: number[] = [];
  for (const { baton: b, kernel: k } of rows) {
    if (k === null) continue;
    compared++;
    if (b.accepted === k.accepted) agree++;
    else if (b.accepted) over++;
    else under++;
    if (!k.accepted) continue;
    if (b.processed !== null && b.processed > 0 && k.processed !== null && k.processed > 0)
      processed.push(b.processed / k.processed);
    if (b.us !== null && k.us !== null && k.us > 0) time.push(b.us / k.us);
  }
  return {
    programs: rows.length,
    compared,
    agree,
    overAccepts: over,
    underAccepts: under,
    processedRatio: ratioStats(processed),
    timeRatio: ratioStats(time),
  };
}

const verdict = (s: SideResult): string => (s.accepted ? "success" : "failure");
const num = (x: number | null): string => (x === null ? "-" : String(Math.round(x)));
const ratio = (a: number | null, b: number | null): string =>
  a === null || b === null || b <= 0 ? "-" : `${(a / b).toFixed(2)}x`;

/** Which way a row disagrees, for the table. */
export function agreement(r: CompareRow): "agree" | "OVER-ACCEPT" | "UNDER-ACCEPT" | "-" {
  if (r.kernel === null) return "-";
  if (r.baton.accepted === r.kernel.accepted) return "agree";
  return r.baton.accepted ? "OVER-ACCEPT" : "UNDER-ACCEPT";
}

/** Space-aligned columns with a dashed rule under the header (veristat's table layout). */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The per-program table: both verifiers side by side, or Baton's columns alone without a kernel. */
export function compareTable(rows: readonly CompareRow[]): string {
  const withKernel = rows.some((r) => r.kernel !== null);
  if (!withKernel) {
    const header = ["File", "Verdict", "Insns", "States", "Peak states", "Time (us)", "Error"];
    return table(
      header,
      rows.map((r) => [
        r.file,
        verdict(r.baton),
        num(r.baton.processed),
        num(r.baton.states),
        num(r.baton.peakStates),
        num(r.baton.us),
        r.baton.error ?? "-",
      ]),
    );
  }
  const header = [
    "File",
    "Verdict (B)",
    "Verdict (K)",
    "Agreement",
    "Insns (B)",
    "Insns (K)",
    "Insns (B/K)",
    "Time us (B)",
    "Time us (K)",
    "Time (B/K)",
    "Error (B)",
    "Error (K)",
  ];
  return table(
    header,
    rows.map((r) => {
      const b = r.baton;
      const k = r.kernel;
      return [
        r.file,
        verdict(b),
        k === null ? "-" : verdict(k),
        agreement(r),
        num(b.processed),
        num(k?.processed ?? null),
        ratio(b.processed, k?.processed ?? null),
        num(b.us),
        num(k?.us ?? null),
        ratio(b.us, k?.us ?? null),
        b.error ?? "-",
        k?.error ?? "-",
      ];
    }),
  );
}

const ratioText = (name: string, r: RatioStats | null): string =>
  r === null
    ? `${name} ratio: no program to compare`
    : `${name} ratio median ${r.median.toFixed(2)}x, p90 ${r.p90.toFixed(2)}x (over ${r.n})`;

/** The summary line printed under the table. */
export function summaryLine(s: CompareSummary): string {
  if (s.compared === 0) return `${plural(s.programs, "program")}; kernel not asked`;
  const pct = ((100 * s.agree) / s.compared).toFixed(1);
  return [
    `${plural(s.programs, "program")}: verdicts agree on ${s.agree}/${s.compared} (${pct}%), over-accepts ${s.overAccepts}, under-accepts ${s.underAccepts}`,
    `Baton/kernel on kernel-accepted programs: ${ratioText("processed", s.processedRatio)}; ${ratioText("time", s.timeRatio)}`,
  ].join("; ");
}
