/**
 * The VM's one memory model: an address space of regions (stack, input memory or context,
 * packet data, map value areas, socket views), in which pointers are 64-bit addresses.
 *
 * A region is named by the HIGH 32 bits of an address and the LOW 32 bits are the byte offset
 * inside it: address = id * 2^32 + offset. That makes the interpreter's bounds check one array
 * read and one compare (`regions[hi]`, `lo + size <= region.size`) with no search, and keeps
 * every pointer arithmetic result either inside its region or visibly outside (a borrow or
 * carry changes `hi`). Id 0 is never allocated, so NULL and small scalars never dereference.
 *
 * Deliberately not modelled: the granularity inside a region. A map's values share one region
 * (its arena), so an unverified program can step from one value into the next without a trap;
 * the verifier is what keeps accesses inside `value_size`.
 */
import { VmTrap } from "../errors.js";
import { plural } from "../plural.js";

export interface Region {
  /** The address's high 32 bits. */
  readonly id: number;
  readonly name: string;
  bytes: Uint8Array;
  view: DataView;
  size: number;
  writable: boolean;
}

/**
 * The most bytes one region holds. The trusted JIT's facts rest on it: an access proven inside
 * its object puts its base's offset below this bound, so adding a smaller offset to that
 * pointer cannot carry into the region id (`jit/ranges.ts`).
 */
export const MAX_REGION_SIZE = 2 ** 30;

function checkSize(name: string, bytes: Uint8Array): void {
  if (bytes.byteLength > MAX_REGION_SIZE)
    throw new VmTrap(
      "vm.region-too-large",
      `region ${name} of ${plural(bytes.byteLength, "byte")} is larger than the ${plural(MAX_REGION_SIZE, "byte")} a region may hold`,
    );
}

export class AddressSpace {
  /** Indexed by region id; slot 0 stays empty so that NULL never resolves. */
  readonly regions: (Region | undefined)[] = [undefined];

  /** Add a region; returns it (its address is `base(region)`). */
  add(name: string, bytes: Uint8Array, writable: boolean): Region {
    checkSize(name, bytes);
    const id = this.regions.length;
    const region: Region = {
      id,
      name,
      bytes,
      view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      size: bytes.byteLength,
      writable,
    };
    this.regions.push(region);
    return region;
  }

  /** Point an existing region at new bytes (per-run inputs reuse their region id). */
  rebind(region: Region, bytes: Uint8Array, writable = region.writable): void {
    checkSize(region.name, bytes);
    region.bytes = bytes;
    region.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    region.size = bytes.byteLength;
    region.writable = writable;
  }

  /** Look a region up by id, or undefined. */
  get(id: number): Region | undefined {
    return this.regions[id];
  }

  /**
   * The region that holds `size` bytes at (hi, lo), or a trap that names the address, the size
   * and the valid regions. `insn` is the instruction index for the message (-1 if unknown).
   */
  resolve(hi: number, lo: number, size: number, write: boolean, insn: number): Region {
    const r = this.regions[hi];
    if (r !== undefined && lo + size <= r.size && (!write || r.writable)) return r;
    throw this.fault(hi, lo, size, write, insn);
  }

  /** Build the trap for a bad access (kept out of the hot path). */
  fault(hi: number, lo: number, size: number, write: boolean, insn: number): VmTrap {
    const addr = formatAddress(hi, lo);
    const r = this.regions[hi];
    const what = write ? "write" : "read";
    const loc = insn >= 0 ? { insn } : undefined;
    if (r !== undefined && lo + size <= r.size && write && !r.writable) {
      return new VmTrap(
        "vm.read-only",
        `${what} of ${plural(size, "byte")} at ${addr} is in read-only region ${r.name}; valid regions: ${this.describe()}`,
        loc,
      );
    }
    return new VmTrap(
      "vm.out-of-bounds",
      `${what} of ${plural(size, "byte")} at ${addr} is outside every region; valid regions: ${this.describe()}`,
      loc,
    );
  }

  /** `name [start, end) rw` for every region, for trap messages. */
  describe(): string {
    const parts: string[] = [];
    for (const r of this.regions) {
      if (r === undefined) continue;
      parts.push(`${r.name} [${formatAddress(r.id, 0)}, ${formatAddress(r.id, r.size)}) ${r.writable ? "rw" : "ro"}`);
    }
    return parts.length > 0 ? parts.join(", ") : "(none)";
  }

  /** Copy `len` bytes starting at (hi, lo) out of the VM, checking bounds. */
  read(hi: number, lo: number, len: number, insn = -1): Uint8Array {
    const r = this.resolve(hi, lo, len, false, insn);
    return r.bytes.subarray(lo, lo + len);
  }

  /** Copy `data` into the VM at (hi, lo), checking bounds and writability. */
  write(hi: number, lo: number, data: Uint8Array, insn = -1): void {
    const r = this.resolve(hi, lo, data.length, true, insn);
    r.bytes.set(data, lo);
  }
}

export function formatAddress(hi: number, lo: number): string {
  // No region (high word 0, NULL among them): the plain number, as 0x0 rather than 0x000000000.
  if (hi >>> 0 === 0) return `0x${(lo >>> 0).toString(16)}`;
  return `0x${(hi >>> 0).toString(16)}${(lo >>> 0).toString(16).padStart(8, "0")}`;
}
