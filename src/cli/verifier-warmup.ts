/**
 * Warm-up of Baton's verifier before `verify --compare-kernel` times anything. The kernel's
 * verifier is compiled ahead of time; Baton's runs on V8, which interprets a function until it
 * has run often enough to be worth compiling. Without a warm-up the first programs of a run are
 * timed mostly in V8's interpreter (a 1,664-instruction loop verified in 29 ms cold, 1 ms warm).
 * So the verifier first runs on programs of its own, written here and unrelated to any input:
 * bounded loops over map values with a running maximum, spills and fills, linked registers,
 * helper calls and a socket selection — the code paths verification of real programs takes.
 * No measured program is verified before it is timed.
 */
import { verify, type VerifyOptions } from "../verifier/index.js";
import { parseMapArg } from "../verifier/map-arg.js";
import { assemble } from "../vm/asm/assembler.js";
import { decode, type Insn } from "../vm/isa.js";
import { BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, SK_REUSEPORT } from "../vm/program-type.js";

/** Maps of the warm-up programs: sockets at fd 1, per-slot weights at fd 2, a hash at fd 3. */
const MAPS = ["1:reuseport_sockarray:4:8:64", "2:array:4:8:64", "3:hash:4:8:64"].map(parseMapArg);

/** A loop over `slots` weights keeping the heaviest slot, then selecting its socket. */
function heaviestSlot(slots: number): string {
  return `mov %r6, %r1
mov %r7, 0
mov %r8, 0
mov %r9, 0
stxdw [%r10-8], %r9
Loop:
ldxdw %r1, [%r10-8]
jge %r1, ${slots}, Done
stxw [%r10-16], %r1
lddw %r1, map_fd(2)
mov %r2, %r10
add %r2, -16
call 1
jeq %r0, 0, Next
ldxdw %r3, [%r0]
mov %r4, %r3
and %r4, 1023
jle %r4, %r7, Next
mov %r7, %r4
ldxdw %r8, [%r10-8]
Next:
ldxdw %r1, [%r10-8]
add %r1, 1
stxdw [%r10-8], %r1
ja Loop
Done:
jge %r8, ${slots}, Pass
stxw [%r10-20], %r8
mov %r1, %r6
lddw %r2, map_fd(1)
mov %r3, %r10
add %r3, -20
mov %r4, 0
call 82
Pass:
mov %r0, 1
exit
`;
}

/** Straight-line branches on context fields, with linked copies narrowed together. */
function branchChain(depth: number): string {
  const lines = ["mov %r6, %r1", "ldxw %r2, [%r6+32]", "mov %r0, 0"];
  for (let i = 0; i < depth; i++) {
    lines.push(`mov %r3, %r2`, `rsh %r3, ${i % 8}`, `and %r3, 15`, `mov %r4, %r3`, `jgt %r3, ${i % 12}, B${i}`);
    lines.push(`add %r0, %r4`, `B${i}:`);
  }
  lines.push("and %r0, 1", "exit");
  return lines.join("\n") + "\n";
}

const ALU = ["add", "sub", "mul", "div", "mod", "or", "and", "xor", "lsh", "rsh", "arsh"];
const JUMPS = ["jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle", "jset"];

/**
 * Every ALU operation (64- and 32-bit, immediate and register, small and wide constants) on a
 * value read from a map of `mapFd`, then every conditional jump on the result, inside a loop of
 * `trips` iterations with the value spilled and filled: each instruction class the verifier
 * models goes through its transfer functions, bounds, tnums and precision backtracking.
 */
function instructionTour(mapFd: number, trips: number): string {
  const body: string[] = [];
  ALU.forEach((op, k) => {
    const wide = 0x40000000 + k * 0x1234567;
    const shift = (k * 7) % 31;
    const isShift = op.endsWith("sh");
    body.push(`mov %r3, %r7`, `${op} %r3, ${isShift ? shift : k + 3}`);
    body.push(`mov %r4, %r7`, `${op}32 %r4, ${isShift ? shift : wide}`);
    body.push(`mov %r5, %r8`, `and %r5, ${isShift ? 31 : 0xffff}`, `${op} %r3, %r5`, `${op}32 %r4, %r5`);
    body.push(`stxdw [%r10-${24 + 8 * (k % 4)}], %r3`, `ldxdw %r3, [%r10-${24 + 8 * (k % 4)}]`);
  });
  JUMPS.forEach((op, k) => {
    body.push(`${op} %r3, ${k * 5 - 9}, T${k}`, `${op}32 %r4, %r5, T${k}`, `add %r9, ${k}`, `T${k}:`);
  });
  return `mov %r9, 0
mov %r6, 0
Loop:
jge %r6, ${trips}, Done
stxw [%r10-8], %r6
lddw %r1, map_fd(${mapFd})
mov %r2, %r10
add %r2, -8
call 1
jeq %r0, 0, Next
ldxdw %r7, [%r0]
ldxw %r8, [%r0+4]
${body.join("\n")}
neg %r3
neg32 %r4
add %r9, %r3
Next:
add %r6, 1
ja Loop
Done:
mov %r0, %r9
and %r0, 1
exit
`;
}

const SOURCES = [
  heaviestSlot(3),
  heaviestSlot(8),
  branchChain(6),
  branchChain(14),
  instructionTour(2, 2),
  instructionTour(3, 3),
];

/** The warm-up programs and how they are verified (exported for the test that they are accepted). */
export function warmUpPrograms(): { readonly insns: Insn[]; readonly options: VerifyOptions }[] {
  const options: VerifyOptions = {
    type: SK_REUSEPORT,
    attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
    maps: MAPS,
    logLevel: 0,
  };
  return SOURCES.map((s) => ({ insns: decode(assemble(s, "<warm-up>")), options }));
}

/** Rounds `verify --compare-kernel` runs: about 0.5 s on the build machine, after which times stop falling. */
export const WARM_UP_ROUNDS = 30;

/** Verify each warm-up program `rounds` times; returns the milliseconds spent. */
export function warmUpVerifier(rounds: number): number {
  const programs = warmUpPrograms();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) for (const p of programs) verify(p.insns, p.options);
  return performance.now() - t0;
}
