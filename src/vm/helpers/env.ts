/**
 * Everything helpers read or change outside VM memory: the map table, the seeded RNG, the
 * virtual clock, the CPU and NUMA node of the run, the trace log and the per-run state of an
 * sk_reuseport run (its context regions and the socket `sk_select_reuseport` chose).
 */
import type { ReuseportContext } from "../context.js";
import type { MapTable } from "../maps/table.js";
import { Rng } from "../rng.js";
import type { VmSocket } from "../socket.js";
import type { CallbackRunner } from "../helper-abi.js";

/**
 * Time as the caller sets it, in nanoseconds since boot (a double: exact up to 2^53 ns, about
 * 104 days), or — with `source` — as the caller's own clock says when a helper asks: the socket
 * model's hook then pays nothing per run for time no program reads. Derived clocks follow the
 * kernel: coarse time advances once per tick; jiffies start at INITIAL_JIFFIES =
 * (u32)(-300 * HZ) so they wrap 32 bits five minutes after boot.
 */
export class VirtualClock {
  private setNs: number;
  /** Time spent suspended: CLOCK_BOOTTIME = monotonic + this. */
  suspendedNs = 0;
  /** CLOCK_REALTIME at boot (0: the epoch); CLOCK_TAI = boottime + this + the TAI offset. */
  realtimeAtBootNs = 0;
  /** TAI - UTC (37 s since 2017). */
  taiOffsetNs = 37_000_000_000;
  /** CONFIG_HZ. */
  readonly hz: number;
  private pinned = false;

  constructor(
    ns = 0,
    hz = 250,
    /** Where CLOCK_MONOTONIC comes from instead of `ns` (setting `ns` then pins it until `unpin`). */
    private readonly source: (() => number) | null = null,
  ) {
    this.setNs = ns;
    this.hz = hz;
  }

  /** CLOCK_MONOTONIC in ns. */
  get ns(): number {
    return this.source === null || this.pinned ? this.setNs : this.source();
  }

  set ns(v: number) {
    this.setNs = v;
    this.pinned = this.source !== null;
  }

  /** Follow `source` again after `ns` was set. */
  unpin(): void {
    this.pinned = false;
  }

  advance(ns: number): void {
    this.ns = this.ns + ns;
  }

  get tickNs(): number {
    return 1_000_000_000 / this.hz;
  }

  /** ktime_get_coarse_ns: the time of the last tick. */
  coarseNs(): number {
    const t = this.tickNs;
    return Math.floor(this.ns / t) * t;
  }

  bootNs(): number {
    return this.ns + this.suspendedNs;
  }

  /** ktime_get_tai_ns: CLOCK_TAI. */
  taiNs(): number {
    return this.bootNs() + this.realtimeAtBootNs + this.taiOffsetNs;
  }

  jiffies64(): number {
    return 0x1_0000_0000 - 300 * this.hz + Math.floor(this.ns / this.tickNs);
  }
}

export interface HelperEnvOptions {
  readonly maps: MapTable;
  readonly seed?: number | bigint;
  readonly rng?: Rng;
  readonly clock?: VirtualClock;
  readonly cpu?: number;
  readonly numaNode?: number;
  /** The sk_reuseport context the helpers read (none for other program types). */
  readonly ctx?: ReuseportContext;
}

export class HelperEnv {
  // `declare`: set once in the constructor, so V8 treats them as constant (see
  // SkReuseportRuntime): helpers reach them from a known env without loads and map checks.
  declare readonly maps: MapTable;
  declare readonly rng: Rng;
  declare readonly clock: VirtualClock;
  /** get_smp_processor_id. */
  cpu: number;
  /** get_numa_node_id. */
  numaNode: number;
  /** One entry per bpf_trace_printk call. */
  readonly trace: string[] = [];
  /** The sk_reuseport context (null for programs without one). */
  declare readonly ctx: ReuseportContext | null;
  /** What sk_select_reuseport recorded in this run (R21); the runtime resets it per run. */
  selected: VmSocket | null = null;
  /**
   * How bpf_loop runs its callback: set by an engine that can call a subprogram from inside a
   * helper. Null (today: no engine loads `lddw src=4` function pointers): bpf_loop traps.
   */
  callbacks: CallbackRunner | null = null;

  constructor(o: HelperEnvOptions) {
    this.maps = o.maps;
    this.ctx = o.ctx ?? null;
    this.rng = o.rng ?? new Rng(o.seed ?? 0);
    this.clock = o.clock ?? new VirtualClock();
    this.cpu = o.cpu ?? 0;
    this.numaNode = o.numaNode ?? 0;
  }
}
