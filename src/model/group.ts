/**
 * The reuseport group (`struct sock_reuseport`) and every operation on its socks[] array,
 * written to follow sock_reuseport.c step by step: alloc (R1), add (R2), grow (R3),
 * stop-listen into the closed section (R4), closed-section removal (R5), full detach (R6),
 * resurrection (R7), prog attach/detach (R8), selection (R10, R11) and the migration
 * decision (R12). The TCP side (queues, timers, counters of R14–R16) is in stack.ts and tcp-input.ts.
 * Omitted: UDP's has_conns and connected-socket skipping beyond the ESTABLISHED check (R11),
 * RCU (the model is single-threaded, so "failed to take a reference" never happens).
 */
import { ModelError } from "../errors.js";
import { BPF_SK_REUSEPORT_SELECT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE } from "../vm/program-type.js";
import { IPPROTO_TCP, TCP_ESTABLISHED, type VmSocket } from "../vm/socket.js";
import type { Netns, Sysctls } from "./netns.js";
import type { ReuseportProgram, ReuseportRunResult } from "./program.js";
import { Listener } from "./sockets.js";

/** INIT_SOCKS (spec §0). */
export const INIT_SOCKS = 128;
/** socks[] capacity is a u16: doubling past this fails (R3). */
const U16_MAX = 65535;

/** The most sockets one group holds: INIT_SOCKS doubled while it fits a u16 (R3), 32768. */
export const MAX_GROUP_SOCKS = ((): number => {
  let n = INIT_SOCKS;
  while (n * 2 <= U16_MAX) n *= 2;
  return n;
})();

/**
 * Kernel ABI values the per-request paths compare against, as a const enum so tsc writes the
 * numbers in place (README "Benchmarks", the per-request path). The same values as
 * program-type.ts and socket.ts (test/model/hot-abi.test.ts checks they agree).
 */
export const enum HotAbi {
  TCP_ESTABLISHED = 1,
  // eslint-disable-next-line @typescript-eslint/no-duplicate-enum-values -- two ABI constants that are both 1
  SK_PASS = 1,
  SELECT_OR_MIGRATE = 40,
}

export type MigrateFailure = "detached" | "no-listener" | "not-capable" | "program-drop" | "hash-null";

/**
 * socks[] storage: an array class of its own whose map never changes (README "Benchmarks",
 * the per-request path). Derived arrays (`slice`, `map`) are plain arrays: a derived
 * SockSlots would be created holey.
 */
class SockSlots extends Array<Listener | null> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

/** A socks[] array of `n` nulls, built by appending so it is packed from the start. */
function nullSlots(n: number): SockSlots {
  const a = new SockSlots();
  for (let i = 0; i < n; i++) a.push(null);
  return a;
}

function errno(name: string, message: string): ModelError {
  return new ModelError(`model.${name}`, `${message} (${name})`);
}

export class ReuseportGroup {
  maxSocks = INIT_SOCKS;
  numSocks = 0;
  numClosedSocks = 0;
  socks: SockSlots = nullSlots(INIT_SOCKS);
  prog: ReuseportProgram | null = null;
  /** Freed (num_socks + num_closed_socks reached 0, R6). */
  freed = false;
  /**
   * Each member's index in socks[]. The kernel finds it by scanning (reuseport_sock_index), so
   * every close costs O(num_socks) and closing a whole group is quadratic; the model keeps the
   * index so each socks[] operation costs O(1) and leaves the array exactly as the scan would.
   * Only `place` writes a member into socks[], so the two never disagree.
   */
  private readonly slots = new Map<Listener, number>();

  constructor(
    /** reuseport_id: kept across growth (spec §1). */
    readonly id: number,
    public bindInany: boolean,
  ) {}

  /** socks[0 .. num_socks-1] */
  listening(): Listener[] {
    return this.socks.slice(0, this.numSocks) as Listener[];
  }

  /** socks[max_socks-num_closed_socks .. max_socks-1], in index order. */
  closed(): Listener[] {
    return this.socks.slice(this.maxSocks - this.numClosedSocks, this.maxSocks) as Listener[];
  }

  /** sk's index in the closed (or listening) section, or -1 (`reuseport_sock_index`). */
  indexOf(sk: Listener, closed: boolean): number {
    const i = this.slots.get(sk);
    if (i === undefined || this.socks[i] !== sk) return -1;
    const lo = closed ? this.maxSocks - this.numClosedSocks : 0;
    const hi = closed ? this.maxSocks : this.numSocks;
    return i >= lo && i < hi ? i : -1;
  }

  /** socks[i] = sk, recording where sk now is. */
  place(i: number, sk: Listener): void {
    this.socks[i] = sk;
    this.slots.set(sk, i);
  }

  /** sk has left socks[] (its old entry is overwritten or nulled by the caller). */
  forget(sk: Listener): void {
    this.slots.delete(sk);
  }

  /**
   * R11 `reuseport_select_sock_by_hash`: scale over the listening section, skipping
   * ESTABLISHED. A method, not a module function (README "Benchmarks", the per-request path).
   */
  pickByHash(hash: number): Listener | null {
    const n = this.numSocks;
    if (n === 0) return null;
    // reciprocal_scale(hash, n) (hash.ts) in integer steps: with hash = hi·2^16 + lo,
    // floor(hash·n / 2^32) = (hi·n + floor(lo·n / 2^16)) >> 16, and every partial stays below
    // 2^32 because n ≤ 65535 (num_socks is a u16, R3). Measurably cheaper than the float
    // divide on this hot path; test/model/hash-pick.test.ts checks both agree.
    const i = ((hash >>> 16) * n + (((hash & 0xffff) * n) >>> 16)) >>> 16;
    const s = this.socks[i] as Listener;
    // The common case (a listener at the scaled index) stays here; the skip (connected UDP
    // sockets in the kernel) is out of line.
    return s.state !== HotAbi.TCP_ESTABLISHED ? s : skipEstablished(this.socks, i, n);
  }
}

/**
 * What `Listener.group` holds while the listener is in no group: a group with no sockets and
 * no program, never written to. It selects nothing (R10, num_socks 0) and migrates nothing
 * (R12 step 1, told apart by identity). Why not null: README "Benchmarks", the per-request path.
 */
export const NO_GROUP = new ReuseportGroup(0, false);

/** R1 `reuseport_alloc`: a new group holding sk, or R7 when sk is a shut-down member. */
export function reuseportAlloc(host: ReuseportHost, sk: Listener, bindInany: boolean): void {
  const old = sk.group;
  if (old !== NO_GROUP) {
    if (old.numClosedSocks > 0 && old.indexOf(sk, true) >= 0) {
      reuseportResurrect(host, sk, old, null, bindInany); // R7: no live group in the bucket
      return;
    }
    if (bindInany) old.bindInany = true; // only ever set to true here
    return;
  }
  const g = new ReuseportGroup(host.newGroupId(), bindInany);
  g.place(0, sk);
  g.numSocks = 1;
  sk.group = g;
}

/** R2 `reuseport_add_sock`: sk joins sk2's group (creating it for sk2 if needed). */
export function reuseportAddSock(host: ReuseportHost, sk: Listener, sk2: Listener, bindInany: boolean): void {
  if (sk2.group === NO_GROUP) reuseportAlloc(host, sk2, bindInany);
  const g = sk2.group;
  const old = sk.group;
  if (old !== NO_GROUP && old.numClosedSocks > 0 && old.indexOf(sk, true) >= 0) {
    reuseportResurrect(host, sk, old, g, g.bindInany); // R7
    return;
  }
  if (old !== NO_GROUP && old.numSocks !== 1) {
    throw errno("EBUSY", `socket ${sk.name} already belongs to reuseport group ${old.id} with ${old.numSocks} members`);
  }
  if (g.numSocks + g.numClosedSocks === g.maxSocks && !reuseportGrow(g)) {
    throw errno("ENOMEM", `reuseport group ${g.id} is full (${g.maxSocks} sockets) and cannot grow`);
  }
  addToListening(g, sk);
  sk.group = g;
  if (old !== NO_GROUP && old !== g) freeGroup(old); // R2: the joiner's singleton group is freed
}

/** `__reuseport_add_sock`: append at socks[num_socks] (R2). */
function addToListening(g: ReuseportGroup, sk: Listener): void {
  g.place(g.numSocks, sk);
  g.numSocks++;
}

function freeGroup(g: ReuseportGroup): void {
  g.freed = true;
  g.prog = null;
}

/**
 * R3 `reuseport_grow`: double capacity, listening section at the front, closed section at
 * the tail, order kept. Past the u16 ceiling, evict the most recently closed socket or fail.
 * Returns false for ENOMEM. The group object stays the same (the kernel copies the struct;
 * id, prog and flags are kept, so identity is what matters here).
 */
export function reuseportGrow(g: ReuseportGroup): boolean {
  const more = g.maxSocks * 2;
  if (more > U16_MAX) {
    if (g.numClosedSocks > 0) {
      const victim = g.socks[g.maxSocks - g.numClosedSocks] as Listener;
      victim.group = NO_GROUP; // it can no longer migrate (R12 step 1)
      detachClosed(g, victim);
      return true;
    }
    return false;
  }
  const old = g.socks;
  const socks = nullSlots(more);
  for (let i = 0; i < g.numSocks; i++) socks[i] = old[i] as Listener; // same indices
  const closedFrom = g.maxSocks - g.numClosedSocks;
  g.socks = socks;
  g.maxSocks = more;
  // The closed section moves to the new tail: its members' indices change.
  for (let i = 0; i < g.numClosedSocks; i++) g.place(more - g.numClosedSocks + i, old[closedFrom + i] as Listener);
  return true;
}

/** `__reuseport_detach_sock`: move-last-into-the-hole (R4 b). */
function detachListening(g: ReuseportGroup, sk: Listener): boolean {
  const i = g.indexOf(sk, false);
  if (i < 0) return false;
  g.place(i, g.socks[g.numSocks - 1] as Listener);
  g.socks[g.numSocks - 1] = null;
  g.numSocks--;
  g.forget(sk);
  return true;
}

/** R5 `__reuseport_detach_closed_sock`: fill the hole with the lowest-index closed entry. */
export function detachClosed(g: ReuseportGroup, sk: Listener): boolean {
  const i = g.indexOf(sk, true);
  if (i < 0) return false;
  const lowest = g.maxSocks - g.numClosedSocks;
  g.place(i, g.socks[lowest] as Listener);
  g.socks[lowest] = null;
  g.numClosedSocks--;
  g.forget(sk);
  return true;
}

/** R4: migration-capable iff TCP and (sysctl on, or the group's prog expects attach type 40). */
export function migrationCapable(host: ReuseportHost, sk: Listener): boolean {
  const g = sk.group;
  if (sk.protocol !== IPPROTO_TCP || g === NO_GROUP) return false;
  return host.ns.sysctl.tcp_migrate_req === 1 || g.prog?.attachType === BPF_SK_REUSEPORT_SELECT_OR_MIGRATE;
}

/**
 * R4 `reuseport_stop_listen_sock` (called while sk is still LISTEN). Capable: out of the
 * sockarrays, move-last-into-hole, into the closed section. Not capable: R6. Returns capable.
 */
export function reuseportStopListen(host: ReuseportHost, sk: Listener): boolean {
  const g = sk.group;
  if (g === NO_GROUP) return false;
  if (migrationCapable(host, sk)) {
    host.removeFromMaps(sk); // R4 (a)
    detachListening(g, sk); // R4 (b)
    g.place(g.maxSocks - g.numClosedSocks - 1, sk); // R4 (c)
    g.numClosedSocks++;
    return true;
  }
  reuseportDetach(host, sk);
  return false;
}

/** R6 `reuseport_detach_sock`: out of the maps and the group; free an empty group. */
export function reuseportDetach(host: ReuseportHost, sk: Listener): void {
  const g = sk.group;
  if (g === NO_GROUP) return;
  host.removeFromMaps(sk);
  sk.group = NO_GROUP;
  if (!detachClosed(g, sk)) detachListening(g, sk);
  if (g.numSocks + g.numClosedSocks === 0) freeGroup(g);
}

/** R7 `reuseport_resurrect`: a shut-down socket listens again. */
function reuseportResurrect(
  host: ReuseportHost,
  sk: Listener,
  old: ReuseportGroup,
  live: ReuseportGroup | null,
  bindInany: boolean,
): void {
  if (old === live) {
    detachClosed(old, sk);
    addToListening(old, sk);
    return;
  }
  let g: ReuseportGroup;
  if (live === null) {
    // A fresh group without prog: a prog cannot be carried over from the old group.
    g = new ReuseportGroup(host.newGroupId(), bindInany);
  } else {
    g = live;
    if (g.numSocks + g.numClosedSocks === g.maxSocks && !reuseportGrow(g)) {
      throw errno("ENOMEM", `reuseport group ${g.id} is full (${g.maxSocks} sockets) and cannot grow`);
    }
  }
  detachClosed(old, sk);
  addToListening(g, sk);
  sk.group = g;
  if (old.numSocks + old.numClosedSocks === 0) freeGroup(old);
}

/** R8 `reuseport_attach_prog` (SO_ATTACH_REUSEPORT_EBPF): one prog per group, replacing. */
export function reuseportAttachProg(host: ReuseportHost, sk: Listener, prog: ReuseportProgram): void {
  const at = prog.attachType as number;
  if (at !== BPF_SK_REUSEPORT_SELECT && at !== BPF_SK_REUSEPORT_SELECT_OR_MIGRATE) {
    throw errno(
      "EINVAL",
      `expected attach type ${BPF_SK_REUSEPORT_SELECT} or ${BPF_SK_REUSEPORT_SELECT_OR_MIGRATE}, got ${at}`,
    );
  }
  if (!sk.hashed) {
    // Unhashed: needs SO_REUSEPORT and gets (or keeps) its own group; a shut-down member
    // is resurrected into a fresh group so the live group's prog is not changed (R7).
    if (!sk.reuseport) throw errno("EINVAL", `socket ${sk.name} has no SO_REUSEPORT`);
    reuseportAlloc(host, sk, false);
  } else if (sk.group === NO_GROUP) {
    throw errno("EINVAL", `socket ${sk.name} is hashed but has no reuseport group`);
  }
  sk.group.prog = prog;
}

/** R8 `reuseport_detach_prog` (SO_DETACH_REUSEPORT_BPF). */
export function reuseportDetachProg(sk: Listener): void {
  const g = sk.group;
  if (g === NO_GROUP) {
    throw sk.reuseport
      ? errno("ENOENT", `socket ${sk.name} has no reuseport group`)
      : errno("EINVAL", `socket ${sk.name} has no SO_REUSEPORT`);
  }
  if (!sk.hashed && g.numClosedSocks > 0)
    throw errno("ENOENT", `socket ${sk.name} is not listening and its group has closed sockets`);
  if (g.prog === null) throw errno("ENOENT", `reuseport group ${g.id} has no program`);
  g.prog = null;
}

/** R11's linear probe from `i` (whose socket is ESTABLISHED) for the next non-ESTABLISHED one. */
function skipEstablished(socks: readonly (Listener | null)[], i: number, n: number): Listener | null {
  for (let tries = 1; tries < n; tries++) {
    i = i + 1 >= n ? 0 : i + 1;
    const s = socks[i] as Listener;
    if (s.state !== TCP_ESTABLISHED) return s;
  }
  return null;
}

/** Sentinel for "the prog refused" (R10: any return other than SK_PASS). */
export const REFUSED = "refused" as const;

/**
 * The stack around a group: what the group operations need from it, and the two per-request
 * entry points as its methods (README "Benchmarks", the per-request path). Every simulated
 * connection goes through them, and `baton bench --kernel-pick` times them. Each keeps its
 * common case (no program: the hash pick) in a few lines and moves the rest out of line
 * (program runs, failures and their counters), so it stays small enough for V8 to inline even
 * where a caller has several call sites.
 */
export abstract class ReuseportHost {
  /**
   * `ns.sysctl` itself: the migration path reads tcp_migrate_req through one load, not two.
   * `declare`d: README "Benchmarks", the per-request path.
   */
  declare readonly sysctl: Sysctls;

  constructor(readonly ns: Netns) {
    this.sysctl = ns.sysctl;
  }

  /** R4(a), R6: `bpf_sk_reuseport_detach` — drop sk from any REUSEPORT_SOCKARRAY. */
  abstract removeFromMaps(sk: Listener): void;
  abstract newGroupId(): number;
  /** Virtual time in ns, passed to programs. */
  abstract nowNs(): number;
  /** Why the last `reuseportMigrate` returned null (for per-connection causes). */
  abstract noteMigrateFailure(why: MigrateFailure): void;

  /**
   * R10 `reuseport_select_sock` for a new SYN (or a cookie ACK): prog, else hash pick.
   * `first` is the bucket's first member (ctx `sk`). Returns null when nothing is picked,
   * REFUSED when the prog returns anything but SK_PASS.
   */
  reuseportSelect(first: Listener, hash: number, len: number): Listener | null | typeof REFUSED {
    const g = first.group; // NO_GROUP when none: no program, no sockets, so null below
    const prog = g.prog;
    if (prog === null) return g.pickByHash(hash);
    return this.selectByProgram(g, prog, first, hash, len);
  }

  /**
   * R12 `reuseport_migrate_sock`: the target for a child or request of the closed listener
   * `sk`, or null. Counts TCPMigrateReqFailure exactly where R19 says; a found target counts
   * nothing (callers count Success on commit, R18).
   */
  reuseportMigrate(sk: Listener, migrating: VmSocket, hash: number, len: number): Listener | null {
    const g = sk.group;
    if (g.numSocks === 0) return migrateNowhere(this, g); // steps 1 (NO_GROUP), 2
    const prog = g.prog;
    if (prog !== null && prog.attachType === HotAbi.SELECT_OR_MIGRATE) {
      return this.migrateByProgram(g, prog, sk, migrating, hash, len); // steps 5, 6
    }
    if (this.sysctl.tcp_migrate_req !== 1) return migrateFailed(this, "not-capable"); // step 4
    const t = g.pickByHash(hash); // step 7, over the current listening section
    return t !== null ? t : migrateFailed(this, "hash-null");
  }

  // The program paths below are methods for the same reason: each is inlined into the two
  // entry points, where a module function would cost a binding check per request.

  /** R10 with a program attached: run it; SK_PASS without a selection falls back to the hash pick. */
  private selectByProgram(
    g: ReuseportGroup,
    prog: ReuseportProgram,
    first: Listener,
    hash: number,
    len: number,
  ): Listener | null | typeof REFUSED {
    const out = this.runProgram(g, prog, first, null, hash, len);
    if (prog.progType === 1) return selectByIndex(g, out.ret, hash);
    if (out.ret !== HotAbi.SK_PASS) return REFUSED;
    return this.asListener(out.selected) ?? g.pickByHash(hash);
  }

  /** R12 steps 5–7 with an attach-type-40 program: run it with an empty skb (len 0) off the packet path. */
  private migrateByProgram(
    g: ReuseportGroup,
    prog: ReuseportProgram,
    sk: Listener,
    migrating: VmSocket,
    hash: number,
    len: number,
  ): Listener | null {
    const out = this.runProgram(g, prog, sk, migrating, hash, len);
    if (out.ret !== HotAbi.SK_PASS) return migrateFailed(this, "program-drop"); // step 6: refusal
    const sel = this.asListener(out.selected);
    if (sel !== null) return sel;
    // SK_PASS without selection: hash pick even with the sysctl at 0 (step 6, then step 7).
    const t = g.pickByHash(hash);
    return t !== null ? t : migrateFailed(this, "hash-null");
  }

  /** One run of the group's program: `runArgs` when it has one (no input object per request). */
  private runProgram(
    g: ReuseportGroup,
    prog: ReuseportProgram,
    sk: Listener,
    m: VmSocket | null,
    hash: number,
    len: number,
  ): ReuseportRunResult {
    return prog.runArgs !== undefined
      ? prog.runArgs(sk, m, hash, len, g.bindInany)
      : runWithInput(this, g, prog, sk, m, hash, len);
  }

  /** The selected socket must be a listener of the model (a sockarray only holds those). */
  private asListener(s: VmSocket | null): Listener | null {
    // null first: the common "no selection" case then costs no instanceof.
    return s === null ? null : s instanceof Listener ? s : null;
  }
}

/** Classic / SOCKET_FILTER programs return an index into socks[] (R10); out of range: hash pick. */
function selectByIndex(g: ReuseportGroup, ret: number, hash: number): Listener | null {
  const idx = ret >>> 0;
  return idx < g.numSocks ? (g.socks[idx] as Listener) : g.pickByHash(hash);
}

/** A program without `runArgs` gets an input object per run. */
function runWithInput(
  host: ReuseportHost,
  g: ReuseportGroup,
  prog: ReuseportProgram,
  sk: Listener,
  m: VmSocket | null,
  hash: number,
  len: number,
): ReuseportRunResult {
  return prog.run({ sk, migratingSk: m, hash, len, bindInany: g.bindInany, groupId: g.id, nowNs: host.nowNs() });
}

/** R12 steps 1 and 2: detached or evicted (no count), or no listener left. */
function migrateNowhere(host: ReuseportHost, g: ReuseportGroup): null {
  if (g === NO_GROUP) {
    host.noteMigrateFailure("detached");
    return null;
  }
  return migrateFailed(host, "no-listener");
}

/** A counted migration failure (R19). */
function migrateFailed(host: ReuseportHost, why: MigrateFailure): null {
  host.ns.counters.TCPMigrateReqFailure++;
  host.noteMigrateFailure(why);
  return null;
}
