/**
 * Differential fuzzing against the running kernel (root only): `npx tsx test/verifier/kernel-fuzz.ts [N] [FIRST_SEED] [narrow]`.
 * Prints every generated program on which Baton and the kernel disagree (return-value rules excepted).
 */
import { assemble } from "../../src/vm/asm/assembler.js";
import { decode } from "../../src/vm/isa.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { verify } from "../../src/verifier/index.js";
import { kernelVerify } from "../../src/kernel/verifier.js";
import { generate, RICH_MAPS as FUZZ_MAPS } from "./fuzz-lib.js";
const n = Number(process.argv[2] ?? 200);
const first = Number(process.argv[3] ?? 1);
// `narrow` as a third argument: 4-byte spills at aligned slots (generate's narrow mode).
const narrow = process.argv[4] === "narrow";
let both = 0, bOnly = 0, kOnly = 0, none = 0;
for (let s = first; s < first + n; s++) {
  const src = generate(s, true, narrow);
  let bytes: Uint8Array;
  try { bytes = assemble(src); } catch { continue; }
  const b = verify(decode(bytes), { type: SK_REUSEPORT, attachType: 40, maps: FUZZ_MAPS });
  let k;
  try { k = await kernelVerify(bytes, { attachType: 40, maps: FUZZ_MAPS, logLevel: 1 }); } catch (e) { continue; }
  const retRule = !b.accepted && /^At program exit|leaks addr as return/.test(b.error!.message);
  if (b.accepted && k.accepted) both++;
  else if (!b.accepted && !k.accepted) none++;
  else if (b.accepted) { bOnly++; console.log(`BATON ACCEPTS, KERNEL REJECTS seed ${s}:\n${src}\n--- kernel:\n${k.log.split("\n").slice(-6).join("\n")}`); }
  else if (!retRule) { kOnly++; console.log(`kernel accepts, Baton rejects seed ${s}: ${b.error!.message}\n${src}`); }
}
console.log({ both, none, bOnly, kOnly });
