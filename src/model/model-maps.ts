/**
 * Control-plane maps for simulations with built-in TS policies: a REUSEPORT_SOCKARRAY
 * (cleared automatically when a socket leaves its group's listening section, R4 a / R6 /
 * R22) and plain u32 arrays / hashes. Scenario `map` events write them.
 * Omitted: value sizes and flags (BPF_NOEXIST …); a compiled policy's maps live in the VM
 * runtime instead (see runtime-adapter.ts).
 */
import { ModelError } from "../errors.js";
import { TCP_LISTEN } from "../vm/socket.js";
import type { MapDecl } from "./scenario.js";
import type { Listener } from "./sockets.js";
import type { TcpStack } from "./stack.js";

export class ModelMap {
  readonly entries = new Map<number, Listener | number>();
  constructor(readonly decl: MapDecl) {}
}

/** Mirrors of the control-plane maps (e.g. a VM runtime's MapTable) subscribe here. */
export interface MapsSubscriber {
  /** A user-space write; `value` undefined means delete. */
  write?(map: string, key: number, value: Listener | number | undefined): void;
  /** A socket must leave every sockarray (R4 a, R6). */
  remove?(sk: Listener): void;
}

export class ModelMaps {
  private readonly maps = new Map<string, ModelMap>();
  private readonly subs: MapsSubscriber[] = [];

  subscribe(s: MapsSubscriber): void {
    this.subs.push(s);
  }

  constructor(
    decls: readonly MapDecl[],
    /** The stack whose listeners the socket maps hold (and whose clock programs read). */
    readonly stack: TcpStack,
  ) {
    for (const d of decls) this.maps.set(d.name, new ModelMap(d));
    stack.onRemoveFromMaps((sk) => {
      for (const sub of this.subs) sub.remove?.(sk);
      for (const m of this.maps.values()) {
        if (m.decl.type !== "sockarray") continue;
        for (const [k, v] of m.entries) if (v === sk) m.entries.delete(k);
      }
    });
  }

  get(name: string): ModelMap | undefined {
    return this.maps.get(name);
  }

  /** A user-space update (R22 checks for sockarrays). */
  update(name: string, key: number, value: Listener | number): void {
    const m = this.maps.get(name);
    if (m === undefined) throw new ModelError("model.ENOENT", `no map named ${JSON.stringify(name)}`);
    if (m.decl.type !== "hash" && key >= m.decl.maxEntries) {
      throw new ModelError("model.E2BIG", `map ${name}: key ${key} is beyond max_entries ${m.decl.maxEntries} (E2BIG)`);
    }
    if (m.decl.type === "sockarray") {
      if (typeof value === "number") throw new ModelError("model.EINVAL", `map ${name}: a sockarray value must be a listener (EINVAL)`);
      if (value.state !== TCP_LISTEN || value.group === null) {
        throw new ModelError("model.EINVAL", `map ${name}: socket ${value.name} is not a listening reuseport socket (EINVAL)`);
      }
      for (const other of this.maps.values()) {
        if (other.decl.type !== "sockarray") continue;
        for (const [k, v] of other.entries) {
          if (v === value && !(other === m && k === key)) throw new ModelError("model.EBUSY", `map ${name}: socket ${value.name} is already in map ${other.decl.name} (EBUSY)`);
        }
      }
    } else if (typeof value !== "number") {
      throw new ModelError("model.EINVAL", `map ${name}: expected a number value (EINVAL)`);
    }
    m.entries.set(key, value);
    for (const sub of this.subs) sub.write?.(name, key, value);
  }

  delete(name: string, key: number): void {
    this.maps.get(name)?.entries.delete(key);
    for (const sub of this.subs) sub.write?.(name, key, undefined);
  }
}
