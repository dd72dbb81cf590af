// `baton help COMMAND` and `baton COMMAND --help` describe every option a command accepts: the
// options are read from each command's source (the parseArgs configuration), so an option added
// without a usage line fails here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { main } from "../../src/cli/main.js";

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

/** The long option names a command's parseArgs configuration declares. */
function optionsOf(name: string): string[] {
  const src = readFileSync(new URL(`../../src/cli/commands/${name}.ts`, import.meta.url), "utf8");
  return [...new Set([...src.matchAll(/"?([a-z][\w-]*)"?: \{ type: "(?:string|boolean)"/g)].map((m) => m[1]!))];
}

/** A line of its own that describes `--name` (alone or in a list like `-o, --output FILE`). */
function described(usage: string, name: string): boolean {
  return new RegExp(`^\\s+(?:(?:-\\w|--[\\w-]+)(?: [^\\s,]+)?(?:, | \\| ))*--${name}\\b`, "m").test(usage);
}

describe("help for every command", () => {
  it("finds the options of every command's source", () => {
    for (const c of COMMANDS) expect(optionsOf(c.name).length, c.name).toBeGreaterThan(0);
  });

  for (const c of COMMANDS) {
    it(`${c.name}: every option has a description line`, async () => {
      const r = await cli(["help", c.name]);
      expect(r.code).toBe(0);
      expect(r.out.trimEnd()).toBe(c.usage);
      const missing = optionsOf(c.name).filter((o) => !described(c.usage, o));
      expect(missing, `${c.name} options without a description line`).toEqual([]);
    });

    it(`${c.name} --help prints the same usage, exit 0`, async () => {
      for (const flag of ["--help", "-h"]) {
        const r = await cli([c.name, flag]);
        expect(r.code).toBe(0);
        expect(r.err).toBe("");
        expect(r.out.trimEnd()).toBe(c.usage);
      }
    });
  }

  it("the description check rejects an undocumented option", () => {
    expect(described("baton x [--json]\n  --json  print JSON", "json")).toBe(true);
    expect(described("baton x [--json]", "json")).toBe(false);
    expect(described("baton x\n  -o, --output FILE  write", "output")).toBe(true);
    expect(described("baton x\n  --jsonl  lines", "json")).toBe(false);
  });

  it("help for an unknown command is a usage error", async () => {
    const r = await cli(["help", "nosuch"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'nosuch'");
  });
});
