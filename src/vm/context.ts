/**
 * The sk_reuseport program's context (spec §F): `struct sk_reuseport_md` (56 bytes) in a
 * read-only region, the packet's linear data in a read-only packet region, and two 80-byte
 * read-only `struct bpf_sock` regions for ctx `sk` and `migrating_sk`.
 *
 * Regions are made once and refilled per run (no allocation on the hot path). A `bpf_sock`
 * view is rewritten only when the socket object changes; for the same socket only `state`
 * (offset 72) is rewritten, since a listener's family, type, protocol, addresses and ports do
 * not change while it is in a group. Byte orders follow the kernel's `bpf_sock` conversion:
 * src_port host order; dst_port network order in the low 16 bits; IPv4 addresses network order.
 *
 * Packet layout: `packet` starts at the network header; `data` points `l4Offset` bytes in
 * (the transport header, where skb->data is for a SYN at reuseport selection) and `data_end`
 * at its end. An empty packet gives data == data_end (the len-0 skb of migration paths).
 * Fields are written as u32 words through Uint32Array views, which assumes a little-endian
 * host (x86-64, arm64) — the same byte order the VM's loads use.
 * Only the words the program can load are written (`setReadWords`, from ctx-reads.ts — the
 * kernel's convert_ctx_access likewise costs nothing for fields nobody reads); the default is
 * every word. The socket objects, the packet and l4Offset are always tracked, since helpers
 * read those from this object rather than from the words.
 * Omitted: IPv6 addresses (VmSocket has none; src_ip6/dst_ip6 read 0), mark, priority,
 * bound_dev_if (0), a MAC header.
 */
import { InputError } from "../errors.js";
import type { AddressSpace, Region } from "./memory.js";
import { BPF_SOCK_SIZE, SK_REUSEPORT } from "./program-type.js";
import { AF_INET6, type VmSocket } from "./socket.js";
import { ALL_CTX_WORDS } from "./ctx-reads.js";

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

// read-mask bits (bit i = ctx word i)
const NEED_DATA = 0b1111 << W_DATA; // data and data_end, both halves
const NEED_LEN = 1 << W_LEN;
const NEED_ETH = 1 << W_ETH_PROTOCOL;
const NEED_IP = 1 << W_IP_PROTOCOL;
const NEED_BIND = 1 << W_BIND_INANY;
const NEED_HASH = 1 << W_HASH;
const NEED_SK = 0b11 << W_SK; // the pointer: its view must be current
const NEED_MIG = 0b11 << (CTX_MIGRATING_SK / 4);

// struct bpf_sock offsets (BPF_SOCK_FIELDS)
const SOCK_FAMILY = 4;
const SOCK_TYPE = 8;
const SOCK_PROTOCOL = 12;
const SOCK_SRC_IP4 = 24;
const SOCK_SRC_PORT = 44;
const SOCK_DST_PORT = 48;
const SOCK_DST_IP4 = 52;
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
  /** skb->protocol, host order (the ctx shows it in network order); default 0 for an empty packet, else ETH_P_IP/ETH_P_IPV6 by `sk`'s family. */
  readonly ethProtocol?: number;
  /** Default: `sk.protocol` (the kernel takes it from the socket, not the packet). */
  readonly ipProtocol?: number;
  /** Default: `sk.bindInany`, else false. */
  readonly bindInany?: boolean;
  /** get_smp_processor_id; default 0. */
  readonly cpu?: number;
}

const EMPTY = new Uint8Array(0);

export class ReuseportContext {
  readonly ctx: Region;
  readonly packet: Region;
  readonly skView: Region;
  readonly migratingView: Region;
  /** The sockets of the current run. */
  sk: VmSocket | null = null;
  migratingSk: VmSocket | null = null;
  /**
   * Cookie halves of `sk` / `migratingSk`, converted from bigint on the first
   * get_socket_cookie after the socket changes (so runs that never ask pay nothing).
   */
  skCookieLo = 0;
  skCookieHi = 0;
  skCookieValid = false;
  migCookieLo = 0;
  migCookieHi = 0;
  migCookieValid = false;
  /** Where `data` starts in the packet region. */
  l4Offset = 0;
  private packetBytes: Uint8Array = EMPTY;
  private packetLen = 0;
  /** The socket whose view `migratingView` holds (kept while migratingSk is null). */
  private lastMigrating: VmSocket | null = null;
  /** Context words the program may load (bit i = word i). */
  private need = ALL_CTX_WORDS;
  /**
   * The last fill was `fillArgs`: data, data_end and eth_protocol already hold their
   * empty-packet values and ip_protocol that of `sk`, so the next `fillArgs` skips them.
   */
  private argsFilled = false;
  /** `need` split into flags for fillArgs (one field load and branch each). */
  private needLen = true;
  private needBind = true;
  private needHash = true;
  private needSk = true;
  private needMig = true;
  /** `migratingView.id`, cached. */
  private readonly migId: number;
  /** u32 word views (the regions' buffers are fresh, so 4-byte aligned; the VM is little-endian). */
  private readonly ctxWords: Uint32Array;
  private readonly skWords: Uint32Array;
  private readonly migWords: Uint32Array;

  constructor(readonly mem: AddressSpace) {
    this.ctx = mem.add("ctx", new Uint8Array(SK_REUSEPORT.ctxSize), false);
    this.packet = mem.add("packet", EMPTY, false);
    this.skView = mem.add("sk", new Uint8Array(BPF_SOCK_SIZE), false);
    this.migratingView = mem.add("migrating_sk", new Uint8Array(BPF_SOCK_SIZE), false);
    this.ctxWords = new Uint32Array(this.ctx.bytes.buffer, 0, SK_REUSEPORT.ctxSize / 4);
    this.skWords = new Uint32Array(this.skView.bytes.buffer, 0, BPF_SOCK_SIZE / 4);
    this.migWords = new Uint32Array(this.migratingView.bytes.buffer, 0, BPF_SOCK_SIZE / 4);
    // Pointer high words never change: the regions keep their ids (`rebind` reuses them).
    this.ctxWords[W_DATA + 1] = this.packet.id;
    this.ctxWords[W_DATA_END + 1] = this.packet.id;
    this.ctxWords[W_SK] = 0;
    this.ctxWords[W_SK + 1] = this.skView.id;
    this.migId = this.migratingView.id;
  }

  /**
   * Write only the context words in `words` from now on (a mask from `ctxReadWords`); the
   * others keep whatever they hold. The socket views are refreshed at the next fill.
   */
  setReadWords(words: number): void {
    this.need = words & ALL_CTX_WORDS;
    this.argsFilled = false;
    this.needLen = (this.need & NEED_LEN) !== 0;
    this.needBind = (this.need & NEED_BIND) !== 0;
    this.needHash = (this.need & NEED_HASH) !== 0;
    this.needSk = (this.need & NEED_SK) !== 0;
    this.needMig = (this.need & NEED_MIG) !== 0;
    this.sk = null;
    this.lastMigrating = null;
    this.skCookieValid = false;
    this.migCookieValid = false;
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

    // Only the words that can change and that the program can load are written; region ids
    // were written by the constructor.
    const sk = input.sk;
    const w = this.ctxWords;
    const need = this.need;
    if ((need & NEED_DATA) !== 0) {
      w[W_DATA] = l4;
      w[W_DATA_END] = plen;
    }
    if ((need & NEED_LEN) !== 0) w[W_LEN] = input.len ?? plen - l4;
    if ((need & NEED_ETH) !== 0) {
      const eth = input.ethProtocol ?? (plen === 0 ? 0 : sk.family === AF_INET6 ? ETH_P_IPV6 : ETH_P_IP);
      w[W_ETH_PROTOCOL] = ((eth & 0xff) << 8) | ((eth >>> 8) & 0xff); // __be16 skb->protocol, zero-extended
    }
    if ((need & NEED_IP) !== 0) w[W_IP_PROTOCOL] = input.ipProtocol ?? sk.protocol;
    if ((need & NEED_BIND) !== 0) w[W_BIND_INANY] = (input.bindInany ?? sk.bindInany) === true ? 1 : 0;
    if ((need & NEED_HASH) !== 0) w[W_HASH] = input.hash;

    if (sk !== this.sk) {
      if ((need & NEED_SK) !== 0) writeSockWords(this.skWords, sk);
      this.sk = sk;
      this.skCookieValid = false;
    } else if ((need & NEED_SK) !== 0) {
      this.skWords[W_STATE] = sk.state;
    }

    const m = input.migratingSk;
    if (m === null) {
      if ((need & NEED_MIG) !== 0) w[W_MIGRATING_SK_HI] = 0;
      this.migratingSk = null;
    } else {
      const view = (need & NEED_MIG) !== 0;
      if (view) w[W_MIGRATING_SK_HI] = this.migratingView.id;
      if (m !== this.lastMigrating) {
        if (view) writeSockWords(this.migWords, m);
        this.lastMigrating = m;
        this.migCookieValid = false;
      } else if (view) {
        this.migWords[W_STATE] = m.state;
      }
      this.migratingSk = m;
    }
  }

  /**
   * The socket model's fill, with no packet: exactly `fill({ sk, migratingSk, hash, len,
   * bindInany })`, minus the per-run work that cannot change between such calls (the
   * empty packet's words are written once, ip_protocol when `sk` changes: a socket's
   * protocol is fixed). Allocation-free and monomorphic for the per-request hook path; the
   * rare work (a new socket, the first call after `fill`) is out of line so this inlines.
   * `hash` may be the u32 or its int32 bit pattern. test/vm/context-args.test.ts checks the
   * equivalence with `fill` over random run sequences.
   */
  fillArgs(sk: VmSocket, m: VmSocket | null, hash: number, len: number, bindInany: boolean): void {
    const w = this.ctxWords;
    if (sk !== this.sk) this.argsSkChanged(sk);
    else if (this.needSk) this.skWords[W_STATE] = sk.state;
    if (!this.argsFilled) this.argsConstants(sk);
    if (this.needLen) w[W_LEN] = len;
    if (this.needBind) w[W_BIND_INANY] = bindInany ? 1 : 0;
    if (this.needHash) w[W_HASH] = hash;
    if (m === null) {
      if (this.needMig) w[W_MIGRATING_SK_HI] = 0;
      this.migratingSk = null;
    } else {
      if (m !== this.lastMigrating) this.argsMigChanged(m);
      else if (this.needMig) this.migWords[W_STATE] = m.state;
      if (this.needMig) w[W_MIGRATING_SK_HI] = this.migId;
      this.migratingSk = m;
    }
  }

  /** fillArgs, first run after a `fill` or `setReadWords`: the empty packet's words and ip_protocol. */
  private argsConstants(sk: VmSocket): void {
    const need = this.need;
    const w = this.ctxWords;
    if (this.packetBytes !== EMPTY) {
      this.mem.rebind(this.packet, EMPTY, false);
      this.packetBytes = EMPTY;
      this.packetLen = 0;
    }
    this.l4Offset = 0;
    if ((need & NEED_DATA) !== 0) {
      w[W_DATA] = 0;
      w[W_DATA_END] = 0;
    }
    if ((need & NEED_ETH) !== 0) w[W_ETH_PROTOCOL] = 0; // no packet: skb->protocol 0
    if ((need & NEED_IP) !== 0) w[W_IP_PROTOCOL] = sk.protocol;
    this.argsFilled = true;
  }

  /** fillArgs with a new ctx `sk`: its view and (after the constants) ip_protocol. */
  private argsSkChanged(sk: VmSocket): void {
    if (this.needSk) writeSockWords(this.skWords, sk);
    if ((this.need & NEED_IP) !== 0) this.ctxWords[W_IP_PROTOCOL] = sk.protocol;
    this.sk = sk;
    this.skCookieValid = false;
  }

  /** fillArgs with a new `migrating_sk`: its view. */
  private argsMigChanged(m: VmSocket): void {
    if (this.needMig) writeSockWords(this.migWords, m);
    this.lastMigrating = m;
    this.migCookieValid = false;
  }

  /** Make the cookie halves of `sk` (which = 0) or `migratingSk` (1) current. */
  cookieHalves(which: 0 | 1): void {
    if (which === 0) {
      if (this.skCookieValid || this.sk === null) return;
      const c = this.sk.cookie;
      this.skCookieLo = Number(c & 0xffffffffn);
      this.skCookieHi = Number((c >> 32n) & 0xffffffffn);
      this.skCookieValid = true;
    } else {
      if (this.migCookieValid || this.migratingSk === null) return;
      const c = this.migratingSk.cookie;
      this.migCookieLo = Number(c & 0xffffffffn);
      this.migCookieHi = Number((c >> 32n) & 0xffffffffn);
      this.migCookieValid = true;
    }
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
const bswap32 = (x: number): number => (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;

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
}
