/**
 * What a simulation reports, and the collector that builds it without keeping finished
 * connections: per-connection records go to a streaming callback (and into the result only
 * when asked), everything else is counts, histograms and sampled queue lengths.
 * The shapes are meant to line up with a real-kernel run: per-connection fates, per-listener
 * accept counts and counter deltas under the /proc names.
 */
import type { Counters } from "./netns.js";
import type { MapContents, TraceResult } from "./sim-trace.js";
import type { LossCause, MigrationPoint } from "./stack.js";

export type Fate = "accepted" | "reset" | "timed-out" | "open";

export interface MigrationRec {
  readonly atMs: number;
  readonly point: MigrationPoint;
  readonly from: string;
  readonly to: string;
}

export interface ConnRecord {
  readonly id: number;
  readonly client: string;
  /** "a.b.c.d:port" of the client. */
  readonly src: string;
  readonly hash: number;
  readonly synAtMs: number;
  /** The listener that answered the (last) SYN, or null. */
  readonly listener: string | null;
  readonly migrations: readonly MigrationRec[];
  readonly fate: Fate;
  /** Accepting listener (fate accepted). */
  readonly by: string | null;
  /** Why it was reset / timed out / is still open. */
  readonly cause: LossCause | "syn-retries" | "no-ack" | "cookie-ack-dropped" | "in-flight" | null;
  readonly endAtMs: number;
  /** SYN-ACKs the server sent for this connection (retransmissions and migrations included). */
  readonly synAcks: number;
}

/**
 * Receives each finished connection as the simulator's own fields, with no record object
 * (`NdjsonWriter` prints them): what `ConnRecord` holds, with times in whole µs, the source
 * as a host-order u32 address and a port, and client groups and listeners as indexes into the
 * names given once by `names` (-1 for null).
 */
export interface ConnectionSink {
  names(clients: readonly string[], listeners: readonly string[]): void;
  connection(
    id: number,
    client: number,
    /** The client's IPv4 address (host order), or an IPv6 one as text in brackets ("[2001:db8::1]"). */
    srcIp: number | string,
    srcPort: number,
    hash: number,
    synAtUs: number,
    listener: number,
    migrations: readonly MigrationRec[] | null,
    fate: Fate,
    by: number,
    cause: ConnRecord["cause"],
    endAtUs: number,
    synAcks: number,
  ): void;
}

export interface ListenerResult {
  readonly name: string;
  /** Its socket cookie (SO_COOKIE; what a map write `{"listener": NAME}` stores in a number map). */
  readonly cookie: number;
  /** Connections whose SYN this listener answered. */
  readonly syns: number;
  readonly accepted: number;
  readonly migratedIn: number;
  readonly migratedOut: number;
  /** Connections reset while this listener held them (their request or child). */
  readonly reset: number;
  readonly maxQueue: number;
  readonly finalQueue: number;
  readonly state: "LISTEN" | "CLOSE" | "freed";
}

export interface Histogram {
  /** Upper bounds (ms) of each bucket; the last bucket is open-ended. */
  readonly upperMs: readonly number[];
  readonly counts: number[];
}

export interface SimResult {
  readonly scenario: string;
  readonly seed: number;
  readonly durationMs: number;
  readonly connections: { total: number; accepted: number; reset: number; timedOut: number; open: number };
  /** "fate:cause" → count, e.g. "reset:not-migrated". */
  readonly causes: Record<string, number>;
  readonly migrations: Record<MigrationPoint, number>;
  readonly listeners: ListenerResult[];
  readonly counters: Counters;
  readonly series: { tMs: number[]; queues: Record<string, number[]> };
  /** SYN-to-accept time of accepted connections. */
  readonly acceptLatency: Histogram;
  /** Connections by the number of SYN-ACKs the server sent them ("0", "1", "2", …). */
  readonly synAcks: Record<string, number>;
  /** socks[] after every listen, shutdown and close, and the program calls (bounded lists). */
  readonly trace: TraceResult;
  /** Map contents at the end: the scenario's maps, then each compiled policy's own. */
  readonly maps: MapContents[];
  readonly connectionRecords?: ConnRecord[];
}

export const LATENCY_BOUNDS_MS = [0.001, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000];

export function newHistogram(): Histogram {
  return { upperMs: LATENCY_BOUNDS_MS, counts: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0) };
}

export function addToHistogram(h: Histogram, ms: number): void {
  let i = 0;
  while (i < h.upperMs.length && ms > h.upperMs[i]!) i++;
  h.counts[i] = (h.counts[i] ?? 0) + 1;
}

/** Round µs to ms with 3 decimals, exactly reproducible. */
export function usToMs(us: number): number {
  return Math.round(us) / 1000;
}
