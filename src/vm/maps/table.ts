/**
 * The maps a program runs with, by fd, all living in one VM address space. Each map owns a
 * zero-size handle region, so the map pointer a program holds is a real address whose high
 * word names the map: helpers find the map with one array read (`byHandle`).
 * Omitted: map freezing, pinning, reference counting (maps live as long as the table).
 */
import type { AddressSpace } from "../memory.js";
import type { MapSpec } from "../map-spec.js";
import { checkMapSpec, instantiateMap } from "./create.js";
import { EBUSY, MapCreateError, errnoName } from "./errno.js";
import { BPF_MAP_TYPE_REUSEPORT_SOCKARRAY } from "../program-type.js";
import type { VmSocket } from "../socket.js";
import type { BpfMap } from "./types.js";

export class MapTable {
  private readonly fdMap = new Map<number, BpfMap>();
  /** Indexed by handle region id. */
  private readonly handles: (BpfMap | undefined)[] = [];
  /** Maps in creation order (the `fd_array` order that `lddw src=5/6` indexes). */
  readonly list: BpfMap[] = [];

  constructor(readonly mem: AddressSpace) {}

  /** Create a map, or a negative errno (and why) as the kernel would refuse it. */
  tryCreate(spec: MapSpec): BpfMap | { errno: number; reason: string } {
    const problem = checkMapSpec(spec);
    if (problem !== null) return problem;
    if (this.fdMap.has(spec.fd))
      return { errno: -EBUSY, reason: `fd ${spec.fd} is already map ${this.fdMap.get(spec.fd)!.name}` };
    const map = instantiateMap(spec, this.mem);
    this.fdMap.set(spec.fd, map);
    this.handles[map.handle.id] = map;
    this.list.push(map);
    return map;
  }

  /** Create a map or throw `MapCreateError` naming the field, the expected value and the errno. */
  create(spec: MapSpec): BpfMap {
    const r = this.tryCreate(spec);
    if ("errno" in r) {
      const what = `map fd ${spec.fd}${spec.name !== undefined ? ` (${spec.name})` : ""}`;
      throw new MapCreateError(r.errno, `cannot create ${what}: ${r.reason} (${errnoName(r.errno)})`);
    }
    return r;
  }

  byFd(fd: number): BpfMap | undefined {
    return this.fdMap.get(fd);
  }

  /** The map whose handle region has id `hi` (a map pointer's high word), or undefined. */
  byHandle(hi: number): BpfMap | undefined {
    return this.handles[hi];
  }

  /**
   * A socket left its reuseport group (reuseport_detach_sock → bpf_sk_reuseport_detach):
   * its sockarray entry is cleared (R22). Sockmap/sockhash entries stay.
   */
  detachSocket(sk: VmSocket): void {
    for (const m of this.list)
      if (m.type === BPF_MAP_TYPE_REUSEPORT_SOCKARRAY && m.kind === "socket") m.removeSocket(sk);
  }

  /** A socket was closed: it leaves every socket map (sock_map_close unlinks it; R22 for sockarrays). */
  closeSocket(sk: VmSocket): void {
    for (const m of this.list) if (m.kind === "socket") m.removeSocket(sk);
  }

  /** The fds in ascending order (for messages). */
  fds(): number[] {
    return [...this.fdMap.keys()].sort((a, b) => a - b);
  }
}
