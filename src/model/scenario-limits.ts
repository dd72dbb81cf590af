/**
 * What a scenario may ask for, checked before anything is built (README "Limits"). Each number
 * field has a range (applied by the validator in scenario.ts); this module also estimates the
 * work the whole scenario implies (connections, queue samples, kept per-connection records)
 * and refuses what would exhaust time or memory, naming the field to change.
 */
import { ModelError } from "../errors.js";

/** Longest simulated time, and the largest time any field may name: one day. */
export const MAX_TIME_MS = 86_400_000;
/** The simulator's clock ticks in microseconds; a sample interval below one tick means nothing. */
export const MIN_SAMPLE_MS = 0.001;
/** Publishing interval floor: each publish writes one map entry per listener. */
export const MIN_PUBLISH_MS = 0.1;
/** Map writes all `publish` entries imply over the run (one per listener per interval). */
export const MAX_PUBLISH_WRITES = 50_000_000;
/** Queue-length samples per listener (each is a point in the result's series). */
export const MAX_SAMPLES = 100_000;
/** Samples across all listeners (the series' total size in the result). */
export const MAX_SAMPLE_POINTS = 2_000_000;
/** Connections per second (client `rate`, listener `acceptRate`); the clock ticks in µs. */
export const MAX_RATE = 1_000_000_000;
/** Connections over all client groups of one scenario. */
export const MAX_CONNECTIONS = 10_000_000;
/**
 * Per-connection records held in memory for `simulate --connections` (stream with `--ndjson`).
 * `--json` prints them in one string of ~250-550 bytes a record (more with migrations); V8's
 * longest string is ~536 million characters, so this keeps the output well below it.
 */
export const MAX_KEPT_RECORDS = 500_000;
/** Listeners of one scenario: one reuseport group holds at most 32,768 sockets (group.ts). */
export const MAX_LISTENERS = 32_768;
export const MAX_CLIENT_GROUPS = 10_000;
export const MAX_EVENTS = 1_000_000;
export const MAX_MAPS = 64;
/** Bytes a client sends with its first data segment (one IP packet). */
export const MAX_DATA_BYTES = 65_535;
/** Names (scenario, listeners, clients, maps): tables pad every row to the longest. */
export const MAX_NAME_CHARS = 256;
/** A policy file path in an `attach` event (Linux PATH_MAX). */
export const MAX_PATH_CHARS = 4096;
/** Nesting of the JSON text itself (a scenario needs 4 levels). */
export const MAX_JSON_DEPTH = 64;

/** The parts of a scenario the work estimate reads. */
export interface ScenarioSize {
  readonly durationMs: number;
  readonly sampleMs: number;
  readonly listeners: readonly unknown[];
  readonly clients: readonly { readonly count: number }[];
}

const fmt = (n: number): string => n.toLocaleString("en-US", { maximumFractionDigits: 3 });

/** Queue samples one listener records: at 0, then every sampleMs up to durationMs. */
export function samplesPerListener(sc: ScenarioSize): number {
  return Math.floor(sc.durationMs / Math.max(MIN_SAMPLE_MS, sc.sampleMs)) + 1;
}

/** Refuse a scenario whose implied work exceeds the limits above (ModelError `scenario.too-large`). */
export function checkScenarioWork(sc: ScenarioSize, file: string): void {
  const fail = (path: string, msg: string): never => {
    throw new ModelError("scenario.too-large", `${file}: ${path}: ${msg}`);
  };
  const samples = samplesPerListener(sc);
  if (samples > MAX_SAMPLES) {
    fail(
      "/sampleMs",
      `sampling every ${fmt(sc.sampleMs)} ms over ${fmt(sc.durationMs)} ms records ${fmt(samples)} samples per listener; the limit is ${fmt(MAX_SAMPLES)}: raise sampleMs to at least ${fmt(sc.durationMs / (MAX_SAMPLES - 1))} or shorten durationMs`,
    );
  }
  const points = samples * sc.listeners.length;
  if (points > MAX_SAMPLE_POINTS) {
    fail(
      "/sampleMs",
      `${fmt(samples)} samples for each of ${fmt(sc.listeners.length)} listeners is ${fmt(points)} points; the limit is ${fmt(MAX_SAMPLE_POINTS)}: raise sampleMs to at least ${fmt((sc.durationMs * sc.listeners.length) / (MAX_SAMPLE_POINTS - sc.listeners.length))} or shorten durationMs`,
    );
  }
  let total = 0;
  sc.clients.forEach((c, i) => {
    total += c.count;
    if (total > MAX_CONNECTIONS)
      fail(
        `/clients/${i}/count`,
        `the clients up to here open ${fmt(total)} connections; a scenario may open at most ${fmt(MAX_CONNECTIONS)}: lower the counts`,
      );
  });
}

/** Refuse keeping every connection record in memory past MAX_KEPT_RECORDS (callers that keep them). */
export function checkKeptRecords(sc: ScenarioSize, file: string, option: string): void {
  const total = sc.clients.reduce((n, c) => n + c.count, 0);
  if (total > MAX_KEPT_RECORDS) {
    throw new ModelError(
      "scenario.too-large",
      `${file}: /clients: ${option} keeps all ${fmt(total)} connection records in memory; the limit is ${fmt(MAX_KEPT_RECORDS)}: stream them with --ndjson FILE instead, or lower the client counts`,
    );
  }
}

/**
 * The deepest `{`/`[` nesting of a JSON text, found without parsing it (JSON.parse and every
 * recursive walk after it can overflow the stack on 100,000 levels). Returns the 1-based line
 * and column of the first bracket past `limit`, or null.
 */
export function jsonNestingPast(text: string, limit: number): { line: number; col: number } | null {
  let depth = 0;
  let inString = false;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
      else if (ch === 0x0a) {
        line++;
        lineStart = i + 1;
      }
      continue;
    }
    if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > limit) return { line, col: i - lineStart + 1 };
    } else if (ch === 0x7d || ch === 0x5d) depth--;
    else if (ch === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return null;
}
