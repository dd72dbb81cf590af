/**
 * Compile + verify of every policy in policies/ (goal: under 20 ms per policy after warm-up).
 * One op = parse, check, generate code and verify one policy from source text.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { compilePolicy } from "../src/compiler/index.js";
import { SK_REUSEPORT } from "../src/vm/program-type.js";
import { verify } from "../src/verifier/index.js";
import type { BenchSuite } from "./types.js";

const dir = fileURLToPath(new URL("../policies/", import.meta.url));
const POLICIES = readdirSync(dir)
  .filter((f) => f.endsWith(".baton"))
  .sort()
  .map((f) => ({ name: f.replace(/\.baton$/, ""), file: join(dir, f), source: readFileSync(join(dir, f), "utf8") }));

function compileAndVerify(p: { file: string; source: string }): boolean {
  const c = compilePolicy(p.source, p.file);
  return verify(c.insns, { type: SK_REUSEPORT, attachType: c.attachType, maps: c.maps, sourceMap: c.sourceMap })
    .accepted;
}

export const suites: BenchSuite[] = [
  {
    name: "compile",
    check() {
      const rejected = POLICIES.filter((p) => !compileAndVerify(p)).map((p) => p.name);
      if (rejected.length > 0) throw new Error(`policies rejected by the verifier: ${rejected.join(", ")}`);
    },
    cases: POLICIES.map((p) => ({
      name: `compile+verify/${p.name}`,
      engine: "compiler",
      fn: () => void compileAndVerify(p),
    })),
  },
];
