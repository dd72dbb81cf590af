/**
 * Reading helper arguments out of the register file (u32 halves, helper-abi.ts) and turning
 * pointers that are not what the helper's prototype demands into `VmTrap`s. The verifier
 * rules such calls out; the traps exist for unverified programs run directly.
 */
import { VmTrap } from "../../errors.js";
import type { ReuseportContext } from "../context.js";
import type { DataMap, SocketMap, BpfMap } from "../maps/types.js";
import { formatAddress } from "../memory.js";
import type { RegisterFile } from "../helper-abi.js";
import type { HelperEnv } from "./env.js";

/** Low / high half of r<i>. */
export const lo = (regs: RegisterFile, i: number): number => regs[2 * i]!;
export const hi = (regs: RegisterFile, i: number): number => regs[2 * i + 1]!;

/** r0 = a non-negative double below 2^53 (clocks). */
export function retNumber(regs: RegisterFile, v: number): void {
  regs[0] = v >>> 0;
  regs[1] = Math.floor(v / 0x1_0000_0000) >>> 0;
}

export function argTrap(helper: string, reg: number, regs: RegisterFile, expected: string): VmTrap {
  return new VmTrap(
    "vm.helper-arg",
    `helper ${helper}: r${reg} = ${formatAddress(hi(regs, reg), lo(regs, reg))}; expected ${expected}`,
  );
}

function mapArg(env: HelperEnv, regs: RegisterFile, reg: number, helper: string): BpfMap {
  const map = lo(regs, reg) === 0 ? env.maps.byHandle(hi(regs, reg)) : undefined;
  if (map === undefined) {
    const fds = env.maps.fds();
    throw argTrap(
      helper,
      reg,
      regs,
      `a map pointer (maps: ${fds.length > 0 ? fds.map((fd) => `fd ${fd} at ${formatAddress(env.maps.byFd(fd)!.handle.id, 0)}`).join(", ") : "none"})`,
    );
  }
  return map;
}

export function dataMapArg(env: HelperEnv, regs: RegisterFile, reg: number, helper: string): DataMap {
  const map = mapArg(env, regs, reg, helper);
  if (map.kind !== "data")
    throw argTrap(helper, reg, regs, `a hash, array or lru_hash map, not map fd ${map.fd} of type ${map.type}`);
  return map;
}

export function socketMapArg(env: HelperEnv, regs: RegisterFile, reg: number, helper: string): SocketMap {
  const map = mapArg(env, regs, reg, helper);
  if (map.kind !== "socket")
    throw argTrap(
      helper,
      reg,
      regs,
      `a reuseport_sockarray, sockmap or sockhash (types 20, 15, 18), not map fd ${map.fd} of type ${map.type}`,
    );
  return map;
}

/** r<reg> must be the context pointer of the current run. */
export function ctxArg(env: HelperEnv, regs: RegisterFile, reg: number, helper: string): ReuseportContext {
  const c = env.ctx;
  if (c === null || hi(regs, reg) !== c.ctx.id || lo(regs, reg) !== 0) {
    throw argTrap(
      helper,
      reg,
      regs,
      c === null
        ? "a context pointer, but this run has no context"
        : `the context pointer ${formatAddress(c.ctx.id, 0)}`,
    );
  }
  return c;
}
