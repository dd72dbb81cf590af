/**
 * Kernel-style (verifier log) spelling of each instruction form, and a cross-check of the
 * assembler's encodings against LLVM 14's BPF assembler (llvm-mc), skipped when it is missing.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { disassemble, formatInsn, helperNamesOf } from "../../../src/vm/asm/disassembler.js";
import { decode } from "../../../src/vm/isa.js";
import { SK_REUSEPORT } from "../../../src/vm/program-type.js";

const names = helperNamesOf(SK_REUSEPORT);

// [conformance dialect, kernel style]
const KERNEL: ReadonlyArray<readonly [string, string]> = [
  ["ldxw %r0, [%r1+4]", "r0 = *(u32 *)(r1 +4)"],
  ["ldxb %r0, [%r1]", "r0 = *(u8 *)(r1 +0)"],
  ["ldxsh %r0, [%r1+2]", "r0 = *(s16 *)(r1 +2)"],
  ["ldxsw %r3, [%r10-4]", "r3 = *(s32 *)(r10 -4)"],
  ["mov32 %r0, 1", "w0 = 1"],
  ["mov %r0, -1", "r0 = -1"],
  ["add %r1, 2", "r1 += 2"],
  ["sub32 %r1, %r2", "w1 -= w2"],
  ["arsh %r1, 3", "r1 s>>= 3"],
  ["sdiv %r1, %r2", "r1 s/= r2"],
  ["smod32 %r1, 7", "w1 s%= 7"],
  ["div %r1, %r2", "r1 /= r2"],
  ["movsx864 %r1, %r2", "r1 = (s8)r2"],
  ["movsx1632 %r1, %r2", "w1 = (s16)w2"],
  ["movsx3264 %r1, %r2", "r1 = (s32)r2"],
  ["neg %r3", "r3 = -r3"],
  ["neg32 %r3", "w3 = -w3"],
  ["be16 %r1", "r1 = be16 r1"],
  ["le64 %r1", "r1 = le64 r1"],
  ["bswap32 %r1", "r1 = bswap32 r1"],
  ["jgt %r1, %r2, +3", "if r1 > r2 goto pc+3"],
  ["jslt32 %r1, 5, -2", "if w1 s< 0x5 goto pc-2"],
  ["jeq %r1, -1, +0", "if r1 == 0xffffffff goto pc+0"],
  ["jset %r1, 4, +1", "if r1 & 0x4 goto pc+1"],
  ["ja -1", "goto pc-1"],
  ["ja32 +70000", "gotol pc+70000"],
  ["stxdw [%r10-8], %r1", "*(u64 *)(r10 -8) = r1"],
  ["stw [%r1+2], 7", "*(u32 *)(r1 +2) = 7"],
  ["lddw %r0, 0x1122334455667788", "r0 = 0x1122334455667788 ll"],
  ["lddw %r1, map_fd(3)", "r1 = map[fd:3] ll"],
  ["lddw %r1, map_value(3, 16)", "r1 = map[fd:3][0]+16 ll"],
  ["call 1", "call bpf_map_lookup_elem#1"],
  ["call 999", "call 999"],
  ["call local +5", "call pc+5"],
  ["call runtime 42", "call kernel-function#42"],
  ["call %r2", "callx r2"],
  ["exit", "exit"],
  ["lock add [%r10-8], %r1", "lock *(u64 *)(r10 -8) += r1"],
  ["lock xor32 [%r10-4], %r2", "lock *(u32 *)(r10 -4) ^= r2"],
  ["lock fetch add [%r10-8], %r1", "r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)"],
  ["lock fetch or32 [%r10-4], %r1", "r1 = atomic_fetch_or((u32 *)(r10 -4), r1)"],
  ["lock xchg [%r10-8], %r3", "r3 = atomic64_xchg((u64 *)(r10 -8), r3)"],
  ["lock cmpxchg [%r10-8], %r1", "r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)"],
  ["lock cmpxchg32 [%r10-8], %r1", "r0 = atomic_cmpxchg((u32 *)(r10 -8), r0, r1)"],
  ["ldabsh 12", "r0 = *(u16 *)skb[12]"],
  ["ldindb %r1, 2", "r0 = *(u8 *)skb[r1 + 2]"],
];

describe("kernel style", () => {
  for (const [asm, kernel] of KERNEL) {
    it(`${asm} → ${kernel}`, () => {
      expect(formatInsn(decode(assemble(asm)), 0, "kernel", names)).toBe(kernel);
    });
  }
  it("without helper names a helper call prints its id", () => {
    expect(formatInsn(decode(assemble("call 1")), 0, "kernel")).toBe("call 1");
  });
  it("disassemble prefixes index and opcode like the verifier log, lddw once", () => {
    expect(disassemble(assemble("lddw %r1, 1\nexit"), { style: "kernel" })).toBe("0: (18) r1 = 0x1 ll\n2: (95) exit\n");
  });
});

// [LLVM 14 BPF assembler syntax, conformance dialect]: the two must encode identically.
const LLVM: ReadonlyArray<readonly [string, string]> = [
  ["r0 = *(u32 *)(r1 + 4)", "ldxw %r0, [%r1+4]"],
  ["w0 = 1", "mov32 %r0, 1"],
  ["r1 += 2", "add %r1, 2"],
  ["if r1 > r2 goto +3", "jgt %r1, %r2, +3"],
  ["if w1 s< 5 goto -2", "jslt32 %r1, 5, -2"],
  ["*(u64 *)(r10 - 8) = r1", "stxdw [%r10-8], %r1"],
  ["r0 = 0x1122334455667788 ll", "lddw %r0, 0x1122334455667788"],
  ["call 1", "call 1"],
  ["exit", "exit"],
  ["r1 = be16 r1", "be16 %r1"],
  ["r1 = le64 r1", "le64 %r1"],
  ["lock *(u64 *)(r10 - 8) += r1", "lock add [%r10-8], %r1"],
  ["lock *(u32 *)(r10 - 4) += w1", "lock add32 [%r10-4], %r1"],
  ["w1 = -w1", "neg32 %r1"],
  ["r2 s>>= 3", "arsh %r2, 3"],
  ["w3 = w4", "mov32 %r3, %r4"],
  ["r0 = *(u8 *)(r1 - 1)", "ldxb %r0, [%r1-1]"],
  ["goto -1", "ja -1"],
  ["w1 &= 255", "and32 %r1, 255"],
  ["if r1 s>= -3 goto +0", "jsge %r1, -3, +0"],
  ["r5 = r10", "mov %r5, %r10"],
  ["r1 <<= 32", "lsh %r1, 32"],
];

function llvmAvailable(): boolean {
  try {
    execFileSync("llvm-mc", ["--version"], { stdio: "ignore" });
    execFileSync("llvm-objcopy", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("cross-check with llvm-mc (LLVM BPF assembler)", () => {
  const have = llvmAvailable();
  it.skipIf(!have)(
    `encodes ${LLVM.length} instructions exactly as llvm-mc does${have ? "" : " (skipped: llvm-mc/llvm-objcopy not installed)"}`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), "baton-llvm-"));
      try {
        writeFileSync(join(dir, "x.s"), LLVM.map(([l]) => l).join("\n") + "\n");
        execFileSync(
          "llvm-mc",
          ["-triple", "bpfel", "-mattr=+alu32", "-filetype=obj", join(dir, "x.s"), "-o", join(dir, "x.o")],
          { timeout: 20_000 },
        );
        execFileSync("llvm-objcopy", ["-O", "binary", "--only-section=.text", join(dir, "x.o"), join(dir, "x.bin")], {
          timeout: 20_000,
        });
        const theirs = new Uint8Array(readFileSync(join(dir, "x.bin")));
        const ours = assemble(LLVM.map(([, c]) => c).join("\n"));
        expect(disassemble(theirs)).toBe(disassemble(ours));
        expect(theirs).toEqual(ours);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
