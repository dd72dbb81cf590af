/**
 * What every map takes from its spec (the `bpf_map` fields) and the zero-size region whose
 * address is the map pointer; data maps add the value arena and the control-plane calls that
 * are their data-plane calls at offset 0.
 */
import type { AddressSpace, Region } from "../memory.js";
import type { MapSpec } from "../map-spec.js";
import { roundUp8 } from "./types.js";

export abstract class MapBase {
  readonly fd: number;
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** A zero-size region: the map pointer `lddw src=1` loads is its address (hi word = id). */
  readonly handle: Region;

  constructor(spec: MapSpec, mem: AddressSpace) {
    this.fd = spec.fd;
    this.name = spec.name ?? `map${spec.fd}`;
    this.type = spec.type;
    this.keySize = spec.keySize;
    this.valueSize = spec.valueSize;
    this.maxEntries = spec.maxEntries;
    this.flags = spec.flags ?? 0;
    this.handle = mem.add(`map ${this.name}`, new Uint8Array(0), false);
  }
}

/** A map whose values live in one arena region, slot i at offset i * stride. */
export abstract class ArenaMap extends MapBase {
  readonly kind = "data";
  readonly arena: Region;
  /** value_size rounded up to 8, as the kernel lays values out. */
  readonly stride: number;

  constructor(spec: MapSpec, mem: AddressSpace) {
    super(spec, mem);
    this.stride = roundUp8(spec.valueSize);
    this.arena = mem.add(`map ${this.name} values`, new Uint8Array(this.stride * spec.maxEntries), true);
  }

  abstract updateFrom(kbytes: Uint8Array, koff: number, vbytes: Uint8Array, voff: number, flags: number): number;
  abstract deleteAt(bytes: Uint8Array, off: number): number;

  /** A copy of slot `i`'s value. */
  protected valueAt(i: number): Uint8Array {
    return this.arena.bytes.slice(i * this.stride, i * this.stride + this.valueSize);
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.updateFrom(key, 0, value, 0, flags);
  }

  delete(key: Uint8Array): number {
    return this.deleteAt(key, 0);
  }
}
