// One engine selection for every command that runs a policy (policy-engine.ts): `--engine jit`
// is the trusted JIT once the verifier accepted the program, the checked JIT with
// `--no-verify`, and `interp` is the interpreter — the same in run, simulate, bench and demo
// (before, demo ran the checked JIT where simulate ran the trusted one).
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { loadPolicyFile } from "../../src/cli/commands/simulate.js";
import { engineFor, loadVerifiedProgram } from "../../src/cli/verified-program.js";
import { relocate } from "../../src/vm/maps/relocate.js";
import { MapTable } from "../../src/vm/maps/table.js";
import { AddressSpace } from "../../src/vm/memory.js";
import type { JitEngine } from "../../src/vm/jit/jit.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err };
}

const POLICY = "policies/newest_generation.baton";
const quiet = { warn: () => undefined };
const CASES = [
  ["jit", false, "jit (trusted)"],
  ["jit", true, "jit (checked)"],
  ["interp", false, "interp"],
  ["interp", true, "interp"],
] as const;

describe("the engine a policy runs on", () => {
  it.each(CASES)(
    "--engine %s, --no-verify %s: %s, and the factory builds that engine",
    async (engine, noVerify, label) => {
      const p = await loadVerifiedProgram(POLICY, { ...quiet, command: "test", noVerify });
      const selected = engineFor(p, engine);
      expect(selected.label).toBe(label);
      const mem = new AddressSpace();
      const maps = new MapTable(mem);
      for (const spec of p.maps) maps.create(spec);
      const built = selected.factory(relocate(p.insns, maps), { mem, helpers: new Map() }) as Partial<JitEngine>;
      expect(built.mode).toBe(engine === "interp" ? undefined : noVerify ? "checked" : "trusted");
    },
  );

  it.each(CASES)(
    "simulate, run, bench and demo agree: --engine %s, --no-verify %s -> %s",
    async (engine, noVerify, label) => {
      const nv = noVerify ? ["--no-verify"] : [];
      expect((await loadPolicyFile(POLICY, engine, { ...quiet, noVerify })).engine.label).toBe(label);
      const run = await cli("run", POLICY, "--engine", engine, ...nv, "--json");
      expect((JSON.parse(run.out) as { engine: string }).engine).toBe(label);
      const bench = await cli("bench", "--policy", POLICY, "--engine", engine, ...nv, "--rounds", "1");
      expect(bench.out).toContain(`${POLICY} (${label}),`);
      const demo = await cli("demo", "--policy", POLICY, "--engine", engine, ...nv, "--json");
      const cols = (JSON.parse(demo.out) as { columns: { variant: string; engine: string | null }[] }).columns;
      expect(cols.map((c) => [c.variant, c.engine])).toEqual([
        ["no-migration", null],
        ["kernel-pick", null],
        ["policy", label],
      ]);
    },
    60_000,
  );

  it("demo's own policy runs on the trusted JIT for --engine jit (it ran the checked one before)", async () => {
    const demo = await cli("demo", "--engine", "jit", "--json");
    expect(demo.code).toBe(0);
    const cols = (JSON.parse(demo.out) as { columns: { variant: string; engine: string | null }[] }).columns;
    expect(cols.find((c) => c.variant === "policy")?.engine).toBe("jit (trusted)");
  }, 60_000);
});
