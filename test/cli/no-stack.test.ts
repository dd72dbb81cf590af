// No stack trace, ever: an error thrown outside main()'s promise (a timer, a stray rejection)
// is one `internal error:` line and exit 70 once runCli's handlers are installed; a dist/ that
// exists but cannot be loaded is one `error:` line from bin/baton.js.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { internalErrorText } from "../../src/cli/main.js";

const tmp = mkdtempSync(join(tmpdir(), "baton-nostack-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const STACK_LINE = /^\s+at .*:\d+:\d+\)?$/m;

function runScript(body: string): { status: number | null; stderr: string } {
  const f = join(tmp, `s${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(f, `import { exitOnUncaught } from ${JSON.stringify(MAIN)};\nexitOnUncaught();\n${body}\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", f], {
    encoding: "utf8",
    timeout: 60_000,
    cwd: new URL("../../", import.meta.url).pathname,
  });
  return { status: r.status, stderr: r.stderr };
}

describe("no stack traces", () => {
  it("internalErrorText: one line and a hint, the stack only with BATON_DEBUG", () => {
    const saved = process.env.BATON_DEBUG;
    delete process.env.BATON_DEBUG;
    try {
      const t = internalErrorText(new Error("boom"));
      expect(t).toBe("internal error: boom\n(set BATON_DEBUG=1 for the stack)\n");
      expect(internalErrorText("not an Error")).toContain("internal error: not an Error");
      process.env.BATON_DEBUG = "1";
      expect(internalErrorText(new Error("boom"))).toMatch(STACK_LINE);
    } finally {
      if (saved === undefined) delete process.env.BATON_DEBUG;
      else process.env.BATON_DEBUG = saved;
    }
  });

  for (const [what, body] of [
    ["an exception thrown from a timer", 'setTimeout(() => { throw new Error("late boom"); }, 1);'],
    ["an unhandled rejection", 'void Promise.reject(new Error("late boom"));'],
  ] as const) {
    it(`${what}: one line, exit 70`, () => {
      const r = runScript(body);
      expect(r.status).toBe(70);
      expect(r.stderr).toBe("internal error: late boom\n(set BATON_DEBUG=1 for the stack)\n");
    });
  }

  it("bin/baton.js with a dist/ that cannot be loaded: one error line, exit 1", () => {
    const root = join(tmp, "broken");
    mkdirSync(join(root, "bin"), { recursive: true });
    mkdirSync(join(root, "dist", "cli"), { recursive: true });
    copyFileSync("bin/baton.js", join(root, "bin", "baton.js"));
    writeFileSync(join(root, "dist", "cli", "v8-tuning.js"), "export function tuneV8() {}\n");
    writeFileSync(join(root, "dist", "cli", "main.js"), "export const x = ;\n"); // a syntax error
    const r = spawnSync(process.execPath, [join(root, "bin", "baton.js"), "--help"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: Baton's build in dist\/ cannot be loaded \(.*\): run `npm run build` again\n$/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
