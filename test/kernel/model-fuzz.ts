/**
 * Differential fuzzing of the socket model against this machine's kernel (root only):
 *
 *   npx tsx test/kernel/model-fuzz.ts [COUNT] [FIRST_SEED] [--out DIR]
 *
 * Each seed is a random race-free scenario (model-diff.ts) run on real loopback sockets in a
 * private network namespace and in the model with the kernel's recorded hashes. A difference is
 * printed and its script written to DIR/seed-N.script (default /tmp/model-fuzz-findings), which
 * `parseScript` reads back.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kernelNamespaceAvailability } from "../../src/kernel/harness.js";
import { renderScript } from "../../src/kernel/scenario.js";
import { compareWithModel, randomScenario } from "./model-diff.js";

const args = process.argv.slice(2);
const outAt = args.indexOf("--out");
const out = outAt >= 0 ? args[outAt + 1]! : "/tmp/model-fuzz-findings";
const [count = 50, first = 1] = args
  .filter((a, i) => !a.startsWith("--") && (outAt < 0 || i !== outAt + 1))
  .map(Number);
const avail = kernelNamespaceAvailability();
if (!avail.available) {
  console.error(`kernel not available: ${avail.reason}`);
  process.exit(1);
}
let agree = 0;
let skipped = 0;
const differ: number[] = [];
for (let seed = first; seed < first + count; seed++) {
  const ks = randomScenario(seed);
  const c = await compareWithModel(ks);
  if (!c.compared) skipped++;
  else if (c.differences.length === 0) agree++;
  else {
    differ.push(seed);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `seed-${seed}.script`), renderScript(ks));
    console.log(`seed ${seed}:\n  ${c.differences.join("\n  ")}`);
  }
}
console.log(`${count} scenarios: ${agree} agree, ${differ.length} differ, ${skipped} without every hash`);
if (differ.length > 0) console.log(`differing seeds: ${differ.join(", ")} (scripts in ${out})`);
