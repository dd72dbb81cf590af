/**
 * `simulate --connections` without `--json`: one row per connection, aligned columns, so a
 * reader can follow each connection's SYN, migrations and fate without a JSON tool.
 */
import type { ConnRecord } from "../model/sim-result.js";

const HEAD = [
  "id",
  "client",
  "src",
  "hash",
  "syn ms",
  "listener",
  "migrations",
  "fate",
  "by",
  "cause",
  "end ms",
  "syn-acks",
] as const;
/** Columns aligned to the right (numbers). */
const NUMERIC = new Set<string>(["id", "hash", "syn ms", "end ms", "syn-acks"]);

function row(r: ConnRecord): string[] {
  const moves = r.migrations.map((m) => `${m.from}->${m.to}@${m.point} ${m.atMs}`).join(", ");
  return [
    String(r.id),
    r.client,
    r.src,
    String(r.hash),
    String(r.synAtMs),
    r.listener ?? "-",
    moves === "" ? "-" : moves,
    r.fate,
    r.by ?? "-",
    r.cause ?? "-",
    String(r.endAtMs),
    String(r.synAcks),
  ];
}

export function connectionTable(records: readonly ConnRecord[]): string {
  const rows = records.map(row);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (NUMERIC.has(HEAD[i]!) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(HEAD), ...rows.map(line)].join("\n");
}
