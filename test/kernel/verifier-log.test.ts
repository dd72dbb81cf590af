// The kernel bridge's reading of a verifier log: the closing statistics (processed, states,
// "verification time" with log level 4) and the first error line of a rejection. Logs below
// are as Linux 6.18 printed them for `r0 = 1; exit` and `exit` (R0 unset) at levels 1, 4, 5.
import { describe, expect, it } from "vitest";
import {
  BPF_LOG_STATS,
  kernelAvailability,
  kernelFirstError,
  kernelStats,
  kernelVerify,
} from "../../src/kernel/verifier.js";
import { returnConst, uninitReturn } from "../../src/kernel/programs.js";
import { BPF_SK_REUSEPORT_SELECT_OR_MIGRATE } from "../../src/vm/program-type.js";

const STATS = "processed 2 insns (limit 1000000) max_states_per_insn 3 total_states 7 peak_states 5 mark_read 0\n";
const reject = (log: string) => ({ accepted: false, log, stage: "load" as const, errno: 13 });

describe("kernel verifier log", () => {
  it("level 1 has processed and states but no verification time", () => {
    expect(kernelStats(STATS)).toEqual({ processed: 2, maxStatesPerInsn: 3, totalStates: 7, peakStates: 5 });
  });

  it("level 4 (BPF_LOG_STATS) adds verification time and stack depth", () => {
    const log = `R0 !read_ok\nverification time 21 usec\nstack depth 0\n${STATS}`;
    expect(kernelStats(log)).toEqual({
      verificationUs: 21,
      stackDepth: 0,
      processed: 2,
      maxStatesPerInsn: 3,
      totalStates: 7,
      peakStates: 5,
    });
    expect(kernelFirstError(reject(log))).toBe("R0 !read_ok");
  });

  it("the first error is the line after the last instruction of the trace (levels 1 and 5)", () => {
    const log = `0: R1=ctx() R10=fp0\n0: (95) exit\nR0 !read_ok\nverification time 25 usec\nstack depth 0\n${STATS}`;
    expect(kernelFirstError(reject(log))).toBe("R0 !read_ok");
  });

  it("an exhausted budget is found mid-line, after the last instruction's text", () => {
    const log = `19: (85) call bpf_map_lookup_elem#1   ; R0=map_value_or_null(id=1,ks=4,vs=8)\n20: (15) if r0 == 0x0 goto pc+2 BPF program is too large. Processed 1000001 insn\n${STATS}`;
    expect(kernelFirstError(reject(log))).toBe("BPF program is too large. Processed 1000001 insn");
  });

  it("acceptances have no error; a refused map names the map", () => {
    expect(kernelFirstError({ accepted: true, log: STATS, stage: "load", errno: 0 })).toBeNull();
    expect(
      kernelFirstError({
        accepted: false,
        log: "",
        stage: "map",
        errno: 22,
        detail: "BPF_MAP_CREATE for map fd(1) failed",
      }),
    ).toBe("BPF_MAP_CREATE for map fd(1) failed");
  });

  const avail = kernelAvailability();
  it.skipIf(!avail.available)(
    `this kernel prints verification time with log level 4${avail.available ? "" : ` (skipped: ${avail.reason})`}`,
    async () => {
      const ok = await kernelVerify(returnConst(1), {
        attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
        maps: [],
        logLevel: BPF_LOG_STATS,
      });
      expect(ok.accepted).toBe(true);
      expect(ok.stats.processed).toBe(2);
      expect(Number.isInteger(ok.stats.verificationUs) && ok.stats.verificationUs! >= 0).toBe(true);
      const bad = await kernelVerify(uninitReturn(), {
        attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
        maps: [],
        logLevel: BPF_LOG_STATS,
      });
      expect(kernelFirstError(bad)).toBe("R0 !read_ok");
      // Level 1 alone does not print it (print_verification_stats checks BPF_LOG_STATS).
      const plain = await kernelVerify(returnConst(1), {
        attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
        maps: [],
        logLevel: 1,
      });
      expect(plain.stats.verificationUs).toBeUndefined();
      expect(plain.stats.processed).toBe(2);
    },
  );
});
