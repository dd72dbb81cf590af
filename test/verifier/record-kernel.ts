/**
 * Records the kernel's verdict for every corpus program (run as root: `npx tsx test/verifier/record-kernel.ts
 * [NAME_PREFIX…]`;
 * with prefixes, only the programs whose file name starts with one of them).
 * Rewrites `# expect:` and `# kernel:` in place and prints where Baton disagrees.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { kernelAvailability, kernelVerify } from "../../src/kernel/verifier.js";
import { assemble } from "../../src/vm/asm/assembler.js";
import { decode } from "../../src/vm/isa.js";
import { verify } from "../../src/verifier/index.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { corpus } from "./corpus-file.js";

/** The kernel's error: the first line after the last instruction of the trace that is not state or statistics. */
export function kernelMessage(lines: readonly string[]): string | undefined {
  let last = -1;
  lines.forEach((l, i) => {
    if (/^(\d+: |from \d+ to \d+)/.test(l)) last = i;
  });
  return lines
    .slice(last + 1)
    .find(
      (l) =>
        !/^(processed \d+ insns|cur state:|old state:|caller:|callee:|returning from callee:|to caller at|; |verification time|stack depth|\s|R\d+=|frame\d|$)/.test(
          l,
        ),
    );
}

const avail = kernelAvailability();
if (!avail.available) {
  console.error(`kernel not available: ${avail.reason}`);
  process.exit(1);
}
let diffs = 0;
const only = process.argv.slice(2);
for (const c of corpus().filter((x) => only.length === 0 || only.some((p) => x.name.startsWith(p)))) {
  const bytes = assemble(c.source, c.file);
  let k: { accepted: boolean; errno: number; log: string; stage: string; detail?: string };
  try {
    k = await kernelVerify(bytes, { attachType: c.attachType, maps: c.maps, logLevel: 1 });
  } catch (e) {
    // The bridge refuses programs naming undeclared maps; the kernel would refuse the bad fd.
    k = { accepted: false, errno: 9, log: `${(e as Error).message}\n`, stage: "load" };
  }
  const lines = k.log.trim().split("\n");
  const kmsg = k.accepted ? "" : (kernelMessage(lines) ?? lines[0] ?? `errno ${k.errno}`);
  const verdict = k.accepted ? "accept" : "reject";
  let src = readFileSync(c.file, "utf8");
  src = src.replace(/^# expect: .*$/m, `# expect: ${verdict}`);
  src = src.replace(/^# kernel: .*\n/m, "");
  if (!k.accepted)
    src = src.replace(
      /^(# expect: .*\n)/m,
      `$1# kernel: ${kmsg.replace(/\n/g, " ")}${k.stage === "map" ? ` (map: ${k.detail ?? ""})` : ""}\n`,
    );
  writeFileSync(c.file, src);
  const b = verify(decode(bytes), { type: SK_REUSEPORT, attachType: c.attachType, maps: c.maps });
  const bv = b.accepted ? "accept" : "reject";
  if (bv !== verdict || (!k.accepted && b.error?.message !== kmsg)) {
    diffs++;
    console.log(
      `${c.name}: kernel ${verdict}${k.accepted ? "" : ` '${kmsg}'`} | baton ${bv}${b.accepted ? "" : ` '${b.error?.message}'`}`,
    );
  }
}
console.log(`${diffs} differences`);
