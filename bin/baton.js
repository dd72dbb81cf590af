#!/usr/bin/env node
// Runs the compiled CLI (npm run build writes dist/).
import { runCli } from "../dist/cli/main.js";
import { tuneV8 } from "../dist/cli/v8-tuning.js";

tuneV8();

await runCli(process.argv.slice(2));
