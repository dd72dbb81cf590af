import { describe, expect, it } from "vitest";
import { HELPER } from "../../../src/vm/program-type.js";
import { errnoName } from "../../../src/vm/maps/index.js";
import { fixture } from "./fixture.js";
import { ptr, r0, regs, type RegValue } from "./regs.js";

describe("trace_printk", () => {
  // [format, args r3..r5, expected output or errno]
  const cases: [string, RegValue[], string][] = [
    ["hello\n", [], "hello\n"],
    ["%d %u %x", [-5, -5, 255], "-5 4294967291 ff"],
    [
      "%ld %llu %lx",
      [
        { hi: 0xffffffff, lo: 0xfffffffe },
        { hi: 1, lo: 0 },
        { hi: 0xab, lo: 0xcd },
      ],
      "-2 4294967296 ab000000cd",
    ],
    ["[%5d|%-4u|%04x]", [42, 7, 0xa], "[   42|7   |000a]"],
    ["%+d % d %05d", [3, 4, -42], "+3  4 -0042"],
    ["%c%c %%", [0x4f, 0x4b], "OK %"],
    ["%X", [0xbeef], "BEEF"],
    ["%px", [{ hi: 1, lo: 2 }], "0000000100000002"],
    ["%d %d %d %d", [1, 2, 3], "-EINVAL"], // more than three conversions
    ["%f", [1], "-EINVAL"],
    ["%pI4", [1], "-EINVAL"],
    ["bell\x07", [], "-EINVAL"],
  ];
  it.each(cases)("%j → %j", (fmt, args, want) => {
    const f = fixture();
    const bytes = new TextEncoder().encode(`${fmt}\0`);
    f.scratch.bytes.set(bytes, 0);
    const r = regs(ptr(f.scratch.id), bytes.length, ...args);
    f.helper(HELPER.trace_printk)(r, f.mem);
    if (want === "-EINVAL") {
      expect(errnoName(r0(r))).toBe("-EINVAL");
      expect(f.env.trace).toEqual([]);
    } else {
      expect(r0(r)).toBe(want.length);
      expect(f.env.trace).toEqual([want]);
    }
  });

  it("a format without a NUL inside fmt_size is -EINVAL; %s reads a string from VM memory", () => {
    const f = fixture();
    f.scratch.bytes.set(new TextEncoder().encode("abc"), 0);
    const r = regs(ptr(f.scratch.id), 3);
    f.helper(HELPER.trace_printk)(r, f.mem);
    expect(errnoName(r0(r))).toBe("-EINVAL");
    f.scratch.bytes.set(new TextEncoder().encode("s=%s\0name\0"), 0);
    const r2 = regs(ptr(f.scratch.id), 5, ptr(f.scratch.id, 5));
    f.helper(HELPER.trace_printk)(r2, f.mem);
    expect(f.env.trace).toEqual(["s=name"]);
  });
});
