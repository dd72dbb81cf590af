// Narrow (4-byte) spills of scalars (kernel check_stack_write_fixed_off / read_fixed_off):
// what a fill reads back, how the slot prints, and when an array lookup key is constant.
// Table-driven: program -> verdict and an exact fragment of the level-2 log. Kernel verdicts
// for the same shapes are pinned in corpus 267-278.
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/vm/asm/assembler.js";
import { decode } from "../../src/vm/isa.js";
import { verify } from "../../src/verifier/index.js";
import { BPF_MAP_TYPE_ARRAY, SK_REUSEPORT } from "../../src/vm/program-type.js";

const MAPS = [{ fd: 3, type: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 4 }];
/** The same scalar once a spill has linked it with its slot (kernel assign_scalar_id_before_mov). */
const LINKED = "scalar(id=1,smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))";
const LOOKUP = ["mov %r2, %r10", "add %r2, -8", "lddw %r1, map_fd(3)", "call 1"];

interface Case {
  name: string;
  lines: string[];
  unprivileged?: boolean;
  accepted: boolean;
  /** An exact substring of the level-2 log. */
  log: string;
}

const CASES: Case[] = [
  {
    name: "stxw at an aligned slot keeps the scalar in the low half",
    lines: ["ldxw %r6, [%r1+32]", "and %r6, 7", "stxw [%r10-8], %r6", "ldxw %r7, [%r10-8]", "mov %r0, 1", "exit"],
    accepted: true,
    log: `fp-8=????${LINKED}`,
  },
  {
    name: "an aligned ldxw fill reads the spilled scalar back",
    lines: ["ldxw %r6, [%r1+32]", "and %r6, 7", "stxw [%r10-8], %r6", "ldxw %r7, [%r10-8]", "mov %r0, 1", "exit"],
    accepted: true,
    log: `r7 = *(u32 *)(r10 -8)         ; R7=${LINKED}`,
  },
  {
    name: "a fill truncates the whole spilled register",
    lines: ["lddw %r6, 0x100000007", "stxw [%r10-8], %r6", "ldxw %r7, [%r10-8]", "mov %r0, 1", "exit"],
    accepted: true,
    log: "R7=7 ",
  },
  {
    name: "a 1-byte fill of the spill is truncated to 8 bits",
    lines: ["mov %r6, 0x1ff", "stxw [%r10-8], %r6", "ldxb %r7, [%r10-8]", "mov %r0, 1", "exit"],
    accepted: true,
    log: "R7=255 ",
  },
  {
    name: "the high half of a slot is unknown data",
    lines: ["mov %r6, 5", "stxw [%r10-4], %r6", "ldxw %r7, [%r10-4]", "mov %r0, 1", "exit"],
    accepted: true,
    log: "R7=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))",
  },
  {
    name: "unprivileged loaders get unknown data",
    lines: ["mov %r6, 5", "stxw [%r10-8], %r6", "ldxw %r7, [%r10-8]", "mov %r0, 1", "exit"],
    unprivileged: true,
    accepted: true,
    log: "R7=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))",
  },
  {
    name: "a constant key below max_entries proves the array element non-NULL",
    lines: ["mov %r6, 3", "stxw [%r10-8], %r6", ...LOOKUP, "ldxdw %r1, [%r0]", "mov %r0, 1", "exit"],
    accepted: true,
    log: "call bpf_map_lookup_elem#1    ; R0=map_value(ks=4,vs=8)",
  },
  {
    name: "a constant key equal to max_entries leaves the NULL branch",
    lines: ["mov %r6, 4", "stxw [%r10-8], %r6", ...LOOKUP, "ldxdw %r1, [%r0]", "mov %r0, 1", "exit"],
    accepted: false,
    log: "R0 invalid mem access 'map_value_or_null'",
  },
  {
    name: "a bounded but unknown key leaves the NULL branch",
    lines: [
      "ldxw %r6, [%r1+32]",
      "and %r6, 3",
      "stxw [%r10-8], %r6",
      ...LOOKUP,
      "ldxdw %r1, [%r0]",
      "mov %r0, 1",
      "exit",
    ],
    accepted: false,
    log: "R0 invalid mem access 'map_value_or_null'",
  },
];

describe("narrow spills", () => {
  it.each(CASES)("$name", (c) => {
    const r = verify(decode(assemble(c.lines.join("\n") + "\n")), {
      type: SK_REUSEPORT,
      attachType: 40,
      maps: MAPS,
      logLevel: 2,
      unprivileged: c.unprivileged ?? false,
    });
    expect(r.accepted).toBe(c.accepted);
    expect(r.log).toContain(c.log);
  });
});
