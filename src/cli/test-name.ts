/**
 * `--state TEST`: a test named in full or by a unique prefix. An exact name wins over longer
 * names it prefixes; an ambiguous or unknown prefix is a usage error that lists the candidates.
 */
import { UsageError } from "../errors.js";

export function resolveTestName(given: string, names: readonly string[], file: string): string {
  if (names.includes(given)) return given;
  const hits = names.filter((n) => n.startsWith(given));
  if (hits.length === 1) return hits[0]!;
  const list = (xs: readonly string[]): string => xs.map((x) => JSON.stringify(x)).join(", ");
  if (hits.length > 1)
    throw new UsageError(
      `--state ${JSON.stringify(given)} matches ${hits.length} tests of ${file}`,
      `give more of the name: ${list(hits)}`,
    );
  throw new UsageError(
    `${file} has no test named ${JSON.stringify(given)}`,
    names.length === 0 ? "the policy has no tests" : `expected one of (or a unique prefix of): ${list(names)}`,
  );
}
