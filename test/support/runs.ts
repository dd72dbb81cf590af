// How many cases a property test runs: its default count times BATON_TEST_SCALE. `npm test` runs
// the defaults, sized so the whole suite stays near two minutes on a 2-core machine; `npm run
// test:long` runs the same tests with BATON_TEST_SCALE=10, and .ci/run runs both.
const raw = process.env.BATON_TEST_SCALE;
const parsed = raw === undefined ? 1 : Number(raw);
if (!Number.isFinite(parsed) || parsed <= 0)
  throw new Error(`BATON_TEST_SCALE must be a positive number, got '${raw}'`);

export const TEST_SCALE = parsed;

/** A property test's case count: `n` (its default) scaled, at least 1. */
export function runs(n: number): number {
  return Math.max(1, Math.round(n * TEST_SCALE));
}
