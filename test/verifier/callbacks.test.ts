// The callback helpers' entry state and return rule (src/verifier/callbacks.ts), ready for the
// exploration loop to use; and that the verifier refuses every program passing a callback today.
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/vm/asm/assembler.js";
import { decode } from "../../src/vm/isa.js";
import { BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, HELPER, SK_REUSEPORT } from "../../src/vm/program-type.js";
import type { MapSpec } from "../../src/vm/map-spec.js";
import { verify } from "../../src/verifier/index.js";
import { CALLBACKS, callbackEntryRegs, callbackReturnOk } from "../../src/verifier/callbacks.js";
import { scalarConst } from "../../src/verifier/scalar.js";
import { NOT_INIT, UNKNOWN_SCALAR, ZERO, scalarReg, type Reg } from "../../src/verifier/state.js";

const map: MapSpec = { fd: 1, type: 1, keySize: 4, valueSize: 8, maxEntries: 4 };
const stackPtr: Reg = { type: "stack", s: ZERO, off: -16, id: 0, frame: 0 };

describe("callback entry state", () => {
  it("bpf_loop: r1 = index (unknown scalar), r2 = the caller's r3, nothing else readable", () => {
    const caller: Reg[] = [
      NOT_INIT,
      scalarReg(scalarConst(10)),
      NOT_INIT,
      stackPtr,
      scalarReg(scalarConst(0)),
      NOT_INIT,
    ];
    expect(callbackEntryRegs(HELPER.loop, caller, undefined)).toEqual([
      NOT_INIT,
      UNKNOWN_SCALAR,
      stackPtr,
      NOT_INIT,
      NOT_INIT,
      NOT_INIT,
    ]);
  });

  it("bpf_for_each_map_elem: r1 = the map, r2 = key, r3 = value, r4 = the caller's r3", () => {
    const caller: Reg[] = [NOT_INIT, NOT_INIT, NOT_INIT, stackPtr, NOT_INIT, NOT_INIT];
    const regs = callbackEntryRegs(HELPER.for_each_map_elem, caller, map)!;
    expect(regs.map((r) => r.type)).toEqual(["not_init", "map_ptr", "map_value", "map_value", "stack", "not_init"]);
    expect(regs[4]).toBe(stackPtr);
    expect(callbackEntryRegs(HELPER.map_lookup_elem, caller, map)).toBeUndefined();
  });

  it("a callback must return a scalar in [0, 1]", () => {
    const spec = CALLBACKS.get(HELPER.loop)!;
    expect(callbackReturnOk(spec, scalarReg(scalarConst(1)))).toBeUndefined();
    expect(callbackReturnOk(spec, scalarReg(scalarConst(2)))).toBe(
      "At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]",
    );
    expect(callbackReturnOk(spec, stackPtr)).toBe("R0 is not a scalar value");
  });
});

describe("programs passing a callback", () => {
  it("are rejected (the kernel too, without BTF func_info), never accepted unverified", () => {
    const src =
      "mov %r1, 4\nlddw %r2, pseudo(4, 6, 0)\nmov %r3, 0\nmov %r4, 0\ncall 181\nmov %r0, 1\nexit\nmov %r0, 0\nexit\n";
    const r = verify(decode(assemble(src, "cb.s")), {
      type: SK_REUSEPORT,
      attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
      maps: [],
    });
    expect(r.accepted).toBe(false);
    // The same callback also reached by a plain local call, so the CFG check passes it.
    const both =
      "call local cb\nmov %r1, 4\nlddw %r2, pseudo(4, 6, 0)\nmov %r3, 0\nmov %r4, 0\ncall 181\nmov %r0, 1\nexit\ncb:\nmov %r0, 0\nexit\n";
    const r2 = verify(decode(assemble(both, "cb2.s")), {
      type: SK_REUSEPORT,
      attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
      maps: [],
    });
    expect(r2.accepted).toBe(false);
  });
});
