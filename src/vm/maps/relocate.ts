/**
 * What a loader does to map references before a program runs: `lddw` with a pseudo source
 * (uapi bpf.h BPF_PSEUDO_MAP_*) becomes a plain 64-bit constant holding a VM address.
 *
 *   src=1 imm=fd              → the map's handle address (CONST_PTR_TO_MAP)
 *   src=2 imm=fd imm2=off     → address of byte `off` of the map's value (arrays: element 0)
 *   src=5 imm=idx / src=6     → the same, naming the map by its index in the table's `list`
 *
 * Works on either instruction list form: compact (one entry per lddw) or one entry per slot,
 * where the entry after an lddw is its second slot (opcode 0) and gets the new high half too.
 * Other pseudo sources (BTF ids, functions) are left alone; the verifier reports them.
 */
import { BytecodeError } from "../../errors.js";
import {
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  type Insn,
  makeInsn,
  OP_LDDW,
} from "../isa.js";
import { BPF_MAP_TYPE_ARRAY } from "../program-type.js";
import type { MapTable } from "./table.js";
import type { BpfMap } from "./types.js";

export function relocate(insns: readonly Insn[], table: MapTable): Insn[] {
  const out = insns.slice();
  for (let i = 0; i < out.length; i++) {
    const insn = out[i]!;
    if (insn.opcode !== OP_LDDW) continue;
    const src = insn.src;
    if (
      src !== BPF_PSEUDO_MAP_FD &&
      src !== BPF_PSEUDO_MAP_VALUE &&
      src !== BPF_PSEUDO_MAP_IDX &&
      src !== BPF_PSEUDO_MAP_IDX_VALUE
    )
      continue;
    const byIdx = src === BPF_PSEUDO_MAP_IDX || src === BPF_PSEUDO_MAP_IDX_VALUE;
    const map = byIdx ? table.list[insn.imm] : table.byFd(insn.imm);
    if (map === undefined) throw unknownMap(insn.imm, byIdx, table, i);
    let hi: number;
    let lo: number;
    if (src === BPF_PSEUDO_MAP_FD || src === BPF_PSEUDO_MAP_IDX) {
      // resolve_pseudo_ldimm64: a map pointer load carries nothing in its second slot.
      if (insn.imm2 !== 0)
        throw new BytecodeError(
          "bytecode.lddw-map-imm2",
          `lddw src=${src} loads a map pointer, so its second slot's imm must be 0 (got ${insn.imm2})`,
          { insn: i },
        );
      hi = map.handle.id;
      lo = 0;
    } else {
      lo = valueOffset(map, insn.imm2, i);
      hi = map.kind === "data" ? map.arena.id : 0;
    }
    out[i] = makeInsn(OP_LDDW, insn.dst, 0, insn.off, lo, hi);
    const second = out[i + 1];
    if (second !== undefined && second.opcode === 0)
      out[i + 1] = makeInsn(0, second.dst, second.src, second.off, hi, 0);
  }
  return out;
}

function unknownMap(n: number, byIdx: boolean, table: MapTable, insn: number): BytecodeError {
  if (byIdx) {
    return new BytecodeError(
      "bytecode.unknown-map-index",
      `lddw refers to map index ${n}, but the table holds ${table.list.length} map${table.list.length === 1 ? "" : "s"} (indices 0..${table.list.length - 1})`,
      { insn },
    );
  }
  const fds = table.fds();
  return new BytecodeError(
    "bytecode.unknown-map-fd",
    `lddw refers to map fd ${n}, but no map has that fd (maps: ${fds.length > 0 ? fds.join(", ") : "none"})`,
    { insn },
  );
}

/** kernel verifier: direct value access exists only for arrays, and needs off < value_size. */
function valueOffset(map: BpfMap, off: number, insn: number): number {
  if (map.kind !== "data" || map.type !== BPF_MAP_TYPE_ARRAY) {
    throw new BytecodeError(
      "bytecode.map-value-access",
      `lddw takes the address of a value of map fd ${map.fd} (${map.name}), but only array maps allow direct value access (map type ${map.type})`,
      { insn },
    );
  }
  if (off < 0 || off >= map.valueSize) {
    throw new BytecodeError(
      "bytecode.map-value-offset",
      `lddw value offset ${off} into map fd ${map.fd} (${map.name}); expected 0..${map.valueSize - 1} (value_size ${map.valueSize})`,
      { insn },
    );
  }
  return off;
}
