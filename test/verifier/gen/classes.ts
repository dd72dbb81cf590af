/**
 * Seeded generators of sk_reuseport programs aimed at the verifier failure classes that
 * differential fuzzing once found:
 * each returns assembler text that uses only GEN_MAPS (gen/prog.ts). The same seed always gives
 * the same program. kernel-fuzz.ts runs them through Baton's verifier and the kernel's.
 */
import { generate } from "./legacy.js";
import { Prog, Rand, SIZE_SUFFIX } from "./prog.js";

export type GenClass = "linked" | "callee" | "negoff" | "atomic" | "argmin" | "rules" | "legacy";
export const GEN_CLASSES: readonly GenClass[] = ["linked", "callee", "negoff", "atomic", "argmin", "rules", "legacy"];

/** A bounded-or-not way to give `dst` a value on one path into a merge. */
function pathValue(p: Prog, r: Rand, dst: string, src: string, bias: "link" | "unlink"): string {
  // Biased: the first path explored tends to link, the second not (the pruning hazard).
  const kind = r.chance(0.6) ? (bias === "link" ? r.int(0, 3) : r.int(4, 6)) : r.int(0, 6);
  switch (kind) {
    case 0:
    case 1:
      p.emit(`mov ${dst}, ${src}`); // linked (same scalar id)
      return "linked";
    case 2:
      p.emit(`stxdw [%r10-8], ${src}`, `ldxdw ${dst}, [%r10-8]`); // linked through a spill/fill
      return "linked-spill";
    case 3:
      p.emit(`mov ${dst}, ${src}`, `add ${dst}, ${r.pick([1, 2, 4, -1])}`); // linked with a delta (kernel: BPF_ADD_CONST)
      return "linked-delta";
    case 4:
      p.ctxScalar(dst); // unrelated unknown
      if (r.chance(0.3)) p.emit(`and ${dst}, ${r.pick([0xff, 0xffff, 63])}`);
      return "unknown";
    case 5:
      p.emit(`mov ${dst}, ${r.pick([0, 3, 7, 100, 300, -1])}`);
      return "const";
    default:
      p.emit(`mov ${dst}, ${src}`, `mov ${src}, ${r.int(0, 9)}`); // link broken afterwards
      return "broken";
  }
}

/** a. Linked registers: `rB = rA` on some paths, a bound check on one of them after the merge, a use of the other. */
export function genLinked(seed: number): string {
  const r = new Rand(seed);
  const p = new Prog(r);
  const [a, b] = r.chance(0.5) ? ["%r7", "%r8"] : ["%r8", "%r7"];
  p.ctxScalar(a);
  if (r.chance(0.3)) p.emit(`and ${a}, ${r.pick([0xff, 0xffff, 0xfff])}`);
  p.ctxScalar("%r9");
  const lb = p.label(),
    lj = p.label();
  p.emit(`${r.pick(["jeq", "jne", "jgt", "jset"])} %r9, ${r.int(0, 3)}, ${lb}`);
  pathValue(p, r, b, a, "link");
  p.pad();
  p.emit(`ja ${lj}`, `${lb}:`);
  pathValue(p, r, b, a, "unlink");
  p.pad();
  p.emit(`${lj}:`);
  if (r.chance(0.3)) p.emit(`mov %r1, ${r.int(0, 5)}`);
  // The bound check, on the original or the copy; the other one is used.
  const [chk, use] = r.chance(0.7) ? [a, b] : [b, a];
  const n = r.pick([0, 1, 3, 7, 15, 63]);
  switch (r.int(0, 4)) {
    case 0:
      p.emit(`jgt ${chk}, ${n}, out`);
      break;
    case 1:
      p.emit(`jge ${chk}, ${n + 1}, out`);
      break;
    case 2: {
      const ok = p.label();
      p.emit(`jle ${chk}, ${n}, ${ok}`, "ja out", `${ok}:`);
      break;
    }
    case 3:
      p.emit(`mov %r1, ${n}`, `jgt ${chk}, %r1, out`);
      break;
    default:
      p.emit(`jsgt ${chk}, ${n}, out`, `jslt ${chk}, 0, out`);
  }
  switch (r.int(0, 3)) {
    case 0: {
      // Map value offset bounded only through the link.
      const fd = r.pick([5, 3, 7]);
      p.emit(`mov %r9, ${use}`);
      p.lookup(fd, 0);
      p.emit("jeq %r0, 0, out", "add %r0, %r9");
      const sz = r.pick([1, 1, 4, 8]);
      if (r.chance(0.5)) p.emit(`st${SIZE_SUFFIX[sz]} [%r0+0], 1`);
      else p.emit(`ldx${SIZE_SUFFIX[sz]} %r1, [%r0+0]`);
      break;
    }
    case 1: {
      // A loop that only ends when the link bounded `use`: infinite on the unlinked path.
      const l = p.label();
      p.emit(`${l}:`, "mov %r1, 0", `jgt ${use}, ${n}, ${l}`);
      break;
    }
    case 2: {
      // A loop bounded by the copy (at most 200 rounds on any path, so the kernel answers fast).
      const l = p.label();
      p.emit(`jgt ${use}, 200, out`, "mov %r1, 0", `${l}:`, "add %r1, 1", `jlt %r1, ${use}, ${l}`);
      break;
    }
    default: {
      // Variable stack offset bounded through the link.
      p.emit("stdw [%r10-64], 0", "stdw [%r10-56], 0", "stdw [%r10-48], 0", "stdw [%r10-40], 0");
      p.emit("stdw [%r10-32], 0", "stdw [%r10-24], 0", "stdw [%r10-16], 0", "stdw [%r10-8], 0");
      p.emit(
        "mov %r2, %r10",
        "add %r2, -64",
        `add %r2, ${use}`,
        r.chance(0.5) ? "stb [%r2+0], 1" : "ldxb %r1, [%r2+0]",
      );
    }
  }
  return p.text();
}

/**
 * b. A callee stores a scalar into the caller's stack through a pointer; the caller later adds
 * the slot to a map value pointer. The wide and the constant value merge in the caller before
 * the call, at two call sites, or inside the callee (where a precision analysis that stops at
 * the callee's exit sees nothing that makes the stored value matter).
 */
export function genCallee(seed: number): string {
  const r = new Rand(seed);
  const p = new Prog(r);
  const slot = r.pick([-8, -16]);
  const wide = r.chance(0.5) ? "%r7" : "%r8";
  p.emit(`stdw [%r10${slot}], 0`);
  p.ctxScalar("%r7");
  if (r.chance(0.4)) p.emit(`and %r7, ${r.pick([0xff, 0xfff, 0xffff])}`);
  p.ctxScalar("%r8");
  p.ctxScalar("%r9");
  const c = r.int(0, 7);
  const wideFirst = r.chance(0.3);
  const where = r.pick(["callee", "callee", "caller", "sites"]);
  const call = (): void => void p.emit("mov %r1, %r10", `add %r1, ${slot}`, "call local store");
  const f = ["store:"];
  if (where === "callee") {
    // r2 carries the wide value in, r3 the ctx, from which the callee reads its selector (a
    // copy of a caller register would be narrowed in both frames by the branch).
    p.emit(`mov %r2, ${wide}`, "mov %r3, %r6");
    p.pad();
    call();
    const lw = p.label(),
      lm = p.label();
    f.push(`ldxw %r3, [%r3+${r.pick([16, 20, 32])}]`);
    p.pad(f);
    f.push(`jne %r3, ${r.int(0, 2)}, ${lw}`, wideFirst ? "mov %r4, %r2" : `mov %r4, ${c}`);
    p.pad(f);
    f.push(`ja ${lm}`, `${lw}:`, wideFirst ? `mov %r4, ${c}` : "mov %r4, %r2");
    p.pad(f);
    f.push(`${lm}:`);
    if (r.chance(0.3)) f.push("mov %r0, 0");
  } else {
    const lw = p.label(),
      lm = p.label();
    const two = where === "sites";
    p.pad();
    p.emit(`jne %r9, ${r.int(0, 2)}, ${lw}`, wideFirst ? `mov %r2, ${wide}` : `mov %r2, ${c}`);
    if (two) call();
    p.pad();
    p.emit(`ja ${lm}`, `${lw}:`, wideFirst ? `mov %r2, ${c}` : `mov %r2, ${wide}`);
    if (two) call();
    p.pad();
    p.emit(`${lm}:`);
    if (!two) call();
    f.push("mov %r4, %r2");
  }
  if (r.chance(0.3)) p.emit("mov %r1, 0");
  const fd = r.pick([5, 3, 7]);
  p.lookup(fd, 0, slot === -8 ? -20 : -4);
  p.emit("jeq %r0, 0, out", `ldx${r.chance(0.8) ? "dw" : "w"} %r3, [%r10${slot}]`);
  if (r.chance(0.2)) p.emit(`and %r3, ${r.pick([7, 0xff])}`);
  p.emit("add %r0, %r3", r.chance(0.5) ? "stb [%r0+0], 1" : "ldxb %r1, [%r0+0]");
  // The store, maybe one call level deeper.
  if (r.chance(0.3)) f.push("call local store2", "mov %r0, 0", "exit", "store2:");
  f.push(r.chance(0.8) ? "stxdw [%r1+0], %r4" : "stxw [%r1+0], %r4", "mov %r0, 0", "exit");
  p.funcs.push(f);
  return p.text();
}

/** c. Negative register offsets with positive instruction offsets on map values, the stack and ctx. */
export function genNegOff(seed: number): string {
  const r = new Rand(seed);
  const p = new Prog(r);
  const base = r.pick(["map", "map", "stack", "ctx"]);
  const k = r.pick([1, 2, 4, 8, 16, 24]);
  const size = r.pick([1, 2, 4, 8]);
  let ptr = "%r7";
  p.emit("mov %r9, 3");
  if (base === "map") {
    p.lookup(r.pick([3, 5, 7]), 0);
    p.emit("jeq %r0, 0, out", "mov %r7, %r0");
  } else if (base === "stack") {
    p.emit(
      "stdw [%r10-8], 0",
      "stdw [%r10-16], 0",
      "stdw [%r10-24], 0",
      "stdw [%r10-32], 0",
      "mov %r7, %r10",
      "add %r7, -8",
    );
  } else {
    p.emit("mov %r7, %r6", "add %r7, 16");
  }
  switch (r.int(0, 3)) {
    case 0:
      p.emit(`add ${ptr}, -${k}`);
      break;
    case 1:
      p.emit(`sub ${ptr}, ${k}`);
      break;
    case 2:
      p.emit(`mov %r3, -${k}`, `add ${ptr}, %r3`);
      break;
    default:
      p.emit(`add ${ptr}, -${k}`, `add ${ptr}, ${r.pick([0, 4, k])}`);
  }
  if (r.chance(0.3)) {
    p.emit(`mov %r8, ${ptr}`);
    ptr = "%r8";
  }
  const o = r.pick([k, k, k + r.int(-2, 8), 0]);
  const off = o < 0 ? `${o}` : `+${o}`;
  const sfx = SIZE_SUFFIX[size]!;
  if (base !== "ctx" && r.chance(0.5))
    p.emit(r.chance(0.5) ? `st${sfx} [${ptr}${off}], 5` : `stx${sfx} [${ptr}${off}], %r9`);
  else p.emit(`ldx${sfx} %r1, [${ptr}${off}]`);
  return p.text();
}

const ATOMIC_OPS = ["add", "and", "or", "xor", "xchg", "cmpxchg"] as const;

/** d. Atomics at constant (mis)aligned, variable and possibly misaligned offsets on map values and the stack. */
export function genAtomic(seed: number): string {
  const r = new Rand(seed);
  const p = new Prog(r);
  const w = r.chance(0.5) ? 4 : 8;
  const op = r.pick(ATOMIC_OPS);
  const fetch = op !== "xchg" && op !== "cmpxchg" && r.chance(0.4);
  const onStack = r.chance(0.3);
  let room: number;
  if (onStack) {
    for (let o = -8; o >= -32; o -= 8) p.emit(`stdw [%r10${o}], 0`);
    p.emit("mov %r7, %r10", "add %r7, -32");
    room = 32;
  } else {
    const fd = r.pick([3, 7, 5]);
    room = fd === 3 ? 16 : fd === 5 ? 8 : 256;
    p.lookup(fd, 0);
    p.emit("jeq %r0, 0, out", "mov %r7, %r0");
  }
  let off = 0;
  switch (r.int(0, 3)) {
    case 0:
      off = r.int(0, room - w); // constant, maybe misaligned
      break;
    case 1: {
      // variable, masked: maybe aligned by a shift, maybe not
      p.ctxScalar("%r3");
      const shift = r.pick([0, 0, 2, 3]);
      const lim = Math.max(1, Math.floor((room - w) / 2 ** shift));
      p.emit(`and %r3, ${r.pick([lim, 1, 3, 7, 15].filter((x) => x <= lim))}`);
      if (shift > 0) p.emit(`lsh %r3, ${shift}`);
      p.emit("add %r7, %r3");
      off = r.chance(0.7) ? 0 : r.int(0, 3);
      break;
    }
    case 2: {
      // variable and bounded by a branch
      p.ctxScalar("%r3");
      p.emit(`jgt %r3, ${room - w}, out`, "add %r7, %r3");
      break;
    }
    default:
      // constant register offset
      p.emit(`add %r7, ${r.int(0, room - w - 1)}`);
      off = r.chance(0.5) ? 0 : 1;
  }
  p.emit(`mov %r1, ${r.int(0, 9)}`);
  if (op === "cmpxchg") p.emit(`mov %r0, ${r.int(0, 1)}`);
  const name = `${op}${w === 4 ? "32" : ""}`;
  p.emit(`lock ${fetch ? "fetch " : ""}${name} [%r7+${off}], %r1`);
  return p.text();
}

/** e. Argmin / best-slot loops over 2-64 slots (array map entries, one map value, or a stack array). */
export function genArgmin(seed: number): string {
  const r = new Rand(seed);
  const p = new Prog(r);
  const src = r.pick(["entries", "value", "stack"]);
  const n = src === "stack" ? r.int(2, 48) : src === "value" ? r.int(2, 32) : r.int(2, 64);
  const brk = r.chance(0.3);
  const idxUse = r.pick(["none", "select", "key", "offset"]);
  const cmp = r.pick(["jge", "jgt", "jsge"]);
  const up = r.chance(0.75);
  if (src === "stack") {
    p.emit("call 7", "mov %r1, %r0");
    for (let i = 0; i < n; i++)
      p.emit(`stxdw [%r10-${8 * (i + 1)}], %r1`, `${r.pick(["add", "xor", "mul"])} %r1, ${r.int(1, 99)}`);
  }
  if (src === "value") {
    p.lookup(7, 0);
    p.emit("jeq %r0, 0, out", "stxdw [%r10-8], %r0");
  }
  p.emit(r.chance(0.5) ? "mov %r7, -1" : "lddw %r7, 0x7fffffffffffffff", "mov %r8, 0", `mov %r9, ${up ? 0 : n}`);
  const loop = p.label(),
    next = p.label(),
    done = p.label();
  p.emit(`${loop}:`);
  if (!up) p.emit("add %r9, -1");
  if (src === "entries") {
    p.lookup(6, "%r9");
    p.emit(`jeq %r0, 0, ${r.chance(0.5) ? next : done}`, "ldxdw %r1, [%r0+0]");
  } else if (src === "value") {
    p.emit("ldxdw %r2, [%r10-8]", "mov %r3, %r9", "lsh %r3, 3", "add %r2, %r3", "ldxdw %r1, [%r2+0]");
  } else {
    p.emit("mov %r2, %r10", `add %r2, -${8 * n}`, "mov %r3, %r9", "lsh %r3, 3", "add %r2, %r3", "ldxdw %r1, [%r2+0]");
  }
  if (brk) p.emit(`jeq %r1, 0, ${done}`);
  p.emit(`${cmp} %r1, %r7, ${next}`, "mov %r7, %r1", "mov %r8, %r9", `${next}:`);
  if (up) p.emit("add %r9, 1", `jlt %r9, ${n}, ${loop}`);
  else p.emit(`jne %r9, 0, ${loop}`);
  p.emit(`${done}:`);
  switch (idxUse) {
    case "select":
      p.emit(
        "and %r8, 3",
        "stxw [%r10-4], %r8",
        "mov %r1, %r6",
        "lddw %r2, map_fd(4)",
        "mov %r3, %r10",
        "add %r3, -4",
        "mov %r4, 0",
        "call 82",
      );
      break;
    case "key":
      p.lookup(6, "%r8");
      p.emit("jeq %r0, 0, out", "stxdw [%r0+0], %r7");
      break;
    case "offset":
      p.emit("mov %r9, %r8", "lsh %r9, 3");
      p.lookup(7, 0);
      p.emit("jeq %r0, 0, out", "add %r0, %r9", "stxdw [%r0+0], %r7");
      break;
  }
  return p
    .text()
    .replace(/\nout:\nmov %r0, 1\nexit/, `\nout:\n${r.chance(0.5) ? "mov %r0, 1" : "mov %r0, %r8\nand %r0, 1"}\nexit`);
}

/** f. The other kernel rules the fuzzer found, one template per rule with random parameters. */
export const RULES = [
  "pkt-key",
  "var-stack-helper",
  "callee-ret-stack",
  "callee-spill-own-stack",
  "stack-sub",
  "lddw-imm2",
  "dead-bad-fd",
  "pkt-max-off",
  "stack-var-read",
  "cmpxchg-var",
  "const-key",
  "sdiv32",
] as const;

export function genRules(seed: number): string {
  const r = new Rand(seed);
  const p = new Prog(r);
  const rule = RULES[seed % RULES.length]!;
  p.emit(`# rule: ${rule}`);
  switch (rule) {
    case "pkt-key": {
      const len = r.pick([4, 8]);
      p.emit("ldxdw %r2, [%r6+0]", "ldxdw %r3, [%r6+8]", "mov %r4, %r2", `add %r4, ${len}`, "jgt %r4, %r3, out");
      if (r.chance(0.6)) p.emit("mov %r3, %r2", "mov %r1, %r6", "lddw %r2, map_fd(4)", "mov %r4, 0", "call 82");
      else p.emit("lddw %r1, map_fd(3)", "call 1");
      break;
    }
    case "var-stack-helper": {
      p.emit("stdw [%r10-8], 0", "stdw [%r10-16], 0", "stdw [%r10-24], 0");
      p.ctxScalar("%r3");
      p.emit(
        `and %r3, ${r.pick([0, 1, 3, 4, 7, 8, 12, 16])}`,
        "mov %r2, %r10",
        `add %r2, -${r.pick([8, 16, 24])}`,
        "add %r2, %r3",
      );
      if (r.chance(0.6)) p.emit("lddw %r1, map_fd(3)", "call 1");
      else p.emit("mov %r3, %r2", "mov %r1, %r6", "lddw %r2, map_fd(4)", "mov %r4, 0", "call 82");
      break;
    }
    case "callee-ret-stack": {
      const own = r.chance(0.5);
      p.emit("stdw [%r10-8], 3", "mov %r1, %r10", "add %r1, -8", "call local f");
      if (r.chance(0.5)) p.emit("ldxdw %r1, [%r0+0]");
      p.funcs.push(
        own ? ["f:", "stdw [%r10-8], 1", "mov %r0, %r10", "add %r0, -8", "exit"] : ["f:", "mov %r0, %r1", "exit"],
      );
      break;
    }
    case "callee-spill-own-stack": {
      p.emit("stdw [%r10-8], 0", "mov %r1, %r10", "add %r1, -8", "call local f");
      if (r.chance(0.5)) p.emit("ldxdw %r1, [%r10-8]", r.chance(0.5) ? "ldxdw %r2, [%r1+0]" : "mov %r2, 0");
      p.funcs.push([
        "f:",
        "stdw [%r10-8], 5",
        "mov %r2, %r10",
        `add %r2, -${r.pick([8, 16])}`,
        "stxdw [%r1+0], %r2",
        "mov %r0, 0",
        "exit",
      ]);
      break;
    }
    case "stack-sub": {
      const k = r.pick([8, 16, 4]);
      p.emit("mov %r2, %r10", r.chance(0.5) ? `sub %r2, ${k}` : `mov %r3, ${k}`);
      if (!p.lines[p.lines.length - 1]!.startsWith("sub")) p.emit("sub %r2, %r3");
      p.emit(r.chance(0.5) ? "stdw [%r2+0], 1" : "mov %r1, 0");
      break;
    }
    case "lddw-imm2": {
      p.emit(
        "stw [%r10-4], 0",
        "mov %r2, %r10",
        "add %r2, -4",
        `lddw %r1, pseudo(1, ${r.pick([3, 5])}, ${r.pick([0, 1, 4, -1])})`,
        "call 1",
      );
      break;
    }
    case "dead-bad-fd": {
      const l = p.label();
      const fd = r.pick([9, 3, 42]);
      // Reachable in the CFG (so not "unreachable insn"), never executed: the branch is decided.
      p.emit(
        `mov %r5, ${r.int(0, 3)}`,
        `${r.pick(["jge", "jle", "jne"])} %r5, ${r.pick([0, 5])}, ${l}`,
        `lddw %r1, map_fd(${fd})`,
        `${l}:`,
      );
      break;
    }
    case "pkt-max-off": {
      const k = r.pick([0xfffe, 0xffff, 0x10000, 0x10001, 70000, 1000]);
      p.emit(
        "ldxdw %r2, [%r6+0]",
        "ldxdw %r3, [%r6+8]",
        "mov %r4, %r2",
        `add %r4, ${k}`,
        "jgt %r4, %r3, out",
        `ldxb %r5, [%r2+${Math.min(k - 1, 0x7fff)}]`,
      );
      break;
    }
    case "stack-var-read": {
      for (let o = -8; o >= -32; o -= 8) p.emit(`stdw [%r10${o}], 0`);
      p.ctxScalar("%r3");
      const sz = r.pick([1, 2, 4, 4, 8]);
      p.emit(
        `and %r3, ${r.pick([3, 4, 7, 8, 12, 16])}`,
        "mov %r2, %r10",
        "add %r2, -32",
        "add %r2, %r3",
        `ldx${SIZE_SUFFIX[sz]} %r4, [%r2+0]`,
      );
      break;
    }
    case "cmpxchg-var": {
      p.lookup(r.pick([3, 7]), 0);
      p.emit("jeq %r0, 0, out", "mov %r7, %r0");
      p.ctxScalar("%r3");
      p.emit(
        `and %r3, ${r.pick([1, 3, 8])}`,
        r.chance(0.5) ? "lsh %r3, 2" : "mov %r4, 0",
        "add %r7, %r3",
        "mov %r0, 0",
        "mov %r1, 1",
        `lock cmpxchg${r.chance(0.5) ? "32" : ""} [%r7+0], %r1`,
      );
      break;
    }
    case "const-key": {
      const fd = r.pick([3, 5, 6]);
      const max = fd === 3 ? 4 : fd === 5 ? 2 : 64;
      const key = r.pick([0, 1, max - 1, max]);
      const slot = r.pick([-4, -8]);
      switch (r.int(0, 2)) {
        case 0:
          p.emit(`stw [%r10${slot}], ${key}`);
          break;
        case 1:
          p.emit(`mov %r1, ${key}`, `stxw [%r10${slot}], %r1`);
          break;
        default:
          p.emit(`stdw [%r10-8], ${key}`);
      }
      p.emit(
        "mov %r2, %r10",
        `add %r2, ${r.chance(0.8) ? slot : -8}`,
        `lddw %r1, map_fd(${fd})`,
        "call 1",
        "ldxb %r1, [%r0+0]",
      );
      break;
    }
    case "sdiv32": {
      // Signed division and tnum-derived ranges: Baton must be exactly as precise as the kernel.
      p.ctxScalar("%r7");
      if (r.chance(0.5)) p.emit(`and %r7, ${r.pick(["0xff", "0xffff", "0x8000000f", "-16"])}`);
      if (r.chance(0.5)) p.emit(`mov %r3, ${r.pick([-3, -1, 2, 7, 0])}`);
      for (let i = r.int(1, 3); i > 0; i--) {
        const op = r.pick([
          "sdiv32",
          "smod32",
          "sdiv",
          "smod",
          "and",
          "or",
          "arsh",
          "rsh",
          "mul",
          "sdiv32",
          "neg32",
          "xor",
          "add32",
          "lsh",
        ]);
        if (op === "neg32") p.emit("neg32 %r7");
        else if (op.startsWith("s") && p.lines.some((l) => l.startsWith("mov %r3")) && r.chance(0.4))
          p.emit(`${op} %r7, %r3`);
        else
          p.emit(
            `${op} %r7, ${op === "and" || op === "or" || op === "xor" ? r.pick([0xf0, 0xff, 7, 0x3c, -8]) : op.endsWith("sh") ? r.int(1, 31) : r.pick([-3, -1, 2, 3, 7, 1000, -1000])}`,
          );
      }
      const guard = r.int(0, 4);
      if (guard === 1) p.emit(`jgt %r7, ${r.pick([7, 15, 255])}, out`);
      if (guard === 2) p.emit(`jsgt %r7, ${r.pick([7, 15, 255])}, out`, "jslt %r7, 0, out");
      if (guard === 3) p.emit(`jsgt32 %r7, ${r.pick([7, 15, 255])}, out`, `${r.pick(["jslt32", "jslt"])} %r7, 0, out`);
      p.lookup(7, 0, -8);
      p.emit("jeq %r0, 0, out", "add %r0, %r7", "ldxb %r2, [%r0+0]");
      break;
    }
  }
  return p.text();
}

export const GENERATORS: Readonly<Record<GenClass, (seed: number) => string>> = {
  linked: genLinked,
  callee: genCallee,
  negoff: genNegOff,
  atomic: genAtomic,
  argmin: genArgmin,
  rules: genRules,
  legacy: (seed) => generate(seed, true),
};
