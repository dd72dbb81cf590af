// Development entry: `npx tsx src/cli/entry.ts <command> …` runs the CLI without a build.
import { runCli } from "./main.js";

await runCli(process.argv.slice(2));
