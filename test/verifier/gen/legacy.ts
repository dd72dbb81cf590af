/**
 * The original near-valid program generator of the verifier fuzzers (fuzz-lib.ts runs its
 * programs in the interpreter, kernel-fuzz.ts against the kernel). It imports nothing from
 * the verifier, so kernel-fuzz.ts can test another tree's verifier with it (BATON_SRC).
 */
import type { MapSpec } from "../../../src/vm/map-spec.js";

/** mulberry32: a small deterministic PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FUZZ_MAPS: MapSpec[] = [
  { fd: 3, type: 2, keySize: 4, valueSize: 16, maxEntries: 4 },
  { fd: 5, type: 2, keySize: 4, valueSize: 8, maxEntries: 2 },
];

const SCALAR_FIELDS: [number, string][] = [
  [16, "ldxw"],
  [20, "ldxw"],
  [24, "ldxb"],
  [28, "ldxw"],
  [32, "ldxw"],
  [16, "ldxh"],
];

/**
 * A random near-valid program in the assembler dialect. `rich` adds blocks that need a real
 * sk_reuseport context (socket and packet pointers); those programs are for the kernel
 * differential (kernel-fuzz.ts) only, not for running here. `narrow` turns the aligned stack
 * spills and the lookup keys into 4-byte spills at 8-byte aligned slots (the narrow spills
 * the kernel and Baton track), filled back at 1, 4 or 8 bytes; without it the program for a
 * seed is unchanged.
 */
export function generate(seed: number, rich = false, narrow = false): string {
  const R = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(R() * xs.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(R() * (hi - lo + 1));
  const lines: string[] = ["mov %r6, %r1", "mov %r7, 0", "mov %r8, 0"];
  let label = 0;
  const scalarRegs = ["%r7", "%r8", "%r9"];
  lines.push("mov %r9, 0");
  const blocks = int(2, 6);
  for (let b = 0; b < blocks; b++) {
    const kind = int(0, rich ? 11 : 7);
    const r = pick(scalarRegs);
    switch (kind) {
      case 0: {
        const [off, mn] = pick(SCALAR_FIELDS);
        lines.push(`${mn} ${r}, [%r6+${off}]`);
        break;
      }
      case 1:
        lines.push(
          `${pick(["add", "sub", "and", "or", "xor", "mul", "lsh", "rsh", "add32", "and32", "mod", "div"])} ${r}, ${pick(scalarRegs)}`,
        );
        lines.push(`${pick(["and", "rsh", "add", "mod", "and32", "lsh"])} ${r}, ${int(1, 40)}`);
        break;
      case 2: {
        const off = pick([-8, -16, -24, -4, -12]);
        if (narrow && off % 8 === 0) {
          lines.push(`stxw [%r10${off}], ${r}`);
          lines.push(`ldx${pick(["b", "w", "w", "dw"])} ${pick(scalarRegs)}, [%r10${off}]`);
          break;
        }
        lines.push(`stx${off % 8 === 0 ? "dw" : "w"} [%r10${off}], ${r}`);
        lines.push(`ldx${off % 8 === 0 ? "dw" : "w"} ${pick(scalarRegs)}, [%r10${off}]`);
        break;
      }
      case 3:
      case 4: {
        // Map lookup with a key derived from a scalar; maybe a NULL check; access at an offset.
        const map = pick(FUZZ_MAPS);
        const l = `L${label++}`;
        const ko = narrow ? -8 : -4;
        lines.push(
          `mov %r1, ${r}`,
          `and %r1, ${int(0, 7)}`,
          `stxw [%r10${ko}], %r1`,
          "mov %r2, %r10",
          `add %r2, ${ko}`,
          `lddw %r1, map_fd(${map.fd})`,
          "call 1",
        );
        if (R() < 0.85) lines.push(`jeq %r0, 0, ${l}`);
        if (R() < 0.5) {
          const idx = pick(scalarRegs);
          lines.push(`mov %r1, ${idx}`, `and %r1, ${pick([3, 7, 8, 15])}`, "add %r0, %r1");
        }
        const sz = pick([1, 2, 4, 8]);
        const mn = { 1: "b", 2: "h", 4: "w", 8: "dw" }[sz]!;
        const off = int(-2, map.valueSize - sz + 2);
        if (R() < 0.5) lines.push(`ldx${mn} ${r}, [%r0+${off}]`);
        else lines.push(`stx${mn} [%r0+${off}], ${r}`);
        lines.push(`${l}:`);
        break;
      }
      case 5: {
        // Bounded loop with a constant or masked bound.
        const l = `L${label++}`;
        const limit = R() < 0.5 ? `${int(1, 60)}` : "%r9";
        if (limit === "%r9") lines.push(`ldxw %r9, [%r6+32]`, `and %r9, ${pick([7, 31, 63, 255])}`);
        lines.push("mov %r1, 0", `${l}:`, `add ${pick(["%r7", "%r8"])}, %r1`, "add %r1, 1", `jlt %r1, ${limit}, ${l}`);
        break;
      }
      case 6: {
        const l = `L${label++}`;
        lines.push(
          `${pick(["jgt", "jlt", "jeq", "jne", "jset", "jsgt", "jslt"])} ${r}, ${int(0, 100)}, ${l}`,
          `mov ${r}, ${int(0, 9)}`,
          `${l}:`,
        );
        break;
      }
      case 7:
        lines.push(`call ${pick([5, 7])}`, `mov ${r}, %r0`);
        break;
      case 8: {
        // Socket fields through ctx->sk or migrating_sk (maybe NULL-checked).
        const l = `L${label++}`;
        const msk = R() < 0.5;
        lines.push(`ldxdw %r2, [%r6+${msk ? 48 : 40}]`);
        if (msk && R() < 0.8) lines.push(`jeq %r2, 0, ${l}`);
        const sz = pick([1, 2, 4, 8]);
        lines.push(
          `ldx${{ 1: "b", 2: "h", 4: "w", 8: "dw" }[sz]} ${r}, [%r2+${pick([0, 4, 8, 12, 16, 20, 24, 44, 48, 50, 52, 72, 76, 80, 2, 6])}]`,
          `${l}:`,
        );
        break;
      }
      case 9: {
        // Packet bytes after (or without) a data_end check.
        const l = `L${label++}`;
        const n = int(1, 16);
        lines.push("ldxdw %r2, [%r6+0]", "ldxdw %r3, [%r6+8]", "mov %r4, %r2", `add %r4, ${n}`);
        if (R() < 0.8) lines.push(`${pick(["jgt %r4, %r3", "jge %r4, %r3", "jlt %r3, %r4"])}, ${l}`);
        const sz = pick([1, 2, 4, 8]);
        lines.push(`ldx${{ 1: "b", 2: "h", 4: "w", 8: "dw" }[sz]} ${r}, [%r2+${int(0, n)}]`, `${l}:`);
        break;
      }
      case 10: {
        // Any ctx offset and size.
        const sz = pick([1, 2, 4, 8]);
        lines.push(`ldx${{ 1: "b", 2: "h", 4: "w", 8: "dw" }[sz]} %r2, [%r6+${int(0, 60)}]`);
        break;
      }
      case 11: {
        // sk_select_reuseport with a key from a scalar.
        lines.push(
          `mov %r1, ${r}`,
          `and %r1, 3`,
          "stxw [%r10-4], %r1",
          "mov %r1, %r6",
          `lddw %r2, map_fd(${pick([4, 3])})`,
          "mov %r3, %r10",
          "add %r3, -4",
          "mov %r4, 0",
          "call 82",
        );
        break;
      }
    }
  }
  lines.push(...pick([["mov %r0, 1"], ["mov %r0, %r7", "and %r0, 1"], ["mov %r0, 0"], ["mov %r0, %r8"]]), "exit");
  // Mutations: drop a line, change a constant, swap a register.
  const muts = R() < 0.5 ? 0 : int(1, 2);
  for (let m = 0; m < muts; m++) {
    const i = int(1, lines.length - 2);
    const kind = int(0, 2);
    if (kind === 0) lines.splice(i, 1);
    else if (kind === 1) lines[i] = lines[i]!.replace(/-?\d+(?=\]|$)/, String(int(-16, 70)));
    else lines[i] = lines[i]!.replace(/%r[789]/, pick(["%r1", "%r2", "%r0", "%r7"]));
  }
  return lines.join("\n");
}
