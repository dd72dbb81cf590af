#!/usr/bin/env node
// Runs the compiled CLI (npm run build writes dist/).
import { runCli } from "../dist/cli/main.js";

await runCli(process.argv.slice(2));
