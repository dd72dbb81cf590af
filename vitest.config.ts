import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Scales property-test case counts (test/support/runs.ts); `npm run test:long` raises it.
    setupFiles: ["test/support/setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // The JSON report is what .ci/run summarises as `N passed, N failed`.
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
  },
});
