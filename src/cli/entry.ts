// Development entry: `npx tsx src/cli/entry.ts <command> …` runs the CLI without a build.
import { runCli } from "./main.js";
import { tuneV8 } from "./v8-tuning.js";

tuneV8();

await runCli(process.argv.slice(2));
