import { describe, expect, it } from "vitest";
import { decode, encode, makeInsn, OP_EXIT, OP_LDDW } from "../src/vm/isa.js";

describe("isa smoke", () => {
  it("round-trips an lddw", () => {
    const bytes = encode([makeInsn(OP_LDDW, 1, 0, 0, 0x11223344, -1), makeInsn(OP_EXIT)], true);
    expect(bytes.length).toBe(24);
    const insns = decode(bytes);
    expect(insns[0]!.imm2).toBe(-1);
    expect(encode(insns)).toEqual(bytes);
  });
});
