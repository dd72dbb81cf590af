// The kernel's classic checker and reuseport selection against Baton's, on this machine's
// kernel: accept/reject of hand-written and random programs (setsockopt
// SO_ATTACH_REUSEPORT_CBPF, unprivileged), and which socket of a real UDP group receives each
// datagram (root, private network namespace).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assembleClassic } from "../../../src/vm/cbpf/assembler.js";
import { checkClassic, reuseportAttachError } from "../../../src/vm/cbpf/check.js";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { insn, type SockFilter } from "../../../src/vm/cbpf/filter.js";
import * as O from "../../../src/vm/cbpf/opcodes.js";
import { ClassicProgram } from "../../../src/vm/cbpf/program.js";
import { selectClassic } from "../../../src/vm/cbpf/reuseport.js";
import { tcpSynReuseportPacket, udpReuseportPacket } from "../../../src/vm/cbpf/reuseport-packets.js";
import { validProgram } from "./arbitrary.js";
import { kernelPlacements, kernelVerdicts, oracleAvailability, placementAvailability } from "./oracle.js";
import { runs } from "../../support/runs.js";

const optmem = ((): number => {
  try {
    return Number(readFileSync("/proc/sys/net/core/optmem_max", "utf8"));
  } catch {
    return 131072;
  }
})();
const verdictOf = (p: readonly SockFilter[]): "ok" | number => reuseportAttachError(p, optmem)?.errno ?? "ok";
const oracle = oracleAvailability();
if (!oracle.available) console.warn(`cbpf kernel checker tests skipped: ${oracle.reason}`);
const place = placementAvailability();
if (!place.available) console.warn(`cbpf kernel placement tests skipped: ${place.reason}`);

const ret0 = insn(O.RET_K, 0, 0, 0);

/** One program per checker rule, rejected, and its nearest accepted neighbour. */
const HAND: readonly (readonly [string, SockFilter[]])[] = [
  ["empty", []],
  ["4096 instructions", Array.from({ length: 4096 }, () => ret0)],
  ["4097 instructions", Array.from({ length: 4097 }, () => ret0)],
  ["ret x", [insn(O.RET_X, 0, 0, 0)]],
  ["ldx [k] (seccomp's load)", [insn(O.LDX_W_ABS, 0, 0, 0), ret0]],
  ["ld|h|imm", [insn(O.LD_IMM | O.S_H, 0, 0, 0), ret0]],
  ["code above 0xff", [insn(0x106, 0, 0, 0)]],
  ["div #0", [insn(O.C_ALU | O.A_DIV, 0, 0, 0), ret0]],
  ["mod #0", [insn(O.C_ALU | O.A_MOD, 0, 0, 0), ret0]],
  ["div #1", [insn(O.C_ALU | O.A_DIV, 0, 0, 1), ret0]],
  ["lsh #31", [insn(O.C_ALU | O.A_LSH, 0, 0, 31), ret0]],
  ["lsh #32", [insn(O.C_ALU | O.A_LSH, 0, 0, 32), ret0]],
  ["rsh #0xffffffff", [insn(O.C_ALU | O.A_RSH, 0, 0, 0xffffffff), ret0]],
  ["st M[15]", [insn(O.ST, 0, 0, 15), ret0]],
  ["st M[16]", [insn(O.ST, 0, 0, 16), ret0]],
  ["ja to the last insn", [insn(O.JA, 0, 0, 0), ret0]],
  ["ja past the end", [insn(O.JA, 0, 0, 1), ret0]],
  ["jeq jt past the end", [insn(O.C_JMP | O.J_JEQ, 1, 0, 0), ret0]],
  ["jset jf past the end", [insn(O.C_JMP | O.J_JSET | O.SRC_X, 0, 1, 0), ret0]],
  ["ld #cpu", [insn(O.LD_W_ABS, 0, 0, O.ancK(O.SKF_AD_CPU)), insn(O.RET_A, 0, 0, 0)]],
  ["ldb #alu_xor_x", [insn(O.LD_B_ABS, 0, 0, O.ancK(O.SKF_AD_ALU_XOR_X)), ret0]],
  ["ld SKF_AD_OFF+2", [insn(O.LD_W_ABS, 0, 0, O.ancK(2)), ret0]],
  ["ld SKF_AD_MAX", [insn(O.LD_W_ABS, 0, 0, O.ancK(O.SKF_AD_MAX)), ret0]],
  ["ld [0xffffffff]", [insn(O.LD_W_ABS, 0, 0, 0xffffffff), ret0]],
  ["ld [SKF_NET_OFF]", [insn(O.LD_W_ABS, 0, 0, O.SKF_NET_OFF >>> 0), ret0]],
  ["ld [x + 0xffffffff] (IND is not checked)", [insn(O.LD_W_IND, 0, 0, 0xffffffff), ret0]],
  ["last is not ret", [insn(O.LD_IMM, 0, 0, 0)]],
  ["ld M[0] unwritten", [insn(O.LD_MEM, 0, 0, 0), ret0]],
  ["ld M[0] written", [insn(O.ST, 0, 0, 0), insn(O.LD_MEM, 0, 0, 0), ret0]],
  [
    "M[0] written on one branch only",
    [insn(O.C_JMP | O.J_JEQ, 0, 1, 0), insn(O.ST, 0, 0, 0), insn(O.LDX_MEM, 0, 0, 0), ret0],
  ],
  [
    "M[0] written on both branches",
    [
      insn(O.C_JMP | O.J_JEQ, 0, 2, 0),
      insn(O.ST, 0, 0, 0),
      insn(O.JA, 0, 0, 1),
      insn(O.STX, 0, 0, 0),
      insn(O.LDX_MEM, 0, 0, 0),
      ret0,
    ],
  ],
  ["M[1] written behind a ja that skips it", [insn(O.JA, 0, 0, 1), insn(O.ST, 0, 0, 1), insn(O.LD_MEM, 0, 0, 1), ret0]],
  [
    "jump too far for eBPF after conversion",
    [
      insn(O.JA, 0, 0, 4000),
      ...Array.from({ length: 4000 }, () => insn(O.LD_W_ABS, 0, 0, 0x10000)),
      insn(O.RET_A, 0, 0, 0),
    ],
  ],
  [
    "the same jump over 2000 loads",
    [
      insn(O.JA, 0, 0, 2000),
      ...Array.from({ length: 2000 }, () => insn(O.LD_W_ABS, 0, 0, 0x10000)),
      insn(O.RET_A, 0, 0, 0),
    ],
  ],
];

/** A valid program with one instruction broken in a way one of the rules catches (or not). */
const mutated: fc.Arbitrary<SockFilter[]> = fc
  .tuple(validProgram, fc.nat(), fc.integer({ min: 0, max: 7 }), fc.nat(), fc.nat())
  .map(([prog, at, how, r1, r2]) => {
    const p = prog.slice();
    const i = at % p.length;
    const f = p[i]!;
    switch (how) {
      case 0:
        p[i] = insn(r1 % 0x100, f.jt, f.jf, f.k); // any code byte
        break;
      case 1:
        p[i] = insn(f.code, r1 % 8, r2 % 8, f.k); // jump offsets near the end
        break;
      case 2:
        p[i] = insn(f.code, f.jt, f.jf, r1 % 40); // k near the memory and shift limits
        break;
      case 3:
        p[i] = insn(O.LD_W_ABS, 0, 0, (O.SKF_AD_OFF + (r1 % 80)) >>> 0); // known and unknown ancillary
        break;
      case 4:
        p.pop(); // maybe no final ret
        if (p.length === 0) p.push(insn(r1 % 0x100, 0, 0, 0));
        break;
      case 5:
        p.splice(i, 0, insn(r1 % 2 === 0 ? O.LD_MEM : O.LDX_MEM, 0, 0, r2 % 16)); // a load that may be unwritten
        break;
      case 6:
        p[i] = insn(O.JA, 0, 0, r1 % (p.length - i + 2)); // ja near the end
        break;
      default:
        p[i] = insn(r1 % 0x10000, f.jt, f.jf, f.k); // a 16-bit code
    }
    return p;
  });

describe(`classic checker vs the kernel's${oracle.available ? "" : ` (skipped: ${oracle.reason})`}`, () => {
  it.skipIf(!oracle.available)("agrees on hand-written programs, one per rule", () => {
    const verdicts = kernelVerdicts(HAND.map(([, p]) => p));
    HAND.forEach(([name, p], i) => {
      expect([name, verdictOf(p)]).toEqual([name, verdicts[i]]);
    });
    // the rules are all exercised
    const rules = new Set(HAND.map(([, p]) => checkClassic(p)?.rule).filter((r) => r !== undefined));
    expect(HAND.some(([, p]) => reuseportAttachError(p, optmem)?.rule === "optmem")).toBe(optmem < 300_000);
    expect([...rules].sort()).toEqual([
      "ancillary",
      "code",
      "convert-range",
      "div-by-zero",
      "ja-range",
      "jump-range",
      "last-not-ret",
      "length",
      "mem-index",
      "mem-uninit",
      "shift",
    ]);
  });

  it.skipIf(!oracle.available)("agrees on random valid and mutated programs", () => {
    const progs = [
      ...fc.sample(validProgram, { numRuns: runs(300), seed: 17 }),
      ...fc.sample(mutated, { numRuns: runs(1500), seed: 42 }),
    ];
    const verdicts = kernelVerdicts(progs);
    let rejected = 0;
    progs.forEach((p, i) => {
      const ours = reuseportAttachError(p, optmem);
      if (ours !== undefined) rejected++;
      if ((ours?.errno ?? "ok") !== verdicts[i])
        expect.fail(`program ${i} (${JSON.stringify(p)}): Baton ${ours?.message ?? "accepts"}, kernel ${verdicts[i]}`);
    });
    // both verdicts well represented
    expect(rejected).toBeGreaterThan(300);
    expect(progs.length - rejected).toBeGreaterThan(500);
  });
});

describe(`reuseport placement vs the kernel's${place.available ? "" : ` (skipped: ${place.reason})`}`, () => {
  const payloads = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 40 }), { numRuns: runs(60), seed: 7 });
  const datagrams = payloads.map((payload, i) => ({ srcPort: 20000 + i, payload }));

  const check = (src: string, nsocks: number, family: 4 | 6, cpu = -1): void => {
    const prog = assembleClassic(src);
    const got = kernelPlacements(prog, nsocks, datagrams, 4433, cpu, family);
    const p = new ClassicProgram(prog, { engine: "jit" });
    let predicted = 0;
    datagrams.forEach((d, i) => {
      const pkt = udpReuseportPacket(
        { payload: d.payload, srcPort: d.srcPort, dstPort: 4433, family },
        { cpu: Math.max(cpu, 0) },
      );
      const pick = selectClassic(p, pkt, nsocks);
      expect(got[i]).not.toBeNull();
      if (pick.kind === "socket") {
        predicted++;
        expect([i, got[i]]).toEqual([i, pick.index]);
      }
    });
    expect(predicted).toBeGreaterThan(0);
  };
  const net = (n: number): number => (O.SKF_NET_OFF + n) >>> 0;
  const ll = (n: number): number => (O.SKF_LL_OFF + n) >>> 0;

  for (const family of [4, 6] as const) {
    it.skipIf(!place.available)(`IPv${family}: first payload word modulo the group size (QUIC-style steering)`, () => {
      check("ld [0]\nmod #4\nret a", 4, family);
    });

    it.skipIf(!place.available)(`IPv${family}: a payload byte, results out of range going to the kernel's pick`, () => {
      check("ldb [1]\nand #7\nret a", 5, family); // 5, 6, 7: kernel pick
    });

    it.skipIf(!place.available)(`IPv${family}: the UDP source port through SKF_NET_OFF and the datagram length`, () => {
      const sport = family === 4 ? 20 : 40;
      check(`ldh [${net(sport)}]\nand #3\ntax\nld #len\nand #1\nadd x\nret a`, 5, family);
    });

    it.skipIf(!place.available)(`IPv${family}: #proto and the EtherType through SKF_LL_OFF`, () => {
      const eth = family === 4 ? "0x800" : "0x86dd";
      check(
        `ld #proto\njeq #${eth}, p1, no\np1: ldh [${ll(12)}]\njeq #${eth}, p2, no\np2: ret #1\nno: ret #7`,
        3,
        family,
      );
    });

    it.skipIf(!place.available)(`IPv${family}: SKF_AD_PAY_OFFSET is the UDP length`, () => {
      check("ld #poff\nand #63\nret a", 64, family);
    });

    it.skipIf(!place.available)(`IPv${family}: the CPU (SKF_AD_CPU), with the sender pinned`, () => {
      const cpus = Math.min(2, availableParallelism());
      for (let cpu = 0; cpu < cpus; cpu++) check("ld #cpu\nret a", 2, family, cpu);
    });
  }

  it.skipIf(!place.available)("IPv4: the IP header length through ldxb 4*([SKF_NET_OFF]&0xf)", () => {
    check(`ldxb 4*([${net(0)}]&0xf)\ntxa\nrsh #2\nsub #4\nret a`, 3, 4);
  });

  it.skipIf(!place.available)("IPv6: the next-header byte through SKF_NET_OFF", () => {
    check(`ldb [${net(6)}]\nsub #15\nret a`, 3, 6);
  });

  const checkTcp = (src: string, nsocks: number, family: 4 | 6, cpu = -1): void => {
    const prog = assembleClassic(src);
    const conns = datagrams.slice(0, 24).map((d) => ({ srcPort: d.srcPort, payload: new Uint8Array(0) }));
    const got = kernelPlacements(prog, nsocks, conns, 4433, cpu, family, "tcp");
    const p = new ClassicProgram(prog, { engine: "jit" });
    let predicted = 0;
    conns.forEach((c, i) => {
      const pkt = tcpSynReuseportPacket({ srcPort: c.srcPort, dstPort: 4433, family }, { cpu: Math.max(cpu, 0) });
      const pick = selectClassic(p, pkt, nsocks);
      expect(got[i]).not.toBeNull();
      if (pick.kind === "socket") {
        predicted++;
        expect([i, got[i]]).toEqual([i, pick.index]);
      }
    });
    expect(predicted).toBeGreaterThan(0);
  };

  for (const family of [4, 6] as const) {
    const ipLen = family === 4 ? 20 : 40;
    it.skipIf(!place.available)(`TCP over IPv${family}: the SYN's source port, flags and header length`, () => {
      // sport & 3, plus 1 when the SYN flag is set and the header is 40 bytes (#len is 0)
      const src = [
        `ldh [${net(ipLen)}]`,
        "and #3",
        "tax",
        `ldb [${net(ipLen + 13)}]`,
        "jeq #2, syn, no",
        `syn: ldb [${net(ipLen + 12)}]`,
        "rsh #4",
        "jeq #10, opts, no",
        "opts: ld #len",
        "add #1",
        "add x",
        "ret a",
        "no: ret #99",
      ].join("\n");
      checkTcp(src, 5, family);
    });

    it.skipIf(!place.available)(`TCP over IPv${family}: SKF_AD_PAY_OFFSET of a SYN is 0`, () => {
      checkTcp("ld #poff\njeq #0, zero, other\nzero: ret #1\nother: ret #2", 3, family);
    });

    it.skipIf(!place.available)(`TCP over IPv${family}: the CPU the SYN is processed on`, () => {
      const cpus = Math.min(2, availableParallelism());
      for (let cpu = 0; cpu < cpus; cpu++) checkTcp("ld #cpu\nret a", 2, family, cpu);
    });
  }

  /**
   * A result reduced to 6 bits names one of 64 sockets, so the socket that receives a datagram
   * shows the low 6 bits of what the kernel's program returned: `ret #k` becomes `ret #(k&63)`,
   * `ret a` a `ja` to a shared `and #63; ret a`. Offsets do not move (one instruction for one).
   */
  const sixBits = (prog: readonly SockFilter[]): SockFilter[] => {
    const n = prog.length;
    const body = prog.map((f, pc) => {
      if (f.code === O.RET_K) return insn(O.RET_K, 0, 0, f.k & 63);
      if (f.code === O.RET_A) return insn(O.JA, 0, 0, n - pc - 1);
      // #rand is not predictable: use #len
      const ad = (f.k | 0) - O.SKF_AD_OFF;
      if (O.mode(f.code) === O.M_ABS && O.isKnownAncillary(f.k) && ad === O.SKF_AD_RANDOM)
        return insn(O.LD_W_LEN, 0, 0, 0);
      return f;
    });
    return [...body, insn(O.C_ALU | O.A_AND | O.SRC_K, 0, 0, 63), insn(O.RET_A, 0, 0, 0)];
  };

  for (const family of [4, 6] as const) {
    it.skipIf(!place.available)(
      `IPv${family}: random valid programs return what the kernel's return (low 6 bits, 64 sockets)`,
      () => {
        const progs = fc.sample(validProgram, { numRuns: runs(8), seed: 99 + family }).map(sixBits);
        const payloads = fc.sample(fc.uint8Array({ maxLength: 48 }), { numRuns: runs(40), seed: 5 });
        const grams = payloads.map((payload, i) => ({ srcPort: 21000 + i, payload }));
        let nonzero = 0;
        for (const prog of progs) {
          expect(checkClassic(prog)).toBeUndefined();
          const got = kernelPlacements(prog, 64, grams, 4433, 0, family);
          const p = new ClassicProgram(prog, { engine: "jit" });
          grams.forEach((d, i) => {
            const r = p.run(
              udpReuseportPacket({ payload: d.payload, srcPort: d.srcPort, dstPort: 4433, family }, { cpu: 0 }),
            );
            if (r !== 0) nonzero++;
            if (got[i] !== r)
              expect.fail(
                `program ${JSON.stringify(prog)} on payload ${Buffer.from(d.payload).toString("hex")}: kernel socket ${got[i]}, Baton ${r}`,
              );
          });
        }
        expect(nonzero).toBeGreaterThan(100); // most runs get past the loads to a real result
      },
    );
  }
});
