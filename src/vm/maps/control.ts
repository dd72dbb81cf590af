/**
 * Typed control-plane conveniences over the byte-level map API: u32/u64 keys and values as
 * user space most often uses them (bigint at this boundary is fine; never on the hot path).
 * Results keep the kernel's convention: a value, or a negative errno number.
 */
import { readU32, type BpfMap, type DataMap, u32Key, u64Bytes } from "./types.js";

export { u32Key, u64Bytes };

export function u64Key(v: bigint): Uint8Array {
  return u64Bytes(v);
}

/** Little-endian value bytes of `size` (4 or 8) from a number or bigint. */
export function valueBytes(v: number | bigint, size: number): Uint8Array {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  if (size >= 8) dv.setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
  else if (size >= 4) dv.setUint32(0, Number(BigInt.asUintN(32, BigInt(v))), true);
  else for (let i = 0; i < size; i++) b[i] = Number((BigInt(v) >> BigInt(8 * i)) & 0xffn);
  return b;
}

/** The first 4 value bytes as u32 (>= 0), or a negative errno. */
export function lookupU32(map: BpfMap, key: Uint8Array): number {
  const v = map.lookup(key);
  return typeof v === "number" ? v : readU32(v, 0);
}

/** The first 8 value bytes as u64, or -errno. */
export function lookupU64(map: BpfMap, key: Uint8Array): bigint | number {
  const v = map.lookup(key);
  if (typeof v === "number") return v;
  return new DataView(v.buffer, v.byteOffset, v.byteLength).getBigUint64(0, true);
}

export function updateU32(map: DataMap, key: Uint8Array, value: number, flags = 0): number {
  return map.update(key, valueBytes(value, map.valueSize), flags);
}

export function updateU64(map: DataMap, key: Uint8Array, value: bigint, flags = 0): number {
  return map.update(key, valueBytes(value, map.valueSize), flags);
}

/** Every key, in the map's iteration order (getNextKey from null until -ENOENT). */
export function mapKeys(map: BpfMap): Uint8Array[] {
  const out: Uint8Array[] = [];
  let k: Uint8Array | null = null;
  for (let guard = 0; guard <= map.maxEntries; guard++) {
    const n = map.getNextKey(k);
    if (typeof n === "number") break;
    out.push(n);
    k = n;
  }
  return out;
}
