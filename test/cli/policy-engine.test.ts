import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { engineForVerified } from "../../src/cli/policy-engine.js";
import { compilePolicy } from "../../src/compiler/index.js";
import { relocate } from "../../src/vm/maps/relocate.js";
import { MapTable } from "../../src/vm/maps/table.js";
import { AddressSpace } from "../../src/vm/memory.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { verify } from "../../src/verifier/index.js";
import type { JitEngine } from "../../src/vm/jit/jit.js";

describe("the engine for a verified policy", () => {
  const file = "policies/newest_generation.baton";
  const p = compilePolicy(readFileSync(file, "utf8"), file);
  const verdict = verify(p.insns, { type: SK_REUSEPORT, attachType: p.attachType, maps: p.maps });
  const build = (name: string, v = verdict) => {
    const mem = new AddressSpace();
    const maps = new MapTable(mem);
    for (const spec of p.maps) maps.create(spec);
    return engineForVerified(
      name,
      p.insns,
      v,
    )(relocate(p.insns, maps), { mem, helpers: new Map() }) as Partial<JitEngine>;
  };

  it("is the trusted JIT for --engine jit once the verifier accepted the program", () => {
    expect(verdict.accepted).toBe(true);
    expect(build("jit").mode).toBe("trusted");
  });
  it("stays checked when the verdict is a rejection", () => {
    expect(build("jit", { ...verdict, accepted: false }).mode).toBe("checked");
  });
  it("is the interpreter for --engine interp, and an unknown name is a usage error", () => {
    expect(build("interp").mode).toBeUndefined();
    expect(() => build("wasm")).toThrow(/unknown engine 'wasm'/);
  });
});
