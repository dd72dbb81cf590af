// Runs before every test file: property tests that do not give their own count run fast-check's
// default of 100 cases, scaled like every other count (runs.ts).
import fc from "fast-check";
import { runs } from "./runs.js";

fc.configureGlobal({ numRuns: runs(100) });
