/**
 * Helpers without memory arguments: clocks from the caller's `VirtualClock` (ktime_get_ns 5,
 * ktime_get_boot_ns 125, ktime_get_coarse_ns 160, ktime_get_tai_ns 208, jiffies64 118), get_prandom_u32 (7) from
 * the seeded RNG, get_smp_processor_id (8) and get_numa_node_id (42) from the run's input.
 */
import { VmTrap } from "../../errors.js";
import type { HelperFn } from "../helper-abi.js";
import { retNumber } from "./args.js";
import type { HelperEnv } from "./env.js";

export const ktimeGetNs =
  (env: HelperEnv): HelperFn =>
  (regs) =>
    retNumber(regs, env.clock.ns);
export const ktimeGetBootNs =
  (env: HelperEnv): HelperFn =>
  (regs) =>
    retNumber(regs, env.clock.bootNs());
export const ktimeGetCoarseNs =
  (env: HelperEnv): HelperFn =>
  (regs) =>
    retNumber(regs, env.clock.coarseNs());
export const ktimeGetTaiNs =
  (env: HelperEnv): HelperFn =>
  (regs) =>
    retNumber(regs, env.clock.taiNs());
export const jiffies64 =
  (env: HelperEnv): HelperFn =>
  (regs) =>
    retNumber(regs, env.clock.jiffies64());

export const getPrandomU32 =
  (env: HelperEnv): HelperFn =>
  (regs) => {
    regs[0] = env.rng.nextU32();
    regs[1] = 0;
  };

/** The verifier bounds the CPU id by the largest CONFIG_NR_CPUS (src/verifier/helper-args.ts). */
const NR_CPUS_MAX = 8192;

export const getSmpProcessorId =
  (env: HelperEnv): HelperFn =>
  (regs) => {
    const cpu = env.cpu >>> 0;
    // A verified program may rely on the bound (a decided branch, a map index); keep it true.
    if (cpu >= NR_CPUS_MAX)
      throw new VmTrap(
        "vm.helper-env",
        `get_smp_processor_id: the run's cpu ${cpu} is not below NR_CPUS (${NR_CPUS_MAX}), the bound the verifier assumes`,
      );
    regs[0] = cpu;
    regs[1] = 0;
  };

export const getNumaNodeId =
  (env: HelperEnv): HelperFn =>
  (regs) => {
    regs[0] = env.numaNode >>> 0;
    regs[1] = 0;
  };
