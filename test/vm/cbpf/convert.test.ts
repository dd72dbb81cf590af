import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assembleClassic } from "../../../src/vm/cbpf/assembler.js";
import { checkClassic } from "../../../src/vm/cbpf/check.js";
import { convertClassic } from "../../../src/vm/cbpf/convert.js";
import { insn } from "../../../src/vm/cbpf/filter.js";
import { interpretClassic } from "../../../src/vm/cbpf/interp.js";
import * as O from "../../../src/vm/cbpf/opcodes.js";
import { resolvePacket } from "../../../src/vm/cbpf/packet.js";
import { ClassicProgram } from "../../../src/vm/cbpf/program.js";
import { udpReuseportPacket } from "../../../src/vm/cbpf/reuseport-packets.js";
import { disassemble } from "../../../src/vm/asm/disassembler.js";
import { encode } from "../../../src/vm/isa.js";
import { Rng } from "../../../src/vm/rng.js";
import { packetArb, validProgram } from "./arbitrary.js";
import { runs } from "../../support/runs.js";

const text = (src: string): string =>
  disassemble(encode(convertClassic(assembleClassic(src)).insns), { style: "conformance" }).trim();

describe("conversion to eBPF, as bpf_convert_filter emits it", () => {
  it("starts with the prologue and maps ret #k to mov32 + exit", () => {
    const lines = text("ret #5").split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^xor32 %r0, %r0/);
    expect(lines[1]).toMatch(/^xor32 %r7, %r7/);
    expect(lines[2]).toMatch(/^mov %r6, %r1/);
    expect(lines[3]).toMatch(/^mov32 %r0, 5/);
    expect(lines[4]).toBe("exit");
  });

  it("caches data and headlen only when the program loads packet bytes", () => {
    expect(convertClassic(assembleClassic("ld #len\nret a")).seenLdAbs).toBe(false);
    const c = convertClassic(assembleClassic("ldb [3]\nret a"));
    expect(c.seenLdAbs).toBe(true);
    expect(c.addrs[0]).toBe(7); // 3 + 4 prologue instructions
    expect(convertClassic(assembleClassic("ldxb 4*([0]&0xf)\nret a")).seenLdAbs).toBe(true);
  });

  it("emits one jump when a branch falls through, inverting jeq/jgt/jge when jt does", () => {
    const one = (src: string): string[] => text(src).split("\n").slice(3);
    expect(one("jeq #1, tt, ff\nff: ret #0\ntt: ret #1")[0]).toMatch(/^jeq %r0, 1, \+2/);
    // neither branch falls through: jeq to jt, then ja to jf
    expect(one("jeq #1, tt, ff\nret #2\nff: ret #0\ntt: ret #1").slice(0, 2).join("|")).toMatch(
      /^jeq %r0, 1, \+5\|ja \+2/,
    );
    expect(one("jeq #1, tt\nret #0\ntt: ret #1")[0]).toMatch(/^jeq %r0, 1, \+2/);
    expect(one("jneq #1, ff\nret #0\nff: ret #1")[0]).toMatch(/^jne %r0, 1, \+2/);
    expect(one("jlt #1, ff\nret #0\nff: ret #1")[0]).toMatch(/^jlt %r0, 1, \+2/); // jge jt=0 -> jlt
    expect(one("jle #1, ff\nret #0\nff: ret #1")[0]).toMatch(/^jle %r0, 1, \+2/);
    // jset with jt=0 has no inverse: jset then ja
    const js = one("jset #1, nn, ff\nnn: ret #0\nff: ret #1");
    expect(js[0]).toMatch(/^jset %r0, 1, \+1/);
    expect(js[1]).toMatch(/^ja \+2/);
  });

  it("compares a negative-looking k through a zero-extended tmp register", () => {
    const lines = text("jeq #0xffffffff, tt\nret #0\ntt: ret #1").split("\n").slice(3);
    expect(lines[0]).toMatch(/^mov32 %r2, -1/);
    expect(lines[1]).toMatch(/^jeq %r0, %r2, \+2/);
  });

  it("guards div/mod by X with an early return of 0", () => {
    const lines = text("div x\nret a").split("\n").slice(3);
    expect(lines[0]).toMatch(/^mov32 %r7, %r7/);
    expect(lines[1]).toMatch(/^jne %r7, 0, \+2/);
    expect(lines[2]).toMatch(/^xor32 %r0, %r0/);
    expect(lines[3]).toBe("exit");
    expect(lines[4]).toMatch(/^div32 %r0, %r7/);
  });

  it("turns SKF_AD_CPU and SKF_AD_RANDOM into calls with ctx, A and X as arguments", () => {
    const lines = text("ld #cpu\nret a").split("\n").slice(3);
    expect(lines.slice(0, 4).join("|")).toMatch(/^mov %r1, %r6\|mov %r2, %r0\|mov %r3, %r7\|call -104$/);
    expect(text("ld #rand\nret a")).toMatch(/call -105/);
  });

  it("rejects a jump that spans more than 32767 eBPF instructions, as the kernel's conversion does", () => {
    // 4000 packet loads of ~15 eBPF instructions each behind one ja
    const body = Array.from({ length: 4000 }, () => insn(O.LD_W_ABS, 0, 0, 0x10000));
    const prog = [insn(O.JA, 0, 0, body.length), ...body, insn(O.RET_A, 0, 0, 0)];
    expect(checkClassic(prog)?.rule).toBe("convert-range");
    const short = [insn(O.JA, 0, 0, 100), ...body.slice(0, 100), insn(O.RET_A, 0, 0, 0)];
    expect(checkClassic(short)).toBeUndefined();
  });
});

describe("converted programs agree with the reference interpreter", () => {
  for (const engine of ["interp", "jit"] as const) {
    it(`on random valid programs and packets (${engine})`, () => {
      fc.assert(
        fc.property(
          validProgram,
          fc.array(packetArb, { minLength: 1, maxLength: 4 }),
          fc.integer(),
          (prog, packets, seed) => {
            expect(checkClassic(prog)).toBeUndefined();
            const p = new ClassicProgram(prog, { engine, seed });
            const ref = new Rng(seed);
            for (const pkt of packets) expect(p.run(pkt)).toBe(interpretClassic(prog, resolvePacket(pkt), ref));
          },
        ),
        { numRuns: runs(engine === "jit" ? 150 : 400) },
      );
    });
  }

  it("reads payload, network and MAC bytes of a UDP datagram at reuseport selection", () => {
    const pkt = udpReuseportPacket({
      payload: Uint8Array.from([0xc0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd, 0x11]),
      srcPort: 0x1234,
    });
    const run = (src: string): number => new ClassicProgram(assembleClassic(src), { engine: "jit" }).run(pkt);
    expect(run("ld [0]\nret a")).toBe(0xc0000001);
    expect(run("ldh [7]\nret a")).toBe(0xdd11);
    expect(run("ldb [8]\nret a")).toBe(0x11);
    expect(run("ld [6]\nret a")).toBe(0); // past the end: the filter returns 0
    expect(run("ld #len\nret a")).toBe(9);
    expect(run(`ldb [${(O.SKF_NET_OFF + 9) >>> 0}]\nret a`)).toBe(17); // IP protocol
    expect(run(`ldh [${(O.SKF_NET_OFF + 20) >>> 0}]\nret a`)).toBe(0x1234); // UDP source port
    expect(run(`ldh [${(O.SKF_LL_OFF + 12) >>> 0}]\nret a`)).toBe(0x0800); // EtherType
    expect(run(`ldxb 4*([${O.SKF_NET_OFF >>> 0}]&0xf)\nldh [x + ${O.SKF_NET_OFF >>> 0}]\nret a`)).toBe(0x1234);
    expect(run("ld #proto\nret a")).toBe(0x0800);
    expect(run("ld #ifidx\nret a")).toBe(1);
    expect(run("ld #hatype\nret a")).toBe(772);
  });

  it("builds IPv6 datagrams with the IPv6 EtherType, next header and addresses", () => {
    const pkt = udpReuseportPacket({
      payload: Uint8Array.from([7, 8]),
      family: 6,
      srcAddr: "fe80::1:2",
      srcPort: 0x4321,
    });
    const run = (src: string): number => new ClassicProgram(assembleClassic(src)).run(pkt);
    expect(run("ld #proto\nret a")).toBe(0x86dd);
    expect(run(`ldb [${(O.SKF_NET_OFF + 6) >>> 0}]\nret a`)).toBe(17);
    expect(run(`ldh [${(O.SKF_NET_OFF + 4) >>> 0}]\nret a`)).toBe(10); // payload length: UDP header + 2
    expect(run(`ld [${(O.SKF_NET_OFF + 8) >>> 0}]\nret a`)).toBe(0xfe800000);
    expect(run(`ld [${(O.SKF_NET_OFF + 20) >>> 0}]\nret a`)).toBe(0x00010002);
    expect(run(`ldh [${(O.SKF_NET_OFF + 40) >>> 0}]\nret a`)).toBe(0x4321);
    expect(run("ldh [0]\nret a")).toBe(0x0708);
    expect(() => udpReuseportPacket({ payload: new Uint8Array(0), family: 6, dstAddr: "1::2::3" })).toThrow(
      /not an IPv6/,
    );
  });

  it("goes on after a load through the helper (paged bytes) that reads 0, in both engines", () => {
    // headlen 17 of 31 bytes: [17] takes bpf_skb_load_helper_8's path and reads 0
    const pkt = { bytes: Uint8Array.from({ length: 31 }, (_, i) => (i === 0 ? 1 : 0)), pagedLen: 14 };
    for (const engine of ["interp", "jit"] as const)
      expect(new ClassicProgram(assembleClassic("ldb [17]\nld [0]\nret a"), { engine }).run(pkt)).toBe(0x01000000);
  });

  it("ends with A unchanged when #ifidx finds no device", () => {
    const p = new ClassicProgram(assembleClassic("ld #7\nld #ifidx\nret #99"));
    expect(p.run({ bytes: new Uint8Array(4), device: null })).toBe(7);
  });
});
