/**
 * Built-in policies written in TypeScript, usable without the compiler (`builtin:NAME` in a
 * scenario's attach event). They read the simulation's control-plane maps.
 * - pass: SK_PASS without selection (attach 40): the kernel hash pick everywhere, and
 *   migration even with tcp_migrate_req=0 (R12 step 6).
 * - drop-migration: refuses every migration (SK_DROP), passes new SYNs.
 * - select-only: an attach-type-39 prog that passes (no migration capability, R4).
 * - newest-generation: among occupied `listeners` sockarray slots, those whose `generation`
 *   array value is highest; picks one by scale(hash, n). Empty → SK_PASS (hash pick).
 */
import { ModelError } from "../errors.js";
import { BPF_SK_REUSEPORT_SELECT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, SK_DROP, SK_PASS } from "../vm/program-type.js";
import { reciprocalScale } from "./hash.js";
import type { ModelMaps } from "./model-maps.js";
import type { ReuseportProgram } from "./program.js";
import type { Listener } from "./sockets.js";

export const BUILTIN_NAMES = ["pass", "drop-migration", "select-only", "newest-generation"] as const;

export function builtinProgram(name: string, maps: ModelMaps): ReuseportProgram {
  switch (name) {
    case "pass":
      return { attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, name, run: () => ({ ret: SK_PASS, selected: null }) };
    case "select-only":
      return { attachType: BPF_SK_REUSEPORT_SELECT, name, run: () => ({ ret: SK_PASS, selected: null }) };
    case "drop-migration":
      return {
        attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
        name,
        run: (i) => ({ ret: i.migratingSk === null ? SK_PASS : SK_DROP, selected: null }),
      };
    case "newest-generation": {
      const socks = maps.get("listeners");
      const gens = maps.get("generation");
      if (socks === undefined || gens === undefined) {
        throw new ModelError(
          "model.builtin-maps",
          `builtin:newest-generation needs maps "listeners" (sockarray) and "generation" (array)`,
        );
      }
      const cand: Listener[] = [];
      return {
        attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
        name,
        run(i) {
          let best = -1;
          cand.length = 0;
          for (const [slot, sk] of socks.entries) {
            if (typeof sk === "number" || sk.reuseportGroupId !== i.groupId) continue;
            const g = gens.entries.get(slot);
            const gen = typeof g === "number" ? g : 0;
            if (gen > best) {
              best = gen;
              cand.length = 0;
            }
            if (gen === best) cand.push(sk);
          }
          if (cand.length === 0) return { ret: SK_PASS, selected: null };
          return { ret: SK_PASS, selected: cand[reciprocalScale(i.hash, cand.length)] ?? null };
        },
      };
    }
    default:
      throw new ModelError(
        "model.builtin-unknown",
        `unknown built-in policy ${JSON.stringify(name)}; expected one of ${BUILTIN_NAMES.join(", ")}`,
      );
  }
}
