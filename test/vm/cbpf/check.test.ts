import { describe, expect, it } from "vitest";
import { assembleClassic } from "../../../src/vm/cbpf/assembler.js";
import { checkClassic, reuseportAttachError, bpfProgSize } from "../../../src/vm/cbpf/check.js";
import { convertClassic } from "../../../src/vm/cbpf/convert.js";
import { insn } from "../../../src/vm/cbpf/filter.js";
import * as O from "../../../src/vm/cbpf/opcodes.js";

const ret0 = insn(O.RET_K, 0, 0, 0);

describe("classic checker (bpf_check_classic, check_load_and_stores)", () => {
  const cases: [string, string | undefined, number][] = [
    ["ret #0", undefined, 0],
    ["ret x", "code", 0],
    ["ld #1\ndiv #0\nret a", "div-by-zero", 1],
    ["mod #0\nret a", "div-by-zero", 0],
    ["lsh #32\nret a", "shift", 0],
    ["rsh #31\nret a", undefined, 0],
    ["st M[16]\nret a", "mem-index", 0],
    ["ld M[3]\nret a", "mem-uninit", 0],
    ["st M[3]\nld M[3]\nret a", undefined, 0],
    ["jeq #0, yes, no\nyes: st M[1]\nno: ld M[1]\nret a", "mem-uninit", 2],
    ["jeq #0, yes, no\nyes: st M[1]\nja done\nno: stx M[1]\ndone: ld M[1]\nret a", undefined, 0],
    ["ld [0xfffff002]\nret a", "ancillary", 0],
    ["ld #cpu\nret a", undefined, 0],
    ["ld [0xfff00000]\nret a", undefined, 0],
    ["ld #0", "last-not-ret", 0],
  ];
  it.each(cases)("%s -> %s", (src, rule, at) => {
    const e = checkClassic(assembleClassic(src));
    expect(e?.rule).toBe(rule);
    if (e !== undefined) {
      expect(e.insn).toBe(at);
      expect(e.message).toMatch(/\S/);
      expect(e.errno).toBe(22);
    }
  });

  it("checks jump reach against the program's end", () => {
    expect(checkClassic([insn(O.JA, 0, 0, 1), ret0])?.rule).toBe("ja-range");
    expect(checkClassic([insn(O.JA, 0, 0, 0), ret0])).toBeUndefined();
    expect(checkClassic([insn(O.C_JMP | O.J_JGT, 0, 1, 0), ret0])?.rule).toBe("jump-range");
    expect(checkClassic([insn(O.C_JMP | O.J_JGT, 0, 0, 0), ret0])).toBeUndefined();
  });

  it("reports the first failure in the kernel's order (per instruction, then the last ret, then memory)", () => {
    const e = checkClassic([insn(O.LD_MEM, 0, 0, 0), insn(O.C_ALU | O.A_DIV, 0, 0, 0), insn(O.LD_IMM, 0, 0, 0)]);
    expect([e?.rule, e?.insn]).toEqual(["div-by-zero", 1]);
    const f = checkClassic([insn(O.LD_MEM, 0, 0, 0), insn(O.LD_IMM, 0, 0, 0)]);
    expect(f?.rule).toBe("last-not-ret");
  });

  it("limits programs to 1..4096 instructions", () => {
    expect(checkClassic([])?.rule).toBe("length");
    expect(checkClassic(Array.from({ length: 4096 }, () => ret0))).toBeUndefined();
    expect(checkClassic(Array.from({ length: 4097 }, () => ret0))?.rule).toBe("length");
  });

  it("applies the attach's size limit to the converted program (ENOMEM)", () => {
    const prog = [...Array.from({ length: 1100 }, () => insn(O.LD_W_ABS, 0, 0, 0x10000)), insn(O.RET_A, 0, 0, 0)];
    const size = bpfProgSize(convertClassic(prog).insns.length);
    expect(reuseportAttachError(prog, size)).toBeUndefined();
    const e = reuseportAttachError(prog, size - 1);
    expect([e?.rule, e?.errno]).toEqual(["optmem", 12]);
  });
});
