// `npm test`: build dist/ (tsc -p tsconfig.json), then run vitest, while the type check of src, test
// and bench (tsconfig.check.json) runs beside both instead of before them, so a 2-core machine keeps
// both cores busy. The run fails if the build, the check or any test fails; a failed build stops it
// before vitest, as a failed pretest would. The check's output is held until vitest ends so the two
// do not interleave. Arguments are passed to vitest (`npm test -- test/vm`).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const bin = (name: string): string => `${ROOT}node_modules/.bin/${name}`;

interface Done {
  readonly code: number;
  readonly output: string;
}

/** Runs a tool from node_modules/.bin in the repository root; `held` collects its output instead of printing it. */
function run(name: string, args: readonly string[], held: boolean): Promise<Done> {
  return new Promise((resolve) => {
    const child = spawn(bin(name), args, { cwd: ROOT, stdio: held ? ["ignore", "pipe", "pipe"] : "inherit" });
    let output = "";
    child.stdout?.on("data", (b: Buffer) => void (output += b.toString()));
    child.stderr?.on("data", (b: Buffer) => void (output += b.toString()));
    child.on("error", (e) => resolve({ code: 1, output: `${output}cannot run ${name}: ${e.message}\n` }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal === null ? 1 : 128), output }));
  });
}

const check = run("tsc", ["-p", "tsconfig.check.json"], true);
const build = await run("tsc", ["-p", "tsconfig.json"], false);
const tests = build.code === 0 ? await run("vitest", ["run", ...process.argv.slice(2)], false) : build;
const checked = await check;
if (checked.code !== 0) process.stderr.write(`${checked.output}type check (tsc -p tsconfig.check.json) failed\n`);
if (build.code !== 0) process.stderr.write("build (tsc -p tsconfig.json) failed; vitest did not run\n");
process.exitCode = tests.code !== 0 ? tests.code : checked.code !== 0 ? 1 : 0;
