/**
 * Shrinks a kernel-fuzz finding to a smallest program that still disagrees the same way
 * (root only): `[BATON_SRC=…] npx tsx test/verifier/gen/minimize.ts FINDING.s [OUT.s]`.
 *
 * Greedy delta debugging over source lines: try dropping chunks of lines (halving the chunk
 * size down to one line) and keep a drop when the program still has the same outcome and,
 * for over/under/crash, the same kernel / Baton message (numbers ignored); ctx loads, labels
 * of functions and the shared exit are kept. Writes OUT.s
 * (default: FINDING.min.s) with the finding's headers and prints the size before and after.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { loadDiffer, type Job, type Result } from "./differ.js";
import { GEN_MAPS, GEN_MAPS_HEADER } from "./prog.js";

const [file, outArg] = process.argv.slice(2);
if (file === undefined) {
  console.error("usage: minimize.ts FINDING.s [OUT.s]");
  process.exit(2);
}
const differ = await loadDiffer(process.env.BATON_SRC === undefined ? undefined : resolve(process.env.BATON_SRC));
if (!differ.available.available) {
  console.error(`kernel not available: ${differ.available.reason}`);
  process.exit(1);
}
const text = readFileSync(file, "utf8");
const headers = text.split("\n").filter((l) => /^# (desc|expect|kernel|maps|attach|baton|error):/.test(l));
const body = text
  .split("\n")
  .filter((l) => l.trim() !== "" && !/^# (desc|expect|kernel|maps|attach|baton|error):/.test(l));
const m = /^# maps: ?(.*)$/m.exec(text);
const mapsHeader = m === null ? GEN_MAPS_HEADER : m[1]!.trim();
const maps = m === null ? GEN_MAPS : differ.parseMaps(mapsHeader);
const job = (lines: readonly string[]): Job => ({ cls: "min", seed: 0, src: lines.join("\n"), maps, mapsHeader });

const norm = (s: string | undefined): string => (s ?? "").replace(/-?\d+|0x[0-9a-f]+/g, "N");
const target = await differ.run(job(body));
if (target.outcome === "agree" || target.outcome === "skip") {
  console.error(`${file}: no disagreement (${target.outcome}) with ${differ.srcRoot}`);
  process.exit(1);
}
const same = (r: Result): boolean => {
  if (r.outcome !== target.outcome) return false;
  if (r.outcome === "over") return norm(r.kMsg) === norm(target.kMsg);
  if (r.outcome === "under" || r.outcome === "crash") return norm(r.bMsg) === norm(target.bMsg);
  return true;
};

// Lines kept so the result stays readable: r6 = ctx, ctx scalar loads, the shared `r0 = 1`
// exit, and function labels (a dropped load would leave a register holding something odd).
const PROTECT = /^(mov %r6, %r1|ldx[bhw]+ %r\d, \[%r[36]\+\d+\]|mov %r0, 1|out:|exit|store\d?:|f:)$/;
let cur = body;
let tries = 0;
for (let chunk = Math.max(1, Math.floor(cur.length / 2)); chunk >= 1; chunk = Math.floor(chunk / 2)) {
  let progress = true;
  while (progress) {
    progress = false;
    for (let at = 0; at + chunk <= cur.length;) {
      const cand = [...cur.slice(0, at), ...cur.slice(at + chunk)];
      if (cur.slice(at, at + chunk).some((l) => PROTECT.test(l))) {
        at += chunk;
        continue;
      }
      tries++;
      if (cand.length > 0 && same(await differ.run(job(cand)))) {
        cur = cand;
        progress = true;
      } else at += chunk;
    }
  }
}
const final = await differ.run(job(cur));
const out = outArg ?? file.replace(/\.s$/, ".min.s");
const desc = `${(headers.find((h) => h.startsWith("# desc:")) ?? "# desc: fuzz finding").replace(/: (over|under|weak|slow|crash) \(.*$/, "")}, minimised: ${final.outcome} (kernel ${final.kAccepted ? `accepts after ${final.kProcessed} insns` : "rejects"}; Baton ${final.bMsg === "" ? `accepts after ${final.bProcessed} insns` : `'${final.bMsg}'`})`;
// Only the maps the program still names (lddw map_fd(N) / pseudo(1|2, N, …)).
const used = new Set(
  [...cur.join("\n").matchAll(/map_fd\((\d+)\)|pseudo\([12], (\d+)/g)].map((x) => Number(x[1] ?? x[2])),
);
const keep = headers.filter((h) => !/^# (desc|kernel|maps):/.test(h));
const mapsLine = `# maps: ${mapsHeader
  .split(/\s+/)
  .filter((x) => used.has(Number(x.split(":")[0])))
  .join(" ")}`;
const head = [desc, ...keep];
head.splice(2, 0, mapsLine);
if (final.kAccepted === false) head.splice(2, 0, `# kernel: ${final.kMsg}`);
writeFileSync(out, `${[...head, ...cur].join("\n")}\n`);
console.log(`${file}: ${target.outcome}, ${body.length} -> ${cur.length} lines (${tries} tries) -> ${out}`);
console.log(
  `kernel: ${final.kAccepted ? `accepts (${final.kProcessed})` : final.kMsg} | baton: ${final.bMsg === "" ? `accepts (${final.bProcessed})` : final.bMsg}`,
);
