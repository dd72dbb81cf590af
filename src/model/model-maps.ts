/**
 * Control-plane maps for simulations: a REUSEPORT_SOCKARRAY (cleared automatically when a
 * socket leaves its group's listening section, R4 a / R6 / R22), sockmaps and sockhashes of
 * listeners, and number maps (array, hash, lru_hash). Scenario `map` events and `publish`
 * write them; built-in TS policies read them; a compiled policy's maps live in the VM runtime
 * and mirror every write (runtime-adapter.ts).
 * Omitted: flags (BPF_NOEXIST …), LRU eviction here (the VM's lru_hash evicts), sockmap
 * removal at close in this mirror.
 */
import { ModelError } from "../errors.js";
import { TCP_LISTEN } from "../vm/socket.js";
import { NO_GROUP } from "./group.js";
import { isSocketMapType, type MapDecl } from "./scenario.js";
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
  /**
   * Where each socket sits in a sockarray (at most one slot: R22 refuses a second), like the
   * kernel's sk_user_data index. Finding it by scanning every sockarray made each close, and
   * each write's EBUSY test, cost the maps' size: quadratic over a large restart.
   */
  private readonly placeOf = new Map<Listener, { readonly map: ModelMap; readonly key: number }>();

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
      const at = this.placeOf.get(sk);
      if (at !== undefined) this.clear(at.map, at.key);
    });
  }

  get(name: string): ModelMap | undefined {
    return this.maps.get(name);
  }

  /** Every map, in declaration order. */
  all(): ModelMap[] {
    return [...this.maps.values()];
  }

  /** `sk`'s key in sockarray `name`, or undefined. */
  slotOf(sk: Listener, name: string): number | undefined {
    const at = this.placeOf.get(sk);
    return at !== undefined && at.map.decl.name === name ? at.key : undefined;
  }

  /** A user-space update (R22 checks for sockarrays). */
  update(name: string, key: number, value: Listener | number): void {
    const m = this.maps.get(name);
    if (m === undefined) throw new ModelError("model.ENOENT", `no map named ${JSON.stringify(name)}`);
    const indexed = m.decl.type === "array" || m.decl.type === "sockarray" || m.decl.type === "sockmap";
    if (indexed && key >= m.decl.maxEntries) {
      throw new ModelError("model.E2BIG", `map ${name}: key ${key} is beyond max_entries ${m.decl.maxEntries} (E2BIG)`);
    }
    if (!indexed && !m.entries.has(key) && m.entries.size >= m.decl.maxEntries && m.decl.type !== "lru_hash") {
      throw new ModelError("model.E2BIG", `map ${name}: full (max_entries ${m.decl.maxEntries}) (E2BIG)`);
    }
    if (isSocketMapType(m.decl.type) && typeof value === "number")
      throw new ModelError("model.EINVAL", `map ${name}: a socket map value must be a listener (EINVAL)`);
    if (m.decl.type === "sockarray" && typeof value !== "number") {
      if (value.state !== TCP_LISTEN || value.group === NO_GROUP) {
        throw new ModelError(
          "model.EINVAL",
          `map ${name}: socket ${value.name} is not a listening reuseport socket (EINVAL)`,
        );
      }
      const at = this.placeOf.get(value);
      if (at !== undefined && !(at.map === m && at.key === key))
        throw new ModelError(
          "model.EBUSY",
          `map ${name}: socket ${value.name} is already in map ${at.map.decl.name} (EBUSY)`,
        );
    } else if (typeof value !== "number" && !isSocketMapType(m.decl.type)) {
      throw new ModelError("model.EINVAL", `map ${name}: expected a number value (EINVAL)`);
    }
    if (m.decl.type === "lru_hash" && !m.entries.has(key) && m.entries.size >= m.decl.maxEntries) {
      m.entries.delete(m.entries.keys().next().value as number); // the least recently written goes
    }
    const old = m.entries.get(key); // overwritten in place (the key keeps its iteration position)
    if (old !== undefined && typeof old !== "number" && m.decl.type === "sockarray") this.placeOf.delete(old);
    m.entries.set(key, value);
    if (typeof value !== "number" && m.decl.type === "sockarray") this.placeOf.set(value, { map: m, key });
    for (const sub of this.subs) sub.write?.(name, key, value);
  }

  /** Empty slot `key` of `m`, forgetting where its socket was. */
  private clear(m: ModelMap, key: number): void {
    const old = m.entries.get(key);
    if (old !== undefined && typeof old !== "number" && m.decl.type === "sockarray") this.placeOf.delete(old);
    m.entries.delete(key);
  }

  delete(name: string, key: number): void {
    const m = this.maps.get(name);
    if (m !== undefined) this.clear(m, key);
    for (const sub of this.subs) sub.write?.(name, key, undefined);
  }
}
