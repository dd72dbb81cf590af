/**
 * A classic program ready to run in Baton's engines: checked as the kernel checks it,
 * converted as the kernel converts it, and run on Baton's skb stand-in (skb-layout.ts) with
 * the kernel-internal functions the conversion calls.
 */
import { readsArgsOnly, setR0Int, type HelperFn } from "../helper-abi.js";
import type { Engine, EngineName } from "../engine.js";
import { engineByName } from "../engines.js";
import { AddressSpace, type Region } from "../memory.js";
import { Rng } from "../rng.js";
import { checkClassic } from "./check.js";
import { convertClassic, type Converted } from "./convert.js";
import type { SockFilter } from "./filter.js";
import { loadPacket, nlattr, nlattrNest, resolvePacket, type ClassicPacket, type ResolvedPacket } from "./packet.js";
import * as L from "./skb-layout.js";

const EFAULT = 14;
// Module-level copies of the layout: one binding each on the per-run path.
const {
  SKB_DATA,
  SKB_LEN,
  SKB_DATA_LEN,
  SKB_PROTOCOL,
  SKB_QUEUE_MAPPING,
  SKB_VLAN_TCI,
  SKB_VLAN_PROTO,
  SKB_VLAN_ALL,
  SKB_MARK,
  SKB_HASH,
  SKB_PKT_TYPE,
  SKB_DEV,
  NETDEV_IFINDEX,
  NETDEV_TYPE,
} = L;

export interface ClassicProgramOptions {
  /** Execution engine (default "interp"). */
  readonly engine?: EngineName;
  /** Seed of SKF_AD_RANDOM's generator (default 0). */
  readonly seed?: number;
  /** File name for error locations. */
  readonly file?: string;
}

export class ClassicProgram {
  readonly filter: readonly SockFilter[];
  readonly converted: Converted;
  readonly rng: Rng;
  private readonly engine: Engine;
  private readonly mem = new AddressSpace();
  private readonly skb: Region;
  private readonly dev: Region;
  private readonly packet: Region;
  /**
   * The packet region's bytes: each run's packet is copied in and the region's size set, so a
   * run allocates nothing (rebinding the region to the caller's array made a DataView per run).
   */
  private packetBuf = new Uint8Array(256);
  private current: ResolvedPacket | undefined;

  /** Throws the kernel's rejection as a `ClassicCheckError`. */
  constructor(filter: readonly SockFilter[], options: ClassicProgramOptions = {}) {
    const rejected = checkClassic(filter, options.file);
    if (rejected !== undefined) throw rejected;
    this.filter = filter;
    this.converted = convertClassic(filter, options.file);
    this.rng = new Rng(options.seed ?? 0);
    this.skb = this.mem.add("skb", new Uint8Array(L.SKB_SIZE), false);
    this.dev = this.mem.add("net_device", new Uint8Array(L.NETDEV_SIZE), false);
    this.packet = this.mem.add("packet", this.packetBuf, false);
    this.engine = engineByName(options.engine ?? "interp")(this.converted.insns, {
      mem: this.mem,
      helpers: this.helpers(),
      ctxRegion: this.skb.id,
    });
  }

  /** The packet of the current run (helpers read it). */
  private pkt(): ResolvedPacket {
    return this.current!;
  }

  private helpers(): Map<number, HelperFn> {
    // None of them writes memory (readsArgsOnly: engines need not assume the stack changed).
    const load = (size: 1 | 2 | 4): HelperFn =>
      readsArgsOnly((regs) => {
        const v = loadPacket(this.pkt(), regs[6]! | 0, regs[8]! | 0, size);
        if (v === undefined) setR0Int(regs, -EFAULT);
        else {
          regs[0] = v;
          regs[1] = 0;
        }
      });
    const ret = (f: (regs: Uint32Array) => number): HelperFn =>
      readsArgsOnly((regs) => {
        regs[0] = f(regs) >>> 0;
        regs[1] = 0;
      });
    return new Map<number, HelperFn>([
      [L.CALL_LOAD_8, load(1)],
      [L.CALL_LOAD_16, load(2)],
      [L.CALL_LOAD_32, load(4)],
      [L.CALL_RAW_CPU_ID, ret(() => this.pkt().cpu)],
      [L.CALL_USER_RND_U32, ret(() => this.rng.nextU32())],
      [L.CALL_PAY_OFFSET, ret(() => this.pkt().payOffset)],
      [L.CALL_NLATTR, ret((r) => nlattr(this.pkt(), r[4]!, r[6]!))],
      [L.CALL_NLATTR_NEST, ret((r) => nlattrNest(this.pkt(), r[4]!, r[6]!))],
    ]);
  }

  /** Fill the skb and device regions for one run. */
  private fill(p: ResolvedPacket): void {
    this.current = p;
    const n = p.bytes.length;
    if (n > this.packetBuf.length) {
      this.packetBuf = new Uint8Array(Math.max(n, 2 * this.packetBuf.length));
      this.mem.rebind(this.packet, this.packetBuf, false);
    }
    this.packetBuf.set(p.bytes);
    this.packet.size = n;
    const v = this.skb.view;
    v.setUint32(SKB_DATA, p.dataOffset, true);
    v.setUint32(SKB_DATA + 4, this.packet.id, true);
    v.setUint32(SKB_LEN, p.len, true);
    v.setUint32(SKB_DATA_LEN, p.dataLen, true);
    v.setUint16(SKB_PROTOCOL, p.protocol, false); // __be16
    v.setUint16(SKB_QUEUE_MAPPING, p.queueMapping, true);
    v.setUint16(SKB_VLAN_TCI, p.vlanTci, true);
    v.setUint16(SKB_VLAN_PROTO, p.vlanProto, false); // __be16
    v.setUint32(SKB_VLAN_ALL, p.vlanAll, true);
    v.setUint32(SKB_MARK, p.mark, true);
    v.setUint32(SKB_HASH, p.hash, true);
    v.setUint8(SKB_PKT_TYPE, p.pktType);
    v.setUint32(SKB_DEV, 0, true);
    v.setUint32(SKB_DEV + 4, p.device === null ? 0 : this.dev.id, true);
    if (p.device !== null) {
      this.dev.view.setUint32(NETDEV_IFINDEX, p.device.ifindex >>> 0, true);
      this.dev.view.setUint16(NETDEV_TYPE, p.device.type & 0xffff, true);
    }
  }

  /** Run the converted program on `packet`; returns the filter's u32 result. */
  run(packet: ClassicPacket): number {
    this.fill(resolvePacket(packet));
    return this.engine.run(this.skb.id, 0, 0) >>> 0;
  }
}
