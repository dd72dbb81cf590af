/** Shared helpers for the ELF tests: the compiled C fixtures under test/fixtures/c. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "c");
export const FIXTURES = [
  "pass",
  "drop_migrations",
  "select_by_index",
  "least_loaded",
  "rejected_null_deref",
  "multi",
] as const;
export type FixtureName = (typeof FIXTURES)[number];

export const fixturePath = (name: FixtureName): string => join(FIXTURE_DIR, `${name}.o`);
export const fixtureBytes = (name: FixtureName): Uint8Array => new Uint8Array(readFileSync(fixturePath(name)));
