/**
 * The demo's last lines: one sentence per variant saying what happened to the connections in
 * flight when the old generation closed, built from the run's own counts (never fixed text):
 * how many were reset (or timed out, or dropped by the program), and where the migrated ones
 * went — to the new generation, or to old-generation listeners that were still listening then
 * and closed later (so those connections moved twice, or were lost at the second close).
 */
import { plural } from "../plural.js";

/** The counts a sentence is made from (a subset of a demo column). */
export interface StoryCounts {
  readonly reset: number;
  readonly timedOut: number;
  readonly programDrops: number;
  readonly migratedToNew: number;
  readonly migratedToOld: number;
  /** Of migratedToOld: to an old listener that closed after the migration. */
  readonly migratedToClosingOld: number;
}

export function inFlightSentence(title: string, c: StoryCounts): string {
  const moved = c.migratedToNew + c.migratedToOld;
  const lost: string[] = [];
  if (moved === 0 && c.reset > 0) lost.push(`${plural(c.reset, "connection")} reset`);
  else lost.push(`${c.reset} reset`);
  if (c.timedOut > 0) lost.push(`${c.timedOut} timed out`);
  if (c.programDrops > 0) lost.push(`${c.programDrops} dropped by the program`);
  const went: string[] = [];
  if (moved === 0) {
    if (c.reset === 0) went.push("none migrated");
  } else if (c.migratedToOld === 0) {
    went.push(`all ${moved} moved to the new generation`);
  } else {
    const stillOpen = c.migratedToOld - c.migratedToClosingOld;
    if (c.migratedToClosingOld > 0)
      went.push(`${c.migratedToClosingOld} moved to old-generation listeners that later closed`);
    if (stillOpen > 0) went.push(`${stillOpen} moved to old-generation listeners that stayed open`);
    went.push(c.migratedToNew > 0 ? `${c.migratedToNew} to the new generation` : "none to the new generation");
  }
  return `${title}: ${[...lost, ...went].join(", ")}.`;
}
