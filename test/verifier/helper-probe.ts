/**
 * Probes which helpers this machine's kernel offers BPF_PROG_TYPE_SK_REUSEPORT and how its
 * verifier judges a small program per helper (helper-programs.ts), with and without
 * CAP_PERFMON. Run as root: `npx tsx test/verifier/helper-probe.ts` (writes
 * test/verifier/helper-probe.json). The run without CAP_PERFMON re-executes this script under
 * `setpriv`, dropping CAP_PERFMON and CAP_SYS_ADMIN (which implies it) from the inheritable and
 * bounding sets, so that the kernel's `bpf_token_capable(CAP_PERFMON)` is false.
 *
 * A helper counts as offered unless the kernel says "program of this type cannot use helper"
 * or "invalid func" for the zero-argument call (check_helper_call: get_helper_proto fails).
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { release } from "node:os";
import { fileURLToPath } from "node:url";
import { kernelAvailability, kernelFirstError, kernelVerify } from "../../src/kernel/verifier.js";
import { assemble } from "../../src/vm/asm/assembler.js";
import { BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, SK_REUSEPORT } from "../../src/vm/program-type.js";
import { FUNC_MAX_ID, kernelHelperName } from "../../src/verifier/helper-names.js";
import { helperPrograms } from "./helper-programs.js";

export interface ProbeVerdict {
  readonly accepted: boolean;
  /** The kernel's first error line (null when accepted). */
  readonly error: string | null;
}

export interface ProbeRun {
  /** Helper ids the kernel offers (ascending). */
  readonly offered: number[];
  /** Program name → verdict. */
  readonly programs: Record<string, ProbeVerdict>;
}

export interface ProbeFile {
  readonly kernel: string;
  readonly withPerfmon: ProbeRun;
  readonly withoutPerfmon: ProbeRun;
}

const NOT_OFFERED = /^(program of this type cannot use helper|invalid func)/;

async function run(): Promise<ProbeRun> {
  const offered: number[] = [];
  const programs: Record<string, ProbeVerdict> = {};
  for (let id = 0; id <= FUNC_MAX_ID; id++) {
    const name = kernelHelperName(id) === "unknown" ? `unknown${id}` : kernelHelperName(id);
    const progs = helperPrograms(id, name, SK_REUSEPORT.helpers.get(id));
    for (const p of progs) {
      const v = await kernelVerify(assemble(p.source, p.name), {
        attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
        maps: p.maps,
        logLevel: 1,
      });
      // Some kernel messages lack their newline (tail_call's), so the statistics line follows.
      const error = kernelFirstError(v)?.replace(/processed \d+ insns.*$/, "") ?? null;
      programs[p.name] = { accepted: v.accepted, error };
      if (p.variant === "zero-args" && (error === null || !NOT_OFFERED.test(error))) offered.push(id);
    }
  }
  return { offered, programs };
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === "--child") {
  process.stdout.write(JSON.stringify(await run()));
} else {
  const avail = kernelAvailability();
  if (!avail.available) {
    console.error(`kernel not available: ${avail.reason}`);
    process.exit(1);
  }
  const withPerfmon = await run();
  const drop = "-perfmon,-sys_admin";
  const child = spawnSync(
    "setpriv",
    [`--inh-caps=${drop}`, `--bounding-set=${drop}`, process.execPath, "--import", "tsx", self, "--child"],
    { encoding: "utf8", maxBuffer: 64 << 20 },
  );
  if (child.status !== 0) {
    console.error(`the run without CAP_PERFMON failed: ${child.stderr}`);
    process.exit(1);
  }
  const withoutPerfmon = JSON.parse(child.stdout) as ProbeRun;
  const file: ProbeFile = { kernel: release(), withPerfmon, withoutPerfmon };
  writeFileSync(new URL("./helper-probe.json", import.meta.url), JSON.stringify(file, null, 1) + "\n");
  console.log(
    `kernel ${file.kernel}: ${withPerfmon.offered.length} helpers offered with CAP_PERFMON, ${withoutPerfmon.offered.length} without; ${Object.keys(withPerfmon.programs).length} programs recorded`,
  );
}
