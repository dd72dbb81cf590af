/**
 * Soundness fuzzing of the verifier: generate near-valid sk_reuseport programs (random
 * arithmetic, stack traffic, map lookups with and without NULL checks, constant and
 * variable offsets, bounded loops, branches; then random mutations), verify them, and run
 * every ACCEPTED one in the interpreter with random contexts and map contents. An accepted
 * program must never trap, never exhaust the budget, and must return 0 or 1.
 *
 * The runtime here is deliberately small (a 56-byte ctx of random bytes, ARRAY maps as
 * regions, map_lookup_elem/get_prandom_u32/ktime_get_ns helpers), so generated programs only
 * read the scalar ctx fields.
 */
import { assemble } from "../../src/vm/asm/assembler.js";
import { BPF_PSEUDO_MAP_FD, decode, makeInsn, OP_CALL, OP_LDDW, type Insn } from "../../src/vm/isa.js";
import { AddressSpace, type Region } from "../../src/vm/memory.js";
import type { HelperFn } from "../../src/vm/helper-abi.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { createInterpreter } from "../../src/vm/interpreter.js";
import { verify } from "../../src/verifier/index.js";
import { VmTrap } from "../../src/errors.js";
import { FUZZ_MAPS, generate, rng } from "./gen/legacy.js";

export { generate } from "./gen/legacy.js";

export interface Runtime {
  readonly mem: AddressSpace;
  readonly ctx: Region;
  readonly maps: Map<number, Region>;
  readonly helpers: Map<number, HelperFn>;
  reseed(seed: number): void;
}

/** A minimal sk_reuseport runtime: random ctx bytes, ARRAY maps, three helpers. */
export function makeRuntime(seed: number): Runtime {
  const mem = new AddressSpace();
  const ctx = mem.add("ctx", new Uint8Array(56), false);
  const maps = new Map<number, Region>();
  for (const m of FUZZ_MAPS) maps.set(m.fd, mem.add(`map${m.fd}`, new Uint8Array(m.valueSize * m.maxEntries), true));
  let R = rng(seed);
  const helpers = new Map<number, HelperFn>();
  helpers.set(1, (regs, space) => {
    const fd = regs[2]!; // the verifier-facing fd, patched into r1 by `relocate`
    const spec = FUZZ_MAPS.find((m) => m.fd === fd)!;
    const region = maps.get(fd)!;
    const keyRegion = space.resolve(regs[5]!, regs[4]!, 4, false, -1);
    const key = keyRegion.view.getUint32(regs[4]!, true);
    if (key >= spec.maxEntries) {
      regs[0] = 0;
      regs[1] = 0;
    } else {
      regs[0] = key * spec.valueSize;
      regs[1] = region.id;
    }
  });
  helpers.set(7, (regs) => {
    regs[0] = Math.floor(R() * 4294967296) >>> 0;
    regs[1] = 0;
  });
  // Helpers without arguments that return a number (a mutation may turn `call 7` into one).
  for (const id of [5, 8, 42, 118, 125, 160]) {
    helpers.set(id, (regs) => {
      regs[0] = Math.floor(R() * 4294967296) >>> 0;
      regs[1] = Math.floor(R() * 4294967296) >>> 0;
    });
  }
  return {
    mem,
    ctx,
    maps,
    helpers,
    reseed(s: number) {
      R = rng(s);
      for (let i = 0; i < 56; i++) ctx.bytes[i] = Math.floor(R() * 256);
      for (const region of maps.values()) for (let i = 0; i < region.size; i++) region.bytes[i] = Math.floor(R() * 256);
    },
  };
}

/** Replace `lddw rX, map_fd(N)` by the constant N (the fuzz runtime's lookup takes fds). */
export function relocate(insns: readonly Insn[]): Insn[] {
  return insns.map((x) =>
    x.opcode === OP_LDDW && x.src === BPF_PSEUDO_MAP_FD ? makeInsn(OP_LDDW, x.dst, 0, 0, x.imm, 0) : x,
  );
}

export interface FuzzStats {
  tried: number;
  assembled: number;
  accepted: number;
  runs: number;
  failures: string[];
}

/** Verify one generated program and, if accepted, run it `runs` times. */
export function fuzzOne(seed: number, runs: number, stats: FuzzStats, narrow = false): void {
  stats.tried++;
  const src = generate(seed, false, narrow);
  let insns: Insn[];
  try {
    insns = decode(assemble(src));
  } catch {
    return;
  }
  stats.assembled++;
  const v = verify(insns, { type: SK_REUSEPORT, attachType: 40, maps: FUZZ_MAPS, budget: 200_000 });
  if (!v.accepted) return;
  stats.accepted++;
  const rt = makeRuntime(seed);
  // The verifier offers every helper the kernel gives sk_reuseport programs; this runtime has
  // a few. A program calling one it lacks says nothing about soundness here: skip it.
  if (insns.some((x) => x.opcode === OP_CALL && x.src === 0 && !rt.helpers.has(x.imm))) return;
  const engine = createInterpreter(relocate(insns), { mem: rt.mem, helpers: rt.helpers, budget: 1_000_000 });
  for (let k = 0; k < runs; k++) {
    rt.reseed(seed * 7919 + k);
    stats.runs++;
    try {
      const r0 = engine.run(rt.ctx.id, 0, 0);
      // Out-of-range returns are accepted (as by the kernel) but must have been warned about.
      if ((engine.r0hi !== 0 || r0 > 1) && v.warnings.length === 0) {
        stats.failures.push(`seed ${seed}: accepted program returned ${engine.r0hi}:${r0} without a warning\n${src}`);
        return;
      }
    } catch (e) {
      const msg = e instanceof VmTrap ? e.message : String(e);
      stats.failures.push(`seed ${seed}: accepted program trapped: ${msg}\n${src}`);
      return;
    }
  }
}
