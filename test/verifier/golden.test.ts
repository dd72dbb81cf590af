// Golden verifier logs (log levels 1 and 2) for a few accepted and rejected programs.
// Regenerate with UPDATE_GOLDEN=1 after an intended change, and review the diff.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/vm/asm/assembler.js";
import { decode } from "../../src/vm/isa.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { verify } from "../../src/verifier/index.js";
import { readCase } from "./corpus-file.js";

const DIR = new URL("../golden/verifier/", import.meta.url).pathname;
const update = process.env.UPDATE_GOLDEN === "1";

describe("verifier golden logs", () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith(".s"))
    .sort();
  it.each(
    files.flatMap(
      (f) =>
        [
          [f, 1],
          [f, 2],
        ] as const,
    ),
  )("%s at log level %i", (f, level) => {
    const c = readCase(join(DIR, f));
    const r = verify(decode(assemble(c.source, c.file)), {
      type: SK_REUSEPORT,
      attachType: c.attachType,
      maps: c.maps,
      logLevel: level,
    });
    const out = join(DIR, f.replace(/\.s$/, `.log${level}.txt`));
    if (update || !existsSync(out)) writeFileSync(out, r.log);
    expect(r.log).toBe(readFileSync(out, "utf8"));
  });
});
