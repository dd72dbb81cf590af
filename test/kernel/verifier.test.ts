// Kernel verifier bridge: the machine's kernel verdicts for a few reference programs.
import { describe, expect, it } from "vitest";
import { BytecodeError } from "../../src/errors.js";
import { kernelAvailability, kernelVerify } from "../../src/kernel/verifier.js";
import {
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
  BPF_SK_REUSEPORT_SELECT,
  BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
} from "../../src/vm/program-type.js";
import {
  lookupNoNullCheck,
  migrateToSlot,
  returnConst,
  selectSlot,
  uninitReturn,
  dropOnMigrate,
} from "../../src/kernel/programs.js";

const avail = kernelAvailability();
if (!avail.available) console.warn(`kernel verifier tests skipped: ${avail.reason}`);
const skip = !avail.available;

const EACCES = 13;
const EINVAL = 22;
const hashMap = { fd: 1, type: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 4 };
const sockArray = { fd: 1, type: BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, keySize: 4, valueSize: 8, maxEntries: 4 };

describe(`kernel verifier bridge${skip ? ` (skipped: ${avail.reason})` : ""}`, () => {
  const accepted: [string, Uint8Array, number, (typeof hashMap)[]][] = [
    ["r0 = 1; exit (migrate)", returnConst(1), BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, []],
    ["r0 = 0; exit (select)", returnConst(0), BPF_SK_REUSEPORT_SELECT, []],
    // Linux 6.18 has no return-range check for sk_reuseport (check_return_code's default case): 2 loads.
    ["r0 = 2; exit is accepted by this kernel", returnConst(2), BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, []],
    ["sockarray + sk_select_reuseport", selectSlot(1, 0), BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, [sockArray]],
    ["migrate-only select", migrateToSlot(1, 3), BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, [sockArray]],
    ["drop on migrate", dropOnMigrate(), BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, []],
  ];
  it.skipIf(skip).each(accepted)("accepts %s", async (_name, bytes, attachType, maps) => {
    const v = await kernelVerify(bytes, { attachType, maps });
    expect(v.log.includes("processed") ? "" : v.log).toBe("");
    expect({ accepted: v.accepted, errno: v.errno, stage: v.stage }).toEqual({
      accepted: true,
      errno: 0,
      stage: "load",
    });
  });

  const rejected: [string, Uint8Array, (typeof hashMap)[], number, string][] = [
    ["r0 never written", uninitReturn(), [], EACCES, "R0 !read_ok"],
    [
      "map lookup without NULL check",
      lookupNoNullCheck(1),
      [hashMap],
      EACCES,
      "invalid mem access 'map_value_or_null'",
    ],
    // map-type/helper compatibility (check_map_func_compatibility) fails with EINVAL, not EACCES.
    [
      "sk_select_reuseport on a hash map",
      selectSlot(1, 0),
      [hashMap],
      EINVAL,
      "cannot pass map_type 1 into func bpf_sk_select_reuseport",
    ],
  ];
  it.skipIf(skip).each(rejected)("rejects %s", async (_name, bytes, maps, errno, message) => {
    const v = await kernelVerify(bytes, { attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, maps });
    expect({ accepted: v.accepted, errno: v.errno }).toEqual({ accepted: false, errno });
    expect(v.log).toContain(message);
  });

  it.skipIf(skip)("refuses an attach type other than 39/40 with EINVAL", async () => {
    const v = await kernelVerify(returnConst(1), { attachType: 41, maps: [] });
    expect({ accepted: v.accepted, errno: v.errno }).toEqual({ accepted: false, errno: EINVAL });
  });

  it.skipIf(skip)("reports a map the kernel cannot create (sockarray value_size 5)", async () => {
    const v = await kernelVerify(selectSlot(1, 0), { attachType: 40, maps: [{ ...sockArray, valueSize: 5 }] });
    expect({ accepted: v.accepted, errno: v.errno, stage: v.stage }).toEqual({
      accepted: false,
      errno: EINVAL,
      stage: "map",
    });
    expect(v.detail).toContain("map fd(1) type 20");
  });

  it.skipIf(skip)("names the instruction whose lddw references an undeclared map", async () => {
    const err = await kernelVerify(selectSlot(7, 0), { attachType: 40, maps: [sockArray] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BytecodeError);
    expect((err as BytecodeError).message).toBe("lddw names map fd(7), which no 'map' line declares");
    expect((err as BytecodeError).location).toEqual({ insn: 1 });
  });

  it("rejects a length that is not a multiple of 8 before calling the kernel", async () => {
    await expect(kernelVerify(new Uint8Array(12), { attachType: 40, maps: [] })).rejects.toThrow(
      "program is 12 bytes, expected a multiple of 8",
    );
  });
});
