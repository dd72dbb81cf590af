import { describe, expect, it } from "vitest";
import { BytecodeError } from "../../../src/errors.js";
import { BPF_ALU64, BPF_K, BPF_MOV, makeInsn, OP_EXIT, OP_LDDW, toSlots } from "../../../src/vm/isa.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { MapTable, relocate } from "../../../src/vm/maps/index.js";

function setup(): MapTable {
  const t = new MapTable(new AddressSpace());
  t.create({ fd: 3, type: 2, keySize: 4, valueSize: 16, maxEntries: 2 });
  t.create({ fd: 4, type: 1, keySize: 4, valueSize: 8, maxEntries: 2 });
  return t;
}
const exit = makeInsn(OP_EXIT);

describe("relocate", () => {
  it("src=1 fd → the map's handle address; the slot form's second slot gets the high half", () => {
    const t = setup();
    const m = t.byFd(4)!;
    const out = relocate(toSlots([makeInsn(OP_LDDW, 1, 1, 0, 4), exit]), t);
    expect(out[0]).toEqual(makeInsn(OP_LDDW, 1, 0, 0, 0, m.handle.id));
    expect(out[1]).toEqual(makeInsn(0, 0, 0, 0, m.handle.id));
    expect(out[2]).toEqual(exit);
  });

  it("src=2 fd+off → address of byte off of the array value; src=5/6 name maps by index", () => {
    const t = setup();
    const a = t.byFd(3)!;
    const arena = a.kind === "data" ? a.arena.id : -1;
    const out = relocate(
      [makeInsn(OP_LDDW, 2, 2, 0, 3, 12), makeInsn(OP_LDDW, 3, 5, 0, 1), makeInsn(OP_LDDW, 4, 6, 0, 0, 4), exit],
      t,
    );
    expect(out[0]).toEqual(makeInsn(OP_LDDW, 2, 0, 0, 12, arena));
    expect(out[1]).toEqual(makeInsn(OP_LDDW, 3, 0, 0, 0, t.byFd(4)!.handle.id));
    expect(out[2]).toEqual(makeInsn(OP_LDDW, 4, 0, 0, 4, arena));
  });

  it("leaves plain lddw and other instructions alone, and is idempotent", () => {
    const t = setup();
    const prog = [makeInsn(OP_LDDW, 0, 0, 0, 7, 9), makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1), exit];
    expect(relocate(prog, t)).toEqual(prog);
    const once = relocate([makeInsn(OP_LDDW, 1, 1, 0, 3), exit], t);
    expect(relocate(once, t)).toEqual(once);
  });

  const errors: [string, ReturnType<typeof makeInsn>, string, string][] = [
    [
      "unknown fd",
      makeInsn(OP_LDDW, 1, 1, 0, 7),
      "bytecode.unknown-map-fd",
      "lddw refers to map fd 7, but no map has that fd (maps: 3, 4)",
    ],
    [
      "unknown index",
      makeInsn(OP_LDDW, 1, 5, 0, 2),
      "bytecode.unknown-map-index",
      "lddw refers to map index 2, but the table holds 2 maps (indices 0..1)",
    ],
    [
      "value offset = value_size",
      makeInsn(OP_LDDW, 1, 2, 0, 3, 16),
      "bytecode.map-value-offset",
      "lddw value offset 16 into map fd 3 (map3); expected 0..15 (value_size 16)",
    ],
    [
      "map pointer with a non-zero high half",
      makeInsn(OP_LDDW, 1, 1, 0, 3, 5),
      "bytecode.lddw-map-imm2",
      "lddw src=1 loads a map pointer, so its second slot's imm must be 0 (got 5)",
    ],
    [
      "direct value of a hash",
      makeInsn(OP_LDDW, 1, 2, 0, 4, 0),
      "bytecode.map-value-access",
      "lddw takes the address of a value of map fd 4 (map4), but only array maps allow direct value access (map type 1)",
    ],
  ];
  it.each(errors)("%s → BytecodeError at the instruction", (_d, insn, code, msg) => {
    const t = setup();
    let err: unknown;
    try {
      relocate([exit, insn, exit], t);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BytecodeError);
    expect((err as BytecodeError).code).toBe(code);
    expect((err as BytecodeError).message).toBe(msg);
    expect((err as BytecodeError).location).toEqual({ insn: 1 });
  });

  it("no maps at all", () => {
    expect(() => relocate([makeInsn(OP_LDDW, 1, 1, 0, 3)], new MapTable(new AddressSpace()))).toThrow(
      "lddw refers to map fd 3, but no map has that fd (maps: none)",
    );
  });
});
