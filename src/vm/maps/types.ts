/**
 * What every map offers: the control plane (what user space does through `bpf(BPF_MAP_*)`,
 * with keys and values as byte arrays and kernel-style `0 / -errno` results) and the data plane
 * the helpers use (keys read in place from VM memory, so a lookup allocates nothing).
 *
 * Two families: data maps (ARRAY, HASH, LRU_HASH) keep their values in one arena `Region`
 * of the VM address space; socket maps (REUSEPORT_SOCKARRAY, SOCKMAP, SOCKHASH) hold
 * `VmSocket` references and show user space their cookies.
 */
import type { Region } from "../memory.js";
import type { VmSocket } from "../socket.js";

/** Update flags (BPF_ANY = 0 is no flag). */
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;

interface MapCommon {
  readonly fd: number;
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** A zero-size region: the map pointer `lddw src=1` loads is its address (hi word = id). */
  readonly handle: Region;
  /** Control plane: the value (a copy), or -errno (-ENOENT when absent). */
  lookup(key: Uint8Array): Uint8Array | number;
  /** Control plane: 0 or -errno. */
  delete(key: Uint8Array): number;
  /** Control plane: the key after `key` (the first key for null or an absent key), or -ENOENT at the end. */
  getNextKey(key: Uint8Array | null): Uint8Array | number;
}

export interface DataMap extends MapCommon {
  readonly kind: "data";
  /** Values: slot i lives at offset i * stride. */
  readonly arena: Region;
  /** Bytes between consecutive values (value_size rounded up to 8, as the kernel does). */
  readonly stride: number;
  /** Control plane: 0 or -errno. */
  update(key: Uint8Array, value: Uint8Array, flags: number): number;
  /** Data plane: the slot holding the key at `bytes[off…]`, or -1. Marks LRU entries used. */
  lookupSlot(bytes: Uint8Array, off: number): number;
  /** Data plane: copy value_size bytes from `vbytes[voff…]`; 0 or -errno. */
  updateFrom(kbytes: Uint8Array, koff: number, vbytes: Uint8Array, voff: number, flags: number): number;
  deleteAt(bytes: Uint8Array, off: number): number;
}

export interface SocketMap extends MapCommon {
  readonly kind: "socket";
  /** Control plane (the socket stands for the fd user space passes): 0 or -errno. */
  updateSocket(key: Uint8Array, sk: VmSocket, flags: number): number;
  /** Data plane: the socket under the key at `bytes[off…]`, or null. */
  lookupSocket(bytes: Uint8Array, off: number): VmSocket | null;
  /** Control plane lookup as the kernel answers it: the cookie, or -errno. */
  lookupCookie(key: Uint8Array): bigint | number;
  /** Drop every entry holding `sk` (the kernel does this when a listener is unhashed, R22). */
  removeSocket(sk: VmSocket): void;
}

export type BpfMap = DataMap | SocketMap;

/**
 * A map key as a JavaScript Map key, one-to-one for a given key size: up to 6 bytes an exact
 * number; 7 or 8 bytes a number too while the value stays below 2^53 (a u64 cookie or
 * counter always does), else a string; longer keys a string of 16-bit units (two bytes per
 * character, an odd last byte alone). Numbers are what the hot paths see: a string is
 * allocated and hashed on every lookup, which was most of a u64-keyed lookup's cost.
 */
export type JsKey = number | string;

export function jsKey(bytes: Uint8Array, off: number, size: number): JsKey {
  if (size <= 6) {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + bytes[off + i]!;
    return v;
  }
  if (size <= 8) {
    const lo = bytes[off]! | (bytes[off + 1]! << 8) | (bytes[off + 2]! << 16) | (bytes[off + 3]! << 24);
    let hi = 0;
    for (let i = size - 1; i >= 4; i--) hi = hi * 256 + bytes[off + i]!;
    if (hi < 0x200000) return hi * 0x100000000 + (lo >>> 0); // below 2^53: exact
  }
  return stringKey(bytes, off, size);
}

function stringKey(bytes: Uint8Array, off: number, size: number): string {
  let s = "";
  let i = 0;
  for (; i + 1 < size; i += 2) s += String.fromCharCode(bytes[off + i]! | (bytes[off + i + 1]! << 8));
  if (i < size) s += String.fromCharCode(bytes[off + i]!);
  return s;
}

/** u32 little-endian key bytes. */
export function u32Key(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

/** u64 little-endian bytes. */
export function u64Bytes(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
}

export function readU32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

export const roundUp8 = (n: number): number => (n + 7) & ~7;
