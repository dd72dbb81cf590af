import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Files that replace a module with vi.mock need a module registry of their own; every other file
// runs in a worker that keeps its loaded modules from one file to the next (isolate: false), which
// on a 2-core machine halves the suite's CPU time: no process and no module graph per file, and
// code V8 has already optimised stays optimised. Setup files still run before each file, and
// vitest restores spies after each one.
const OWN_MODULES = ["test/cli/verify-compare-nokernel.test.ts"];

export default defineConfig({
  test: {
    // Scales property-test case counts (test/support/runs.ts); `npm run test:long` raises it.
    setupFiles: ["test/support/setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // One worker per core, not vitest's cores - 1: with modules shared the main process is mostly
    // idle, and tests that wait (kernel timers, Chromium, child processes) then overlap with others.
    maxWorkers: availableParallelism(),
    // The JSON report is what .ci/run summarises as `N passed, N failed`.
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    projects: [
      { extends: true, test: { name: "shared", include: ["test/**/*.test.ts"], exclude: OWN_MODULES, isolate: false } },
      { extends: true, test: { name: "isolated", include: OWN_MODULES, isolate: true } },
    ],
  },
});
