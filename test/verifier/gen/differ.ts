/**
 * One differential check of a program: the kernel's verdict (native/bpf_verify, log level 1)
 * against the verify() of the tree at `srcRoot` (kernel-fuzz.ts, minimize.ts). The tree is
 * imported dynamically, so the frozen pre-fix worktree can be tested with this checkout's
 * generators. Outcomes are described in kernel-fuzz.ts.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { MapSpec } from "../../../src/vm/map-spec.js";
import type { VerifyResult } from "../../../src/verifier/verify.js";

export type Outcome = "agree" | "over" | "under" | "weak" | "slow" | "crash" | "skip";
export const OUTCOMES: readonly Outcome[] = ["over", "under", "weak", "slow", "crash"];

export interface Job {
  readonly cls: string;
  readonly seed: number;
  readonly src: string;
  readonly maps: readonly MapSpec[];
  readonly mapsHeader: string;
}

export interface Result {
  outcome: Outcome;
  kAccepted?: boolean;
  kMsg?: string;
  kProcessed?: number;
  bMsg?: string;
  bProcessed?: number;
}

/** The kernel's error line (as record-kernel.ts reads it): the first non-state line after the trace. */
export function kernelMessage(log: string): string {
  const lines = log.trim().split("\n");
  let last = -1;
  lines.forEach((l, i) => {
    if (/^(\d+: |from \d+ to \d+)/.test(l)) last = i;
  });
  const m = lines
    .slice(last + 1)
    .find(
      (l) =>
        !/^(processed \d+ insns|cur state:|old state:|caller:|callee:|returning from callee:|to caller at|; |verification time|stack depth|\s|R\d+=|frame\d|$)/.test(
          l,
        ),
    );
  return m ?? lines[0] ?? "";
}

const processedOf = (log: string): number => Number(/processed (\d+) insns/.exec(log)?.[1] ?? NaN);

export interface Differ {
  readonly srcRoot: string;
  readonly available: { readonly available: boolean; readonly reason: string };
  run(job: Job): Promise<Result>;
  parseMaps(header: string): MapSpec[];
}

/** Load the tree at `srcRoot` (default: this checkout's src/). `fullBudget`: Baton always gets 1,000,000 insns. */
export async function loadDiffer(
  srcRoot = resolve(new URL("../../../src", import.meta.url).pathname),
  fullBudget = false,
): Promise<Differ> {
  const load = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(`${srcRoot}/${rel}`).href)) as T;
  const { assemble } = await load<typeof import("../../../src/vm/asm/assembler.js")>("vm/asm/assembler.ts");
  const { decode } = await load<typeof import("../../../src/vm/isa.js")>("vm/isa.ts");
  const { SK_REUSEPORT } = await load<typeof import("../../../src/vm/program-type.js")>("vm/program-type.ts");
  const { verify } = await load<typeof import("../../../src/verifier/index.js")>("verifier/index.ts");
  const { kernelVerify, kernelAvailability } =
    await load<typeof import("../../../src/kernel/verifier.js")>("kernel/verifier.ts");
  const { VerifyError } = await load<typeof import("../../../src/errors.js")>("errors.ts");
  const { parseMapArg } = await load<typeof import("../../../src/verifier/map-arg.js")>("verifier/map-arg.ts");

  function batonVerify(bytes: Uint8Array, maps: readonly MapSpec[], budget: number): VerifyResult | Error {
    try {
      return verify(decode(bytes), { type: SK_REUSEPORT, attachType: 40, maps, budget });
    } catch (e) {
      // verify() reports rejections in its result; anything thrown is an internal error.
      return e instanceof Error ? e : new Error(String(e));
    }
  }

  async function run(job: Job): Promise<Result> {
    let bytes: Uint8Array;
    try {
      bytes = assemble(job.src);
    } catch {
      return { outcome: "skip" };
    }
    // Only the fields every tree's KernelVerdict has (the live one grew a `stats` field).
    let k: { accepted: boolean; log: string };
    try {
      k = await kernelVerify(bytes, { attachType: 40, maps: job.maps, logLevel: 1 });
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.code !== "kernel.unknown-map") return { outcome: "skip", kMsg: err.message };
      // The bridge refuses an undeclared map fd; the kernel refuses any lddw fd that names no map.
      k = { accepted: false, log: `${err.message} (bridge: the kernel refuses an fd that names no map)\n` };
    }
    const kProcessed = processedOf(k.log);
    const kMsg = k.accepted ? "" : kernelMessage(k.log);
    const budget = fullBudget ? 1_000_000 : k.accepted ? Math.max(5_000, Math.ceil(1.5 * kProcessed) + 20) : 200_000;
    const b = batonVerify(bytes, job.maps, budget);
    const base = { kAccepted: k.accepted, kMsg, kProcessed };
    if (b instanceof Error)
      return {
        outcome: "crash",
        ...base,
        bMsg: `${b instanceof VerifyError ? "thrown VerifyError" : b.name}: ${b.message}`,
      };
    const bMsg = b.error?.message ?? "";
    const r = { ...base, bMsg, bProcessed: b.processed };
    if (b.accepted && !k.accepted) return { outcome: "over", ...r };
    if (!b.accepted && k.accepted) {
      if (b.error?.code === "verify.too-large") return { outcome: "weak", ...r };
      // Documented difference: the strict return-value rule (KNOWN_DIFFERENCES.md, Return values).
      if (/^At program exit|leaks addr as return/.test(bMsg)) return { outcome: "agree", ...r };
      return { outcome: "under", ...r };
    }
    if (b.accepted && k.accepted && b.processed > 1.5 * kProcessed && b.processed - kProcessed >= 20)
      return { outcome: "slow", ...r };
    return { outcome: "agree", ...r };
  }

  return {
    srcRoot,
    available: kernelAvailability(),
    run,
    parseMaps: (h) =>
      h
        .split(/\s+/)
        .filter((x) => x !== "")
        .map(parseMapArg),
  };
}
