// The address space's bound on one region: the trusted JIT's pointer facts assume an offset
// inside a region stays below MAX_REGION_SIZE, so a larger region must not exist.
import { describe, expect, it } from "vitest";
import { VmTrap } from "../../src/errors.js";
import { AddressSpace, MAX_REGION_SIZE } from "../../src/vm/memory.js";

/** Stands for a byte array of `n` bytes without allocating it (only its length is read before the check). */
const sized = (n: number): Uint8Array => ({ byteLength: n }) as unknown as Uint8Array;

describe("region size bound", () => {
  it("a region of MAX_REGION_SIZE + 1 bytes is refused when added or rebound", () => {
    const mem = new AddressSpace();
    expect(() => mem.add("big", sized(MAX_REGION_SIZE + 1), false)).toThrow(VmTrap);
    const r = mem.add("small", new Uint8Array(8), false);
    expect(() => mem.rebind(r, sized(MAX_REGION_SIZE + 1))).toThrow(/region small of 1073741825 bytes/);
    expect(r.size).toBe(8);
  });
});
