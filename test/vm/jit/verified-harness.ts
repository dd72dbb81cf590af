// Runs a program the verifier accepted on the interpreter (every check on) and on the trusted
// JIT fed with the facts production derives (`jitFactsFromVerifier`), in two separate worlds
// built alike: a random sk_reuseport ctx, two ARRAY maps whose value arenas are neighbouring
// regions (so a borrow into the region half of an address lands in the other map), and
// map_lookup_elem. Both sides must return the same r0 and leave the same ctx and map bytes.
import { VmTrap } from "../../../src/errors.js";
import type { Engine, EngineFactory } from "../../../src/vm/engine.js";
import type { HelperFn } from "../../../src/vm/helper-abi.js";
import { createInterpreter } from "../../../src/vm/interpreter.js";
import { BPF_PSEUDO_MAP_FD, makeInsn, OP_LDDW, type Insn } from "../../../src/vm/isa.js";
import { trustedJit } from "../../../src/vm/jit/jit.js";
import { jitFactsFromVerifier } from "../../../src/vm/jit/verifier-facts.js";
import type { MapSpec } from "../../../src/vm/map-spec.js";
import { AddressSpace, type Region } from "../../../src/vm/memory.js";
import { SK_REUSEPORT } from "../../../src/vm/program-type.js";
import { verify, type VerifyResult } from "../../../src/verifier/index.js";

/** fd 3: 4 values of 16 bytes; fd 5: 2 values of 8 bytes (ARRAY maps). */
export const MAPS: readonly MapSpec[] = [
  { fd: 3, type: 2, keySize: 4, valueSize: 16, maxEntries: 4 },
  { fd: 5, type: 2, keySize: 4, valueSize: 8, maxEntries: 2 },
];

const CTX_SIZE = SK_REUSEPORT.ctxSize;

interface World {
  readonly mem: AddressSpace;
  readonly ctx: Region;
  readonly arenas: readonly Region[];
  readonly helpers: Map<number, HelperFn>;
}

function makeWorld(): World {
  const mem = new AddressSpace();
  const ctx = mem.add("ctx", new Uint8Array(CTX_SIZE), false);
  const arenas = MAPS.map((m) => mem.add(`map ${m.fd} values`, new Uint8Array(m.valueSize * m.maxEntries), true));
  const helpers = new Map<number, HelperFn>();
  // bpf_map_lookup_elem: r1 = the map's fd (after `relocate`), r2 = a pointer to a u32 key.
  helpers.set(1, (regs, space) => {
    const i = MAPS.findIndex((m) => m.fd === regs[2]);
    const spec = MAPS[i]!;
    const keyRegion = space.resolve(regs[5]!, regs[4]!, 4, false, -1);
    const key = keyRegion.view.getUint32(regs[4]!, true);
    if (key >= spec.maxEntries) {
      regs[0] = 0;
      regs[1] = 0;
    } else {
      regs[0] = key * spec.valueSize;
      regs[1] = arenas[i]!.id;
    }
  });
  return { mem, ctx, arenas, helpers };
}

/** `lddw rX, map_fd(N)` becomes the constant N, which the lookup helper takes. */
function relocate(insns: readonly Insn[]): Insn[] {
  return insns.map((x) =>
    x.opcode === OP_LDDW && x.src === BPF_PSEUDO_MAP_FD ? makeInsn(OP_LDDW, x.dst, 0, 0, x.imm, 0) : x,
  );
}

export function verifyProgram(insns: readonly Insn[], budget = 200_000, logLevel: 0 | 2 = 0): VerifyResult {
  return verify(insns, { type: SK_REUSEPORT, attachType: 40, maps: [...MAPS], budget, logLevel });
}

/** One run's observable result: r0 (or the trap message) and every byte the program could write. */
export interface Outcome {
  readonly r0: string;
  readonly ctx: readonly number[];
  readonly maps: readonly (readonly number[])[];
}

export interface Input {
  readonly ctx: Uint8Array;
  readonly maps: readonly Uint8Array[];
}

function runOn(engine: Engine, world: World, input: Input): Outcome {
  world.ctx.bytes.set(input.ctx);
  world.arenas.forEach((a, i) => a.bytes.set(input.maps[i]!));
  let r0: string;
  try {
    const lo = engine.run(world.ctx.id, 0, CTX_SIZE);
    r0 = ((BigInt(engine.r0hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16);
  } catch (e) {
    r0 = e instanceof VmTrap ? `trap: ${e.message}` : `raw exception: ${String(e)}`;
  }
  return { r0, ctx: [...world.ctx.bytes], maps: world.arenas.map((a) => [...a.bytes]) };
}

/** A pair of engines (interpreter, trusted JIT with production facts) for one verified program. */
export class Pair {
  private readonly iw = makeWorld();
  private readonly jw = makeWorld();
  private readonly interp: Engine;
  private readonly jit: Engine;

  constructor(insns: readonly Insn[], verdict: VerifyResult, jitFactory?: EngineFactory) {
    if (!verdict.accepted || verdict.facts === undefined)
      throw new Error(`the program must be verified: ${verdict.error?.message ?? "no facts"}`);
    const code = relocate(insns);
    this.interp = createInterpreter(code, { mem: this.iw.mem, helpers: this.iw.helpers, budget: 1_000_000 });
    const factory = jitFactory ?? trustedJit(jitFactsFromVerifier(insns, verdict.facts, true));
    this.jit = factory(code, {
      mem: this.jw.mem,
      helpers: this.jw.helpers,
      budget: 1_000_000,
      ctxRegion: this.jw.ctx.id,
    });
  }

  run(input: Input): { interp: Outcome; jit: Outcome } {
    return { interp: runOn(this.interp, this.iw, input), jit: runOn(this.jit, this.jw, input) };
  }
}

/** An input of zero bytes with chosen words. */
export function blankInput(): Input {
  return { ctx: new Uint8Array(CTX_SIZE), maps: MAPS.map((m) => new Uint8Array(m.valueSize * m.maxEntries)) };
}
