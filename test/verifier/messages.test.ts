// Table-driven verifier tests: assembly in, exact verdict and first error message out.
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/vm/asm/assembler.js";
import { decode } from "../../src/vm/isa.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { verify } from "../../src/verifier/index.js";
import type { MapSpec } from "../../src/vm/map-spec.js";

const ARRAY: MapSpec = { fd: 3, type: 2, keySize: 4, valueSize: 8, maxEntries: 4 };
const HASH: MapSpec = { fd: 3, type: 1, keySize: 4, valueSize: 8, maxEntries: 16 };
const HASH16: MapSpec = { fd: 3, type: 1, keySize: 4, valueSize: 16, maxEntries: 16 };
const SOCKARRAY: MapSpec = { fd: 4, type: 20, keySize: 4, valueSize: 8, maxEntries: 4 };

const LOOKUP = "stw [%r10-4], 0\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, map_fd(3)\ncall 1\n";

function run(src: string, maps: MapSpec[] = [], unprivileged = false) {
  return verify(decode(assemble(src)), { type: SK_REUSEPORT, attachType: 40, maps, unprivileged });
}

// [name, source, maps, expected error (null = accepted), error insn]
const CASES: [string, string, MapSpec[], string | null, number?][] = [
  ["minimal", "mov %r0, 1\nexit", [], null],
  ["uninitialized register", "mov %r0, %r2\nexit", [], "R2 !read_ok", 0],
  ["r0 unset at exit", "exit", [], "R0 !read_ok", 0],
  ["write to r10", "mov %r10, 0\nmov %r0, 1\nexit", [], "frame pointer is read only", 0],
  ["scratched after call", "call 7\nmov %r0, %r1\nexit", [], "R1 !read_ok", 1],
  ["unreachable", "mov %r0, 1\nexit\nmov %r0, 0\nexit", [], "unreachable insn 2", 2],
  ["jump out of range", "mov %r0, 1\nja +5\nexit", [], "jump out of range from insn 1 to 7", 1],
  ["falls off the end", "mov %r0, 1\nexit\nmov %r0, 0", [], "last insn is not an exit or jmp", 2],
  [
    "into lddw",
    "mov %r0, 1\njeq %r0, 0, +1\nlddw %r1, 0x100000000\nexit",
    [],
    "jump into the middle of ldimm64 insn 2",
    1,
  ],
  [
    "infinite loop",
    "mov %r0, 1\nmov %r1, 0\nlp:\njeq %r1, 1, out\nja lp\nout:\nexit",
    [],
    "infinite loop detected at insn 2",
    2,
  ],
  ["bounded loop", "mov %r1, 0\nlp:\nadd %r1, 1\njlt %r1, 100, lp\nmov %r0, 1\nexit", [], null],
  ["stack above fp", "stdw [%r10+8], 0\nmov %r0, 1\nexit", [], "invalid write to stack R10 off=8 size=8", 0],
  ["stack below 512", "stdw [%r10-520], 0\nmov %r0, 1\nexit", [], "invalid write to stack R10 off=-520 size=8", 0],
  ["misaligned stack", "stdw [%r10-4], 0\nmov %r0, 1\nexit", [], "misaligned stack access off 0+0+-4 size 8", 0],
  ["uninit stack read (privileged)", "ldxdw %r0, [%r10-8]\nmov %r0, 1\nexit", [], null],
  ["spill and fill ctx", "stxdw [%r10-8], %r1\nldxdw %r2, [%r10-8]\nldxw %r0, [%r2+32]\nmov %r0, 1\nexit", [], null],
  [
    "partial fill of a pointer",
    "stxdw [%r10-8], %r1\nldxw %r2, [%r10-8]\nmov %r0, 1\nexit",
    [],
    "invalid size of register fill",
    1,
  ],
  ["ctx hash", "ldxw %r0, [%r1+32]\nmov %r0, 1\nexit", [], null],
  ["ctx padding", "ldxw %r0, [%r1+36]\nmov %r0, 1\nexit", [], "invalid bpf_context access off=36 size=4", 0],
  ["ctx write", "stw [%r1+16], 0\nmov %r0, 1\nexit", [], "invalid bpf_context access off=16 size=4", 0],
  [
    "modified ctx",
    "add %r1, 4\nldxw %r0, [%r1+0]\nmov %r0, 1\nexit",
    [],
    "dereference of modified ctx ptr R1 off=4 disallowed",
    1,
  ],
  ["ctx data is 8 bytes", "ldxw %r0, [%r1+0]\nmov %r0, 1\nexit", [], "invalid bpf_context access off=0 size=4", 0],
  [
    "migrating_sk unchecked",
    "ldxdw %r2, [%r1+48]\nldxw %r0, [%r2+72]\nmov %r0, 1\nexit",
    [],
    "R2 invalid mem access 'sock_common_or_null'",
    1,
  ],
  [
    "migrating_sk checked",
    "ldxdw %r2, [%r1+48]\njeq %r2, 0, out\nldxw %r3, [%r2+72]\nout:\nmov %r0, 1\nexit",
    [],
    null,
  ],
  [
    "hash lookup unchecked",
    `${LOOKUP}ldxdw %r1, [%r0]\nmov %r0, 1\nexit`,
    [HASH],
    "R0 invalid mem access 'map_value_or_null'",
    6,
  ],
  ["array key 0 is never NULL", `${LOOKUP}ldxdw %r1, [%r0]\nmov %r0, 1\nexit`, [ARRAY], null],
  ["lookup checked", `${LOOKUP}jeq %r0, 0, out\nldxdw %r1, [%r0]\nout:\nmov %r0, 1\nexit`, [HASH], null],
  ["copy checked", `${LOOKUP}mov %r6, %r0\njeq %r6, 0, out\nldxdw %r1, [%r0]\nout:\nmov %r0, 1\nexit`, [HASH], null],
  [
    "value out of bounds",
    `${LOOKUP}jeq %r0, 0, out\nldxw %r1, [%r0+8]\nout:\nmov %r0, 1\nexit`,
    [HASH],
    "invalid access to map value, value_size=8 off=8 size=4",
    7,
  ],
  [
    "bounded variable offset",
    `mov %r6, %r1\n${LOOKUP}jeq %r0, 0, out\nldxw %r2, [%r6+32]\nand %r2, 8\nadd %r0, %r2\nldxdw %r1, [%r0]\nout:\nmov %r0, 1\nexit`,
    [HASH16],
    null,
  ],
  [
    "loose variable offset",
    `mov %r6, %r1\n${LOOKUP}jeq %r0, 0, out\nldxw %r2, [%r6+32]\nand %r2, 15\nadd %r0, %r2\nldxdw %r1, [%r0]\nout:\nmov %r0, 1\nexit`,
    [HASH16],
    "invalid access to map value, value_size=16 off=15 size=8",
    11,
  ],
  [
    "unbounded variable offset",
    `mov %r6, %r1\n${LOOKUP}jeq %r0, 0, out\nldxw %r2, [%r6+32]\nadd %r0, %r2\nldxb %r1, [%r0]\nout:\nmov %r0, 1\nexit`,
    [HASH16],
    "R0 unbounded memory access, make sure to bounds check any such access",
    10,
  ],
  [
    "or_null arithmetic",
    `${LOOKUP}add %r0, 4\nmov %r0, 1\nexit`,
    [HASH],
    "R0 pointer arithmetic on map_value_or_null prohibited, null-check it first",
    6,
  ],
  [
    "lookup in sockarray",
    `stw [%r10-4], 0\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, map_fd(4)\ncall 1\nmov %r0, 1\nexit`,
    [SOCKARRAY],
    "cannot pass map_type 20 into func bpf_map_lookup_elem#1",
    5,
  ],
  [
    "select with array",
    "mov %r6, %r1\nstw [%r10-4], 0\nlddw %r2, map_fd(3)\nmov %r3, %r10\nadd %r3, -4\nmov %r4, 0\ncall 82\nmov %r0, 1\nexit",
    [ARRAY],
    "cannot pass map_type 2 into func bpf_sk_select_reuseport#82",
    7,
  ],
  [
    "select with sockarray",
    "stw [%r10-4], 0\nlddw %r2, map_fd(4)\nmov %r3, %r10\nadd %r3, -4\nmov %r4, 0\ncall 82\nmov %r0, 1\nexit",
    [SOCKARRAY],
    null,
  ],
  ["unknown map fd", "lddw %r1, map_fd(9)\nmov %r0, 1\nexit", [], "fd 9 is not pointing to valid bpf_map", 0],
  ["helper not allowed", "call 23\nmov %r0, 1\nexit", [], "program of this type cannot use helper bpf_redirect#23", 0],
  ["helper id out of range", "call 999\nmov %r0, 1\nexit", [], "invalid func unknown#999", 0],
  [
    "helper arg type",
    "call 46\nmov %r0, 1\nexit",
    [],
    "R1 type=ctx expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_",
    0,
  ],
  [
    "zero-sized buffer",
    "mov %r2, 0\nmov %r3, %r10\nadd %r3, -16\nmov %r4, 0\ncall 26\nmov %r0, 1\nexit",
    [],
    "R4 invalid zero-sized read: u64=[0,0]",
    4,
  ],
  ["div by zero", "mov %r0, 1\ndiv %r0, 0\nexit", [], "div by zero", 1],
  ["div by register", "ldxw %r2, [%r1+32]\nmov %r0, 1\ndiv %r0, %r2\nmov %r0, 1\nexit", [], null],
  ["shift by 64", "mov %r0, 1\nlsh %r0, 64\nexit", [], "invalid shift 64", 1],
  ["32-bit shift by 32", "mov %r0, 1\nrsh32 %r0, 32\nexit", [], "invalid shift 32", 1],
  ["ctx bitwise", "and %r1, 0xff\nmov %r0, 1\nexit", [], "R1 bitwise operator &= on pointer prohibited", 0],
  ["ctx multiply", "mul %r1, 2\nmov %r0, 1\nexit", [], "R1 pointer arithmetic with *= operator prohibited", 0],
  ["32-bit pointer math", "add32 %r1, 4\nmov %r0, 1\nexit", [], "R1 32-bit pointer arithmetic prohibited", 0],
  ["return 2 (kernel: no return check, a warning only)", "mov %r0, 2\nexit", [], null],
  ["return unknown", "call 7\nexit", [], null],
  ["return hash & 1", "ldxw %r0, [%r1+32]\nand %r0, 1\nexit", [], null],
  ["return pointer (privileged: a warning only)", "mov %r0, %r1\nexit", [], null],
  [
    "packet checked",
    "ldxdw %r2, [%r1+0]\nldxdw %r3, [%r1+8]\nmov %r4, %r2\nadd %r4, 4\njgt %r4, %r3, out\nldxw %r0, [%r2]\nout:\nmov %r0, 1\nexit",
    [],
    null,
  ],
  [
    "packet unchecked",
    "ldxdw %r2, [%r1+0]\nldxb %r0, [%r2]\nmov %r0, 1\nexit",
    [],
    "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
    1,
  ],
  ["local call", "call local f\nexit\nf:\nmov %r0, 1\nexit", [], null],
  ["local call scratches r1", "call local f\nmov %r0, %r1\nexit\nf:\nmov %r0, 1\nexit", [], "R1 !read_ok", 1],
];

describe("verifier messages", () => {
  it.each(CASES)("%s", (_name, src, maps, message, insn) => {
    const r = run(src, maps);
    expect(r.error?.message ?? null).toBe(message);
    expect(r.accepted).toBe(message === null);
    if (insn !== undefined) expect(r.detail?.insn).toBe(insn);
  });
});

describe("return values: warnings by default (as the kernel), rejections with strict", () => {
  // [name, source, default warning (null = none), strict error (null = accepted)]
  const RET: [string, string, string | null, string | null][] = [
    [
      "return 2",
      "mov %r0, 2\nexit",
      "insn 1: R0 is 2 at exit; any value other than SK_PASS (1) refuses the connection",
      "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]",
    ],
    [
      "return -1",
      "mov %r0, -1\nexit",
      "insn 1: R0 is -1 at exit; any value other than SK_PASS (1) refuses the connection",
      "At program exit the register R0 has smin=-1 smax=-1 should have been in [0, 1]",
    ],
    [
      "return (hash & 1) + 1",
      "ldxw %r0, [%r1+32]\nand %r0, 1\nadd %r0, 1\nexit",
      "insn 3: R0 may be 2 at exit; any value other than SK_PASS (1) refuses the connection",
      "At program exit the register R0 has smin=1 smax=2 should have been in [0, 1]",
    ],
    [
      "return unknown",
      "call 7\nexit",
      "insn 1: R0 may be 2 at exit; any value other than SK_PASS (1) refuses the connection",
      "At program exit the register R0 has unknown scalar value should have been in [0, 1]",
    ],
    [
      "return ctx",
      "mov %r0, %r1\nexit",
      "insn 1: R0 is a pointer (ctx()) at exit; any value other than SK_PASS (1) refuses the connection",
      "R0 leaks addr as return value",
    ],
    ["return hash & 1", "ldxw %r0, [%r1+32]\nand %r0, 1\nexit", null, null],
    [
      "a warning once per exit, however many paths",
      "ldxw %r2, [%r1+32]\nmov %r0, 2\njgt %r2, 5, out\nmov %r0, 3\nout:\nexit",
      "insn 4: R0 is 3 at exit; any value other than SK_PASS (1) refuses the connection",
      "At program exit the register R0 has smin=3 smax=3 should have been in [0, 1]",
    ],
  ];
  it.each(RET)("%s", (_n, src, warning, strictError) => {
    const r = verify(decode(assemble(src)), { type: SK_REUSEPORT, attachType: 40, maps: [], logLevel: 1 });
    expect(r.accepted).toBe(true);
    expect(r.warnings[0] ?? null).toBe(warning);
    if (warning !== null) expect(r.log).toContain(`warning: ${warning}\n`);
    const s = verify(decode(assemble(src)), { type: SK_REUSEPORT, attachType: 40, maps: [], strict: true });
    expect(s.error?.message ?? null).toBe(strictError);
    if (strictError !== null) expect(s.error?.code).toMatch(/^verify\.ret-/);
  });
  // r7 is 1 on the walked path and 5 on the one pruned at `join` (nothing checks r7, so the
  // checkpoint's imprecise r7 covers 5): only the all-paths ranges see the 5.
  const PRUNED = (tail: string): string =>
    `mov %r2, 0\nmov %r3, 0\nmov %r4, 0\nmov %r5, 0\nmov %r8, 0\nmov %r9, 0\nldxw %r6, [%r1+32]\njeq %r6, 0, other\nmov %r7, 1\nja join\nother:\nmov %r7, 5\njoin:\n${tail}`;
  it("a value only a pruned path returns is warned about (all-paths ranges)", () => {
    const r = verify(decode(assemble(PRUNED("mov %r0, %r7\nexit"))), { type: SK_REUSEPORT, attachType: 40, maps: [] });
    expect(r.accepted).toBe(true);
    expect(r.states).toBeGreaterThan(0);
    expect(r.warnings).toEqual([
      "insn 12: R0 may be up to 5 at exit on some path; any value other than SK_PASS (1) refuses the connection",
    ]);
  });
  it("no warning when every path returns a constant in range, pruned or not", () => {
    for (const tail of [
      "mov %r0, %r7\nmov %r0, 1\nexit",
      "mov %r0, 0\nstxdw [%r10-8], %r7\nexit",
      "mov32 %r0, 1\nmov %r2, %r7\nexit",
    ]) {
      const r = verify(decode(assemble(PRUNED(tail))), { type: SK_REUSEPORT, attachType: 40, maps: [] });
      expect(r.accepted).toBe(true);
      expect(r.warnings).toEqual([]);
    }
  });
  it("an exit that is also a jump target is judged by the ranges", () => {
    const src = "ldxw %r6, [%r1+32]\nmov %r0, 7\njgt %r6, 3, out\nmov %r0, 1\nout:\nexit";
    const r = verify(decode(assemble(src)), { type: SK_REUSEPORT, attachType: 40, maps: [] });
    expect(r.warnings).toEqual(["insn 4: R0 is 7 at exit; any value other than SK_PASS (1) refuses the connection"]);
  });
  it("unprivileged loaders may not return a pointer (kernel: pointer leak)", () => {
    expect(run("mov %r0, %r10\nexit", [], true).error?.message).toBe("R0 leaks addr as return value");
  });
});

describe("unprivileged mode", () => {
  const UNPRIV: [string, string, string | null][] = [
    ["back-edge", "mov %r1, 0\nlp:\nadd %r1, 1\njlt %r1, 10, lp\nmov %r0, 1\nexit", "back-edge from insn 2 to 1"],
    ["uninit stack read", "ldxdw %r0, [%r10-8]\nmov %r0, 1\nexit", "invalid read from stack off -8+0 size 8"],
    [
      "uninit key",
      "mov %r2, %r10\nadd %r2, -4\nlddw %r1, map_fd(3)\ncall 1\nmov %r0, 1\nexit",
      "invalid indirect read from stack R2 off -4+0 size 4",
    ],
    ["pointer compare", "mov %r2, %r10\njeq %r1, %r2, +0\nmov %r0, 1\nexit", "R1 pointer comparison prohibited"],
    ["ptr - ptr", "sub %r1, %r10\nmov %r0, 1\nexit", "R1 pointer -= pointer prohibited"],
    ["fine", "mov %r0, 1\nexit", null],
  ];
  it.each(UNPRIV)("%s", (_n, src, message) => {
    expect(run(src, [HASH], true).error?.message ?? null).toBe(message);
    if (message !== null && !message.startsWith("back-edge"))
      expect(run(src, [HASH], false).error?.message ?? null).not.toBe(message);
  });
});

describe("result shape", () => {
  it("reports the path and state of a rejection", () => {
    const r = run(`${LOOKUP}jeq %r0, 0, out\nldxw %r1, [%r0+8]\nout:\nmov %r0, 1\nexit`, [HASH]);
    expect(r.detail).toEqual({
      insn: 7,
      text: "(61) r1 = *(u32 *)(r0 +8)",
      state: "R0=map_value(ks=4,vs=8) R10=fp0 fp-8=0000????",
      path: [],
    });
  });
  it("names the branch taken", () => {
    const r = run(`${LOOKUP}jne %r0, 0, out\nldxdw %r1, [%r0]\nout:\nmov %r0, 1\nexit`, [HASH]);
    expect(r.error?.message).toBe("R0 invalid mem access 'scalar'");
    expect(r.detail?.path).toEqual([]);
    const r2 = verify(
      decode(assemble(`ldxw %r2, [%r1+32]\njgt %r2, 5, big\nmov %r0, 1\nexit\nbig:\nmov %r0, 2\nexit`)),
      { type: SK_REUSEPORT, attachType: 40, maps: [], strict: true },
    );
    expect(r2.detail?.path).toEqual(["1 -> 4"]);
    expect(r2.detail?.state).toContain("R2=scalar(smin=umin=umin32=6,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))");
  });
  it("suggests a NULL check", () => {
    const r = run(`${LOOKUP}ldxdw %r1, [%r0]\nmov %r0, 1\nexit`, [HASH]);
    expect(r.error?.hint).toMatch(/^compare R0 with 0 before reading the map value/);
  });
  it("uses the source map for the location", () => {
    const r = verify(decode(assemble("mov %r0, %r2\nexit")), {
      type: SK_REUSEPORT,
      attachType: 40,
      maps: [],
      sourceMap: (i) => ({ file: "p.policy", line: 10 + i, col: 3 }),
    });
    expect(r.error?.location).toEqual({ file: "p.policy", line: 10, col: 3 });
  });
  it("summarises an accepted program", () => {
    const r = verify(
      decode(assemble("mov %r1, 0\nlp:\nadd %r1, 1\njlt %r1, 10, lp\nstdw [%r10-16], 0\nmov %r0, 1\nexit")),
      { type: SK_REUSEPORT, attachType: 40, maps: [], logLevel: 1 },
    );
    expect(r.accepted).toBe(true);
    expect(r.loops).toEqual([{ head: 1, maxIterations: 10 }]);
    expect(r.stackDepth).toBe(16);
    expect(r.log).toMatch(
      /^processed \d+ insns \(limit 1000000\) max_states_per_insn \d+ total_states \d+ peak_states \d+ mark_read 0\nstack depth 16\n/,
    );
  });
  it("records per-instruction facts for the JIT", () => {
    const r = run("ldxw %r2, [%r1+32]\nstxdw [%r10-8], %r2\nmov %r3, %r1\nmov %r0, 1\nexit");
    // Memory accesses only: register values are the JIT's own analysis (src/vm/jit/ranges.ts).
    expect(r.facts?.slice(0, 4)).toEqual([
      { memInBounds: true, memRegion: "ctx" },
      { memInBounds: true, memRegion: "stack" },
      undefined,
      undefined,
    ]);
  });
  it("stops at the 1M budget", () => {
    const r = run("mov %r1, 0\nlp:\nadd %r1, 1\njlt %r1, 600000, lp\nmov %r0, 1\nexit");
    expect(r.error?.message).toBe("BPF program is too large. Processed 1000001 insn");
  }, 60_000);
});

describe("instructions the structural check would refuse, given to verify() directly", () => {
  it("an atomic with an unknown operation is refused with the kernel's message", () => {
    // The assembler only writes valid operations; patch a valid `lock add` to operation 0x02.
    const insns = decode(assemble("stdw [%r10-8], 0\nmov %r1, 1\nlock add [%r10-8], %r1\nmov %r0, 1\nexit"));
    insns[2] = { ...insns[2]!, imm: 2 };
    const r = verify(insns, { type: SK_REUSEPORT, attachType: 40, maps: [] });
    expect(r.accepted).toBe(false);
    expect(r.error?.message).toBe("BPF_ATOMIC uses invalid atomic opcode 02");
  });
});
