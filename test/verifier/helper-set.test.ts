// The helper set and prototypes of sk_reuseport against the kernel: which helper ids the kernel
// offers (with and without CAP_PERFMON), and per helper a few small programs (helper-programs.ts)
// whose verdicts, recorded from Linux 6.18 by helper-probe.ts in helper-probe.json, Baton's
// verifier must reproduce. The live variant re-asks the running kernel (skips without root).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { kernelAvailability, kernelFirstError, kernelVerify } from "../../src/kernel/verifier.js";
import { assemble } from "../../src/vm/asm/assembler.js";
import { decode } from "../../src/vm/isa.js";
import { BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, SK_REUSEPORT } from "../../src/vm/program-type.js";
import { verify } from "../../src/verifier/index.js";
import { FUNC_MAX_ID, kernelHelperName } from "../../src/verifier/helper-names.js";
import { helperPrograms, type HelperProgram } from "./helper-programs.js";
import type { ProbeFile, ProbeRun } from "./helper-probe.js";

const probe = JSON.parse(readFileSync(new URL("./helper-probe.json", import.meta.url), "utf8")) as ProbeFile;

/**
 * Programs whose verdict differs on purpose (test/verifier/KNOWN_DIFFERENCES.md): the kernel
 * accepts them, Baton cannot model what they produce and rejects them.
 */
const KNOWN: ReadonlyMap<string, string> = new Map([
  ["bpf_get_current_task_btf/call", "returns a BTF task_struct pointer Baton does not model"],
  ["bpf_get_current_task_btf/zero-args", "returns a BTF task_struct pointer Baton does not model"],
  ["bpf_dynptr_from_mem/map-value-data", "creates a dynptr Baton does not model"],
  [
    "bpf_get_smp_processor_id/ret-cpu-index",
    "the kernel bounds the CPU id by this machine's nr_cpu_ids, Baton by the largest NR_CPUS",
  ],
]);

function programs(): HelperProgram[] {
  const out: HelperProgram[] = [];
  for (let id = 0; id <= FUNC_MAX_ID; id++) {
    const name = kernelHelperName(id) === "unknown" ? `unknown${id}` : kernelHelperName(id);
    out.push(...helperPrograms(id, name, SK_REUSEPORT.helpers.get(id)));
  }
  return out;
}

function baton(p: HelperProgram, unprivileged: boolean): { accepted: boolean; error: string | null } {
  const r = verify(decode(assemble(p.source, p.name)), {
    type: SK_REUSEPORT,
    attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
    maps: p.maps,
    unprivileged,
  });
  return { accepted: r.accepted, error: r.error?.message ?? null };
}

/** Disagreements of Baton with one recorded run, and how many rejections share the kernel's message. */
function compare(
  run: ProbeRun,
  unprivileged: boolean,
): { wrong: string[]; sameMessage: number; bothReject: number; total: number } {
  const wrong: string[] = [];
  let sameMessage = 0;
  let bothReject = 0;
  let total = 0;
  for (const p of programs()) {
    const k = run.programs[p.name];
    if (k === undefined) {
      wrong.push(`${p.name}: no kernel verdict recorded (re-run helper-probe.ts)`);
      continue;
    }
    total++;
    const b = baton(p, unprivileged);
    if (b.accepted !== k.accepted) {
      if (!KNOWN.has(p.name) || b.accepted)
        wrong.push(
          `${p.name}: Baton ${b.accepted ? "accepts" : `rejects (${b.error})`}, kernel ${k.accepted ? "accepts" : `rejects (${k.error})`}`,
        );
    } else if (!b.accepted) {
      bothReject++;
      if (b.error === k.error) sameMessage++;
    }
  }
  return { wrong, sameMessage, bothReject, total };
}

describe("sk_reuseport helper set", () => {
  it("Baton's program type offers exactly the helpers the kernel offers (79 with CAP_PERFMON, 56 without)", () => {
    const all = [...SK_REUSEPORT.helpers.keys()].sort((a, b) => a - b);
    expect(all).toEqual(probe.withPerfmon.offered);
    const noPerfmon = [...SK_REUSEPORT.helpers.values()]
      .filter((h) => h.perfmon !== true)
      .map((h) => h.id)
      .sort((a, b) => a - b);
    expect(noPerfmon).toEqual(probe.withoutPerfmon.offered);
    expect(probe.withPerfmon.offered.length).toBe(79);
  });

  it("every helper id has the kernel's name", () => {
    expect(kernelHelperName(181)).toBe("bpf_loop");
    expect(kernelHelperName(211)).toBe("bpf_cgrp_storage_delete");
    expect(kernelHelperName(FUNC_MAX_ID)).toBe("unknown");
    for (const h of SK_REUSEPORT.helpers.values()) expect(kernelHelperName(h.id)).toBe(`bpf_${h.name}`);
  });

  for (const [label, key, unprivileged] of [
    ["with CAP_PERFMON (privileged)", "withPerfmon", false],
    ["without CAP_PERFMON (Baton's unprivileged mode)", "withoutPerfmon", true],
  ] as const) {
    it(`same verdict as the recorded kernel on every helper program, ${label}`, () => {
      const r = compare(probe[key], unprivileged);
      console.log(
        `${label}: ${r.total} programs, ${r.bothReject} rejected by both, ${r.sameMessage} with the kernel's exact message`,
      );
      expect(r.wrong).toEqual([]);
    });
  }
});

const avail = kernelAvailability();
describe("sk_reuseport helper set vs the live kernel", () => {
  it.skipIf(!avail.available)(
    `the recorded helper set and verdicts still hold (kernel: ${avail.reason})`,
    async () => {
      const wrong: string[] = [];
      const offered: number[] = [];
      for (const p of programs()) {
        const v = await kernelVerify(assemble(p.source, p.name), {
          attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
          maps: p.maps,
          logLevel: 1,
        });
        const error = kernelFirstError(v);
        if (
          p.variant === "zero-args" &&
          (error === null || !/^(program of this type cannot use helper|invalid func)/.test(error))
        )
          offered.push(p.helper);
        const rec = probe.withPerfmon.programs[p.name];
        if (rec === undefined || rec.accepted !== v.accepted)
          wrong.push(
            `${p.name}: recorded ${rec?.accepted === true ? "accept" : "reject"}, kernel now ${v.accepted ? "accepts" : `rejects (${error})`}`,
          );
      }
      expect(wrong).toEqual([]);
      expect(offered).toEqual([...SK_REUSEPORT.helpers.keys()].sort((a, b) => a - b));
    },
    120_000,
  );
});
