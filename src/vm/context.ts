/**
 * The sk_reuseport program's context (spec §F): `struct sk_reuseport_md` (56 bytes) in a
 * read-only region, the packet's linear data in a read-only packet region, and two 80-byte
 * read-only `struct bpf_sock` regions for ctx `sk` and `migrating_sk`.
 *
 * Regions are made once and refilled per run (no allocation on the hot path). A `bpf_sock`
 * view is rewritten only when the socket it shows changes (ctx `sk` has two views, a
 * two-entry cache: see `ReuseportContext`); for the same socket only `state` (offset 72) is
 * rewritten, since a listener's family, type, protocol, addresses and ports do not change
 * while it is in a group. Byte orders follow the kernel's `bpf_sock` conversion: src_port
 * host order; dst_port network order in the low 16 bits; IPv4 addresses network order.
 *
 * Packet layout: `packet` starts at the network header; `data` points `l4Offset` bytes in
 * (the transport header, where skb->data is for a SYN at reuseport selection) and `data_end`
 * at its end. An empty packet gives data == data_end (the len-0 skb of migration paths).
 * Fields are written as u32 words through Uint32Array views, which assumes a little-endian
 * host (x86-64, arm64) — the same byte order the VM's loads use.
 * Every scalar ctx word is written on every run; the socket views only when the program can
 * load through them (`setReadWords`, from ctx-reads.ts — the kernel's convert_ctx_access
 * likewise costs nothing for fields nobody reads). Helpers read the sockets and the packet
 * from this object, which always tracks them.
 * IPv6 addresses come from the socket's optional `srcIp6`/`dstIp6` (16 network-order bytes;
 * absent: 0). Omitted: mark, priority, bound_dev_if (0), a MAC header.
 */
import { InputError } from "../errors.js";
import type { AddressSpace, Region } from "./memory.js";
import { BPF_SOCK_SIZE, SK_REUSEPORT } from "./program-type.js";
import { MIG_VIEW_LOADED, SK_VIEW_LOADED } from "./ctx-reads.js";
import { AF_INET6, StaticSocket, type VmSocket } from "./socket.js";

/** ETH_P_IP / ETH_P_IPV6, host order. */
export const ETH_P_IP = 0x0800;
export const ETH_P_IPV6 = 0x86dd;

// struct sk_reuseport_md offsets (SK_REUSEPORT_CTX_FIELDS, spec §F)
const CTX_DATA = 0;
const CTX_DATA_END = 8;
const CTX_LEN = 16;
const CTX_ETH_PROTOCOL = 20;
const CTX_IP_PROTOCOL = 24;
const CTX_BIND_INANY = 28;
const CTX_HASH = 32;
const CTX_SK = 40;
const CTX_MIGRATING_SK = 48;

// the same, as u32 word indexes
const W_DATA = CTX_DATA / 4;
const W_DATA_END = CTX_DATA_END / 4;
const W_LEN = CTX_LEN / 4;
const W_ETH_PROTOCOL = CTX_ETH_PROTOCOL / 4;
const W_IP_PROTOCOL = CTX_IP_PROTOCOL / 4;
const W_BIND_INANY = CTX_BIND_INANY / 4;
const W_HASH = CTX_HASH / 4;
const W_SK = CTX_SK / 4;
const W_MIGRATING_SK_HI = CTX_MIGRATING_SK / 4 + 1;

// read-mask bits (bit i = ctx word i) of the ctx `sk` pointer: a program that loads it gets
// it pointed at a view per run
const NEED_SK = 0b11 << W_SK;

// struct bpf_sock offsets (BPF_SOCK_FIELDS)
const SOCK_FAMILY = 4;
const SOCK_TYPE = 8;
const SOCK_PROTOCOL = 12;
const SOCK_SRC_IP4 = 24;
const SOCK_SRC_IP6 = 28;
const SOCK_SRC_PORT = 44;
const SOCK_DST_PORT = 48;
const SOCK_DST_IP4 = 52;
const SOCK_DST_IP6 = 56;
const SOCK_STATE = 72;
const SOCK_RX_QUEUE_MAPPING = 76;
const W_STATE = SOCK_STATE / 4;

export interface ReuseportInput {
  /** ctx `sk`: a group member (normal selection) or the closed listener (migration). */
  readonly sk: VmSocket;
  /** ctx `migrating_sk`: the child or request being migrated; null for a new connection. */
  readonly migratingSk: VmSocket | null;
  /** The connection hash (u32). */
  readonly hash: number;
  /** skb->len; default: the packet's length from `data` on. */
  readonly len?: number;
  /** Linear packet bytes from the network header on; default empty. */
  readonly packet?: Uint8Array;
  /** Where `data` (the transport header) starts in `packet`; default 0. */
  readonly l4Offset?: number;
  /**
   * How many bytes from `data` on are in the skb's linear part (`data_end - data`); default
   * all of them. The rest is paged: only bpf_skb_load_bytes reaches it, as in the kernel.
   */
  readonly linearLen?: number;
  /**
   * The link-layer header in front of the network header (on loopback 14 bytes: zero MACs and
   * the EtherType); absent: none was set, and BPF_HDR_START_MAC loads fail (the empty skb of
   * migrations).
   */
  readonly mac?: Uint8Array;
  /** skb->protocol, host order (the ctx shows it in network order); default 0 for an empty packet, else
   * ETH_P_IP/ETH_P_IPV6 by `sk`'s family. */
  readonly ethProtocol?: number;
  /** Default: `sk.protocol` (the kernel takes it from the socket, not the packet). */
  readonly ipProtocol?: number;
  /** Default: `sk.bindInany`, else false. */
  readonly bindInany?: boolean;
  /** get_smp_processor_id; default 0. */
  readonly cpu?: number;
}

const EMPTY = new Uint8Array(0);

/**
 * What an empty view holds instead of null: comparisons of sockets then only ever see
 * objects, which V8 compiles to one pointer compare (a null in the mix makes it a generic
 * equality with number and bigint cases).
 */
const NO_SOCKET: VmSocket = new StaticSocket(0n, 0, null, 0, 0, 0, 0, 0, 0, 0);

/**
 * One read-only `struct bpf_sock` region and the socket it shows. The view's words are written
 * when the socket changes (and `state` before each run that can read it); the cookie halves are
 * converted from the socket's bigint cookie on the first get_socket_cookie after a change.
 */
export class SockView {
  sk: VmSocket = NO_SOCKET;
  cookieLo = 0;
  cookieHi = 0;
  cookieValid = false;
  // `declare`d: README "Benchmarks", the per-request path.
  declare readonly region: Region;
  declare readonly id: number;
  declare readonly words: Uint32Array;

  constructor(region: Region) {
    this.region = region;
    this.id = region.id;
    this.words = new Uint32Array(region.bytes.buffer, 0, BPF_SOCK_SIZE / 4);
  }

  /** Show `sk` (its words written only when `writeView`: a program that cannot load them never sees them). */
  show(sk: VmSocket, writeView: boolean): void {
    if (writeView) writeSockWords(this.words, sk);
    this.sk = sk;
    this.cookieValid = false;
  }

  /** Make `cookieLo`/`cookieHi` those of the shown socket. */
  cookieHalves(): void {
    if (this.cookieValid || this.sk === NO_SOCKET) return;
    const c = this.sk.cookie;
    this.cookieLo = Number(c & 0xffffffffn);
    this.cookieHi = Number((c >> 32n) & 0xffffffffn);
    this.cookieValid = true;
  }

  /** Forget the socket (the next run rewrites the view). */
  reset(): void {
    this.sk = NO_SOCKET;
    this.cookieValid = false;
  }
}

export class ReuseportContext {
  // The regions, views and word view are `declare`d (README "Benchmarks", the per-request path).
  declare readonly mem: AddressSpace;
  declare readonly ctx: Region;
  declare readonly packet: Region;
  /**
   * Two views for ctx `sk`, used as a two-entry cache keyed by socket: the model alternates
   * between a bucket's first listener (new connections) and a closing listener (migrations),
   * and each keeps its view, its cookie and its pointer value (as in the kernel, two sockets
   * are two different `sk` pointers). The ctx `sk` pointer word says which one is current
   * (kept per run only for programs that can load it).
   */
  declare private readonly skA: SockView;
  declare private readonly skB: SockView;
  declare private readonly mig: SockView;
  /**
   * ctx `sk` of the current run. Kept apart from the views: a program that cannot load the
   * `sk` pointer (most policies) needs no view work per run, only this.
   */
  private curSk: VmSocket = NO_SOCKET;
  /** Where `data` starts in the packet region. */
  l4Offset = 0;
  /** Where the linear part ends in the packet (skb_tail_pointer): relative loads stop here. */
  tail = 0;
  /** The link-layer header of the current run (empty: none). */
  mac: Uint8Array = EMPTY;
  private packetBytes: Uint8Array = EMPTY;
  private packetLen = 0;
  // The per-run paths test these flags with `=== true` (README "Benchmarks", the per-request path).
  /** The last fill was `fillArgs`: data, data_end and eth_protocol hold their empty-packet values. */
  private argsFilled = false;
  /** Whether the program can load the ctx `sk` pointer (it is pointed at a view per run). */
  private needSk = true;
  /** Whether the program can load through ctx `sk` / `migrating_sk` (the view's bytes are kept current). */
  private needSkView = true;
  private needMigView = true;
  /** u32 word view of ctx (the region's buffer is fresh, so 4-byte aligned; the VM is little-endian). */
  declare private readonly ctxWords: Uint32Array;

  constructor(mem: AddressSpace) {
    this.mem = mem;
    this.ctx = mem.add("ctx", new Uint8Array(SK_REUSEPORT.ctxSize), false);
    this.packet = mem.add("packet", EMPTY, false);
    this.skA = new SockView(mem.add("sk", new Uint8Array(BPF_SOCK_SIZE), false));
    this.mig = new SockView(mem.add("migrating_sk", new Uint8Array(BPF_SOCK_SIZE), false));
    this.skB = new SockView(mem.add("sk", new Uint8Array(BPF_SOCK_SIZE), false));
    this.ctxWords = new Uint32Array(this.ctx.bytes.buffer, 0, SK_REUSEPORT.ctxSize / 4);
    // Pointer high words of data/data_end never change: the packet region keeps its id
    // (`rebind` reuses it). Pointer low words are 0 (every view starts at offset 0).
    this.ctxWords[W_DATA + 1] = this.packet.id;
    this.ctxWords[W_DATA_END + 1] = this.packet.id;
    this.ctxWords[W_SK] = 0;
    this.ctxWords[W_SK + 1] = this.skA.id;
  }

  /** The socket ctx `sk` shows in the current run (null before the first fill). */
  get sk(): VmSocket | null {
    const s = this.curSk;
    return s === NO_SOCKET ? null : s;
  }

  /** ctx `migrating_sk` of the current run, or null. */
  get migratingSk(): VmSocket | null {
    const s = this.mig.sk;
    return this.ctxWords[W_MIGRATING_SK_HI] !== 0 && s !== NO_SOCKET ? s : null;
  }

  /** The region ctx `sk` points to in the current run. */
  get skView(): Region {
    return this.curView().region;
  }

  /** The region ctx `migrating_sk` points to when it is not NULL. */
  get migratingView(): Region {
    return this.mig.region;
  }

  /** The view ctx `sk` points to: read back from the pointer word, so a run stores no index. */
  private curView(): SockView {
    return this.ctxWords[W_SK + 1] === this.skA.id ? this.skA : this.skB;
  }

  /**
   * The socket view a pointer with high word `id` (and low word 0) refers to in the current
   * run — ctx `sk`, or ctx `migrating_sk` when it is set — else null. For helpers that take a
   * socket argument.
   */
  viewAt(id: number): SockView | null {
    const v = this.curView();
    if (id === v.id && this.curSk !== NO_SOCKET) {
      // Without loads through ctx `sk` the view is not kept per run: show the socket now.
      if (!this.needSk && v.sk !== this.curSk) v.show(this.curSk, false);
      return v;
    }
    if (id === this.mig.id && this.ctxWords[W_MIGRATING_SK_HI] !== 0) return this.mig;
    return null;
  }

  /**
   * Write only the socket views the program can load through (from `ctxReadWords`'s mask);
   * every scalar ctx word is written on each run regardless (a store is cheaper than the
   * test that would skip it). The socket views are refreshed at the next fill.
   */
  setReadWords(words: number): void {
    this.argsFilled = false;
    this.needSk = (words & NEED_SK) !== 0;
    this.needSkView = (words & SK_VIEW_LOADED) !== 0;
    this.needMigView = (words & MIG_VIEW_LOADED) !== 0;
    this.curSk = NO_SOCKET;
    this.skA.reset();
    this.skB.reset();
    this.mig.reset();
  }

  /**
   * Set ctx `sk` and `migrating_sk` for a run. ctx `sk`: a new socket sets ip_protocol and,
   * when the program can load the pointer, points it at the view showing the socket (a
   * socket neither view shows replaces the one the last run did not use); the same socket
   * only has its state refreshed. `migrating_sk`: its view, or NULL. Small on purpose — V8
   * inlines it into both fills only while the hook's whole call chain fits its inlining
   * budget — with the view changes out of line.
   */
  private pointSockets(sk: VmSocket, m: VmSocket | null): void {
    const w = this.ctxWords;
    if (sk !== this.curSk) {
      this.curSk = sk;
      // `| 0`: V8 then stores a small integer as is, not through a float truncation.
      w[W_IP_PROTOCOL] = sk.protocol | 0;
      if (this.needSk === true) this.pointSkView(sk);
    } else if (this.needSkView === true) {
      this.curView().words[W_STATE] = sk.state | 0;
    }
    w[W_MIGRATING_SK_HI] = m === null ? 0 : this.pointMig(m);
  }

  private pointSkView(sk: VmSocket): void {
    const v = sk === this.skA.sk ? this.skA : sk === this.skB.sk ? this.skB : this.showSk(sk);
    this.ctxWords[W_SK + 1] = v.id | 0;
    if (this.needSkView === true) v.words[W_STATE] = sk.state | 0;
  }

  /** ctx `migrating_sk` for a socket: its view (current), whose id is the pointer's high word. */
  private pointMig(m: VmSocket): number {
    const v = this.mig;
    if (m !== v.sk) v.show(m, this.needMigView);
    else if (this.needMigView === true) v.words[W_STATE] = m.state | 0;
    return v.id | 0;
  }

  private showSk(sk: VmSocket): SockView {
    const v = this.ctxWords[W_SK + 1] === this.skA.id ? this.skB : this.skA;
    v.show(sk, this.needSkView);
    return v;
  }

  /** Fill every region for one run. Throws `InputError` for an l4Offset outside the packet. */
  fill(input: ReuseportInput): void {
    this.argsFilled = false;
    const pkt = input.packet ?? EMPTY;
    if (pkt !== this.packetBytes) {
      this.mem.rebind(this.packet, pkt, false);
      this.packetBytes = pkt;
      this.packetLen = pkt.length; // typed-array length reads are not free; cache it
    }
    const plen = this.packetLen;
    const l4 = input.l4Offset ?? 0;
    if (l4 < 0 || l4 > plen) throw badL4(l4, plen);
    this.l4Offset = l4;

    const sk = input.sk;
    this.pointSockets(sk, input.migratingSk);
    const w = this.ctxWords;
    w[W_DATA] = l4;
    const lin = input.linearLen;
    const tail = lin === undefined ? plen : l4 + Math.min(Math.max(lin, 0), plen - l4);
    this.tail = tail;
    this.mac = input.mac ?? EMPTY;
    w[W_DATA_END] = tail;
    w[W_LEN] = input.len ?? plen - l4;
    const eth = input.ethProtocol ?? (plen === 0 ? 0 : sk.family === AF_INET6 ? ETH_P_IPV6 : ETH_P_IP);
    w[W_ETH_PROTOCOL] = ((eth & 0xff) << 8) | ((eth >>> 8) & 0xff); // __be16 skb->protocol, zero-extended
    w[W_IP_PROTOCOL] = input.ipProtocol ?? sk.protocol;
    w[W_BIND_INANY] = (input.bindInany ?? sk.bindInany) === true ? 1 : 0;
    w[W_HASH] = input.hash;
  }

  /**
   * The socket model's fill, with no packet: exactly `fill({ sk, migratingSk, hash, len,
   * bindInany })`, minus the per-run work that cannot change between such calls (the empty
   * packet's words are written once; ip_protocol when ctx `sk` changes). Allocation-free; a
   * socket object is stored only when ctx `sk` or the migrating socket changes. The rare work
   * (a socket not in a view, the first call after `fill`) is out of line so this inlines.
   * `hash` may be the u32 or its int32 bit pattern. test/vm/context-args.test.ts checks the
   * equivalence with `fill` over random run sequences.
   */
  fillArgs(sk: VmSocket, m: VmSocket | null, hash: number, len: number, bindInany: boolean): void {
    if (this.argsFilled !== true) this.argsConstants();
    this.pointSockets(sk, m);
    const w = this.ctxWords;
    w[W_LEN] = len | 0;
    w[W_BIND_INANY] = bindInany === true ? 1 : 0;
    w[W_HASH] = hash | 0;
  }

  /** fillArgs, first run after a `fill` or `setReadWords`: the empty packet's words. */
  private argsConstants(): void {
    const w = this.ctxWords;
    if (this.packetBytes !== EMPTY) {
      this.mem.rebind(this.packet, EMPTY, false);
      this.packetBytes = EMPTY;
      this.packetLen = 0;
    }
    this.l4Offset = 0;
    this.tail = 0;
    this.mac = EMPTY;
    w[W_DATA] = 0;
    w[W_DATA_END] = 0;
    w[W_ETH_PROTOCOL] = 0; // no packet: skb->protocol 0
    // `fill` may have set ip_protocol from its input; here it is ctx sk's (rewritten below
    // when sk changes).
    w[W_IP_PROTOCOL] = this.curSk.protocol | 0;
    this.argsFilled = true;
  }

  /** The packet bytes of the current run (from the network header on). */
  get packetData(): Uint8Array {
    return this.packetBytes;
  }
}

/** Kept out of `fill` so the hot function stays small enough to inline. */
function badL4(l4: number, len: number): InputError {
  return new InputError("ctx.l4-offset", `l4Offset ${l4} is outside the ${len}-byte packet; expected 0..${len}`);
}

/** Byte-swap a u32 (host value → the word a little-endian load of network-order bytes sees). */
const bswap32 = (x: number): number =>
  (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;

/** Fill a `struct bpf_sock` view (20 u32 words) from a socket, in bpf_sock_convert_ctx_access byte orders. */
function writeSockWords(w: Uint32Array, sk: VmSocket): void {
  // bound_dev_if, mark, priority and the IPv6 words are never written, so they stay 0.
  w[SOCK_FAMILY / 4] = sk.family;
  w[SOCK_TYPE / 4] = sk.type;
  w[SOCK_PROTOCOL / 4] = sk.protocol;
  w[SOCK_SRC_IP4 / 4] = bswap32(sk.srcIp4); // network order
  w[SOCK_SRC_PORT / 4] = sk.srcPort & 0xffff; // host order
  w[SOCK_DST_PORT / 4] = ((sk.dstPort & 0xff) << 8) | ((sk.dstPort >>> 8) & 0xff); // __be16 in the low 16 bits
  w[SOCK_DST_IP4 / 4] = bswap32(sk.dstIp4);
  w[W_STATE] = sk.state;
  w[SOCK_RX_QUEUE_MAPPING / 4] = 0xffffffff; // -1: no queue recorded
  writeIp6(w, SOCK_SRC_IP6 / 4, sk.srcIp6);
  writeIp6(w, SOCK_DST_IP6 / 4, sk.dstIp6);
}

/** Four u32 words of an IPv6 address whose bytes are in network order (a little-endian load sees them as stored). */
function writeIp6(w: Uint32Array, at: number, a: Uint8Array | undefined): void {
  for (let i = 0; i < 4; i++)
    w[at + i] =
      a === undefined ? 0 : (a[i * 4]! | (a[i * 4 + 1]! << 8) | (a[i * 4 + 2]! << 16) | (a[i * 4 + 3]! << 24)) >>> 0;
}
