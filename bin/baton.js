#!/usr/bin/env node
// Runs the compiled CLI (npm run build writes dist/). Before a build there is no dist/: say so
// instead of printing Node's module-resolution stack.
const dist = new URL("../dist/cli/", import.meta.url);
let cli;
let v8;
try {
  v8 = await import(new URL("v8-tuning.js", dist).href);
  cli = await import(new URL("main.js", dist).href);
} catch (e) {
  if (e && e.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("/dist/")) {
    process.stderr.write("error: Baton is not built yet (no dist/): run `npm run build` first, or `npx tsx src/cli/entry.ts …` to run from source\n");
    process.exit(1);
  }
  // Any other load failure (a broken or partial build): one line, no stack.
  process.stderr.write(`error: Baton's build in dist/ cannot be loaded (${e && e.message ? String(e.message).split("\n")[0] : e}): run \`npm run build\` again\n`);
  process.exit(1);
}

v8.tuneV8();

await cli.runCli(process.argv.slice(2));
