/**
 * bpf_loop (181): call the callback `nr_loops` times with (index, callback_ctx), stopping early
 * when it returns non-zero (kernel/bpf/bpf_iter.c `bpf_loop`): flags != 0 is -EINVAL, more
 * than BPF_MAX_LOOPS (2^23) iterations -E2BIG; the result is the number of calls made.
 * The callback runs through the engine (`HelperEnv.callbacks`); without one it traps.
 */
import { VmTrap } from "../../errors.js";
import { REG_WORDS, setR0Int, type HelperFn } from "../helper-abi.js";
import { E2BIG, EINVAL } from "../maps/errno.js";
import { hi, lo } from "./args.js";
import type { HelperEnv } from "./env.js";

export const BPF_MAX_LOOPS = 8 * 1024 * 1024;

export function loop(env: HelperEnv): HelperFn {
  const cb = new Uint32Array(REG_WORDS);
  return (regs, mem) => {
    const n = lo(regs, 1); // u32 nr_loops
    const fnHi = hi(regs, 2);
    const fnLo = lo(regs, 2);
    const ctxHi = hi(regs, 3);
    const ctxLo = lo(regs, 3);
    if (lo(regs, 4) !== 0 || hi(regs, 4) !== 0) return setR0Int(regs, -EINVAL);
    if (n > BPF_MAX_LOOPS) return setR0Int(regs, -E2BIG);
    const runner = env.callbacks;
    if (runner === null) throw new VmTrap("vm.helper-unavailable", "helper bpf_loop#181 is not available in Baton's VM: this engine cannot call a callback (function pointers from lddw src=4 are not loaded)");
    let i = 0;
    while (i < n) {
      cb.fill(0);
      cb[2] = i; // r1 = index
      cb[4] = ctxLo; // r2 = callback_ctx
      cb[5] = ctxHi;
      runner.call(fnHi, fnLo, cb, mem);
      i++;
      if (cb[0] !== 0 || cb[1] !== 0) break;
    }
    setR0Int(regs, i);
  };
}
