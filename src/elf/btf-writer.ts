/**
 * BTF for exported objects: exactly what libbpf needs to create BTF-defined maps (the same
 * shape clang gives `struct { __uint(type, T); __uint(key_size, K); … } name SEC(".maps")`):
 * an `int`, the array index type, one `int[N]` + pointer per distinct number, an anonymous
 * struct per map, a VAR per map and the `.maps` DATASEC. Keys and values are given as
 * `key_size`/`value_size` numbers (libbpf accepts both spellings; no key/value types needed).
 * Deliberately absent: FUNC/FUNC_PROTO records and `.BTF.ext` (libbpf loads programs without
 * func_info when no `.BTF.ext` exists).
 */
import { BTF_KIND, BTF_MAGIC } from "./btf.js";

export interface BtfMapInput {
  readonly name: string;
  /** Byte offset of the map's struct in `.maps`. */
  readonly offset: number;
  /** Struct members in order, each `__uint(name, value)`. */
  readonly fields: readonly (readonly [string, number])[];
}

/** Bytes of the map struct for `fields` (one pointer per member). */
export const mapStructSize = (fields: readonly unknown[]): number => fields.length * 8;

class StringTable {
  private readonly parts: number[] = [0];
  private readonly seen = new Map<string, number>([["", 0]]);
  add(s: string): number {
    const hit = this.seen.get(s);
    if (hit !== undefined) return hit;
    const off = this.parts.length;
    for (let i = 0; i < s.length; i++) this.parts.push(s.charCodeAt(i) & 0xff);
    this.parts.push(0);
    this.seen.set(s, off);
    return off;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Build `.BTF` for `maps` (empty DATASEC when there are none). */
export function buildMapsBtf(maps: readonly BtfMapInput[]): Uint8Array {
  const strs = new StringTable();
  const words: number[] = [];
  let nextId = 1;
  const type = (name: string, kind: number, vlen: number, sizeOrType: number, extra: readonly number[]): number => {
    words.push(strs.add(name), ((kind & 0x1f) << 24) | (vlen & 0xffff), sizeOrType >>> 0, ...extra.map((x) => x >>> 0));
    return nextId++;
  };
  const BTF_INT_SIGNED = 1;
  const int = type("int", BTF_KIND.INT, 0, 4, [(BTF_INT_SIGNED << 24) | 32]);
  const index = type("__ARRAY_SIZE_TYPE__", BTF_KIND.INT, 0, 4, [32]);
  const ptrTo = new Map<number, number>();
  const numberPtr = (n: number): number => {
    let id = ptrTo.get(n);
    if (id === undefined) {
      const arr = type("", BTF_KIND.ARRAY, 0, 0, [int, index, n]);
      id = type("", BTF_KIND.PTR, 0, arr, []);
      ptrTo.set(n, id);
    }
    return id;
  };
  const vars: { id: number; offset: number; size: number }[] = [];
  for (const m of maps) {
    const ptrs = m.fields.map(([, v]) => numberPtr(v));
    const members: number[] = [];
    m.fields.forEach(([name], i) => members.push(strs.add(name), ptrs[i]!, i * 64));
    const st = type("", BTF_KIND.STRUCT, m.fields.length, mapStructSize(m.fields), members);
    const BTF_VAR_GLOBAL_ALLOCATED = 1;
    const v = type(m.name, BTF_KIND.VAR, 0, st, [BTF_VAR_GLOBAL_ALLOCATED]);
    vars.push({ id: v, offset: m.offset, size: mapStructSize(m.fields) });
  }
  const total = vars.reduce((a, v) => Math.max(a, v.offset + v.size), 0);
  type(
    ".maps",
    BTF_KIND.DATASEC,
    vars.length,
    total,
    vars.flatMap((v) => [v.id, v.offset, v.size]),
  );

  const str = strs.bytes();
  const typeLen = words.length * 4;
  const out = new Uint8Array(24 + typeLen + str.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, BTF_MAGIC, true);
  dv.setUint8(2, 1); // version
  dv.setUint8(3, 0); // flags
  dv.setUint32(4, 24, true); // hdr_len
  dv.setUint32(8, 0, true); // type_off
  dv.setUint32(12, typeLen, true);
  dv.setUint32(16, typeLen, true); // str_off
  dv.setUint32(20, str.length, true);
  words.forEach((w, i) => dv.setUint32(24 + i * 4, w, true));
  out.set(str, 24 + typeLen);
  return out;
}
