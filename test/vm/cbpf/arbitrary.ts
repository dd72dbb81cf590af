/**
 * fast-check generators of classic programs the kernel's checker accepts (every allowed code,
 * ancillary loads, packet loads relative to data, network and MAC headers, forward jumps of
 * every reach, scratch memory read only after it is written on every path) and of packets
 * with varied header offsets, paged tails, devices and skb fields.
 */
import fc from "fast-check";
import { insn, type SockFilter } from "../../../src/vm/cbpf/filter.js";
import * as O from "../../../src/vm/cbpf/opcodes.js";
import type { ClassicPacket } from "../../../src/vm/cbpf/packet.js";

const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Constants that make comparisons and arithmetic interesting. */
const k32 = fc.oneof(
  u32,
  fc.integer({ min: 0, max: 64 }),
  fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe),
);

/** A packet offset k: small, near the ends of the ranges, network/MAC relative, or wild. */
const pktK = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 24 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 90 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 40 }).map((n) => (O.SKF_NET_OFF + n) >>> 0) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }).map((n) => (O.SKF_LL_OFF + n) >>> 0) },
  { weight: 1, arbitrary: fc.constantFrom(0x7fff, 0x8000, 0x10000, 0x7ffffffe, 0x80000000, 0xffefffff, 0xffdfffff) },
);

/** One non-jump, non-return instruction; `written` are the scratch words safe to load. */
function straight(written: readonly number[]): fc.Arbitrary<SockFilter> {
  const aluK = fc.tuple(fc.constantFrom(...O.ALU_OPS.map(([, op]) => op)), k32).map(([op, k]) => {
    if ((op === O.A_DIV || op === O.A_MOD) && k === 0) k = 1;
    if (op === O.A_LSH || op === O.A_RSH) k &= 31;
    return insn(O.C_ALU | op | O.SRC_K, 0, 0, k);
  });
  const aluX = fc.constantFrom(...O.ALU_OPS.map(([, op]) => op)).map((op) => insn(O.C_ALU | op | O.SRC_X, 0, 0, 0));
  const anc = fc
    .constantFrom(...O.KNOWN_ANCILLARY)
    .chain((ad) => fc.constantFrom(O.LD_W_ABS, O.LD_H_ABS, O.LD_B_ABS).map((c) => insn(c, 0, 0, O.ancK(ad))));
  const abs = fc.tuple(fc.constantFrom(O.LD_W_ABS, O.LD_H_ABS, O.LD_B_ABS), pktK).map(([c, k]) => insn(c, 0, 0, k));
  const ind = fc
    .tuple(
      fc.constantFrom(O.LD_W_IND, O.LD_H_IND, O.LD_B_IND),
      fc.oneof(fc.integer({ min: 0, max: 40 }), pktK, fc.constantFrom(0xffffffff, 0xfffffff0, 0xfffff000)),
    )
    .map(([c, k]) => insn(c, 0, 0, k));
  const word = fc.integer({ min: 0, max: O.BPF_MEMWORDS - 1 });
  const arbs: fc.Arbitrary<SockFilter>[] = [
    aluK,
    aluX,
    fc.constant(insn(O.ALU_NEG, 0, 0, 0)),
    anc,
    abs,
    abs,
    ind,
    fc.constant(insn(O.LD_W_LEN, 0, 0, 0)),
    fc.constant(insn(O.LDX_W_LEN, 0, 0, 0)),
    k32.map((k) => insn(O.LD_IMM, 0, 0, k)),
    fc.oneof(fc.integer({ min: 0, max: 20 }), u32).map((k) => insn(O.LDX_IMM, 0, 0, k)),
    pktK.map((k) => insn(O.LDX_B_MSH, 0, 0, k)),
    word.map((k) => insn(O.ST, 0, 0, k)),
    word.map((k) => insn(O.STX, 0, 0, k)),
    fc.constant(insn(O.TAX, 0, 0, 0)),
    fc.constant(insn(O.TXA, 0, 0, 0)),
  ];
  if (written.length > 0)
    arbs.push(
      fc.tuple(fc.constantFrom(O.LD_MEM, O.LDX_MEM), fc.constantFrom(...written)).map(([c, k]) => insn(c, 0, 0, k)),
    );
  return fc.oneof(...arbs);
}

/** A program of `body` instructions after a prefix that writes some scratch words. */
export const validProgram: fc.Arbitrary<SockFilter[]> = fc
  .tuple(
    fc.uniqueArray(fc.integer({ min: 0, max: O.BPF_MEMWORDS - 1 }), { maxLength: 4 }),
    fc.integer({ min: 1, max: 40 }),
    fc.option(fc.integer({ min: 1, max: 20 })),
  )
  .chain(([written, body, x0]) => {
    const slot = fc.oneof(
      { weight: 12, arbitrary: straight(written).map((f) => ({ f, jump: 0 as const })) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom(...O.COND_JUMPS.map(([, op]) => op)), fc.boolean(), k32, u32, u32)
          .map(([op, x, k, a, b]) => ({
            f: insn(O.C_JMP | op | (x ? O.SRC_X : O.SRC_K), 0, 0, x ? 0 : k),
            jump: 2 as const,
            a,
            b,
          })),
      },
      { weight: 1, arbitrary: u32.map((a) => ({ f: insn(O.JA, 0, 0, 0), jump: 1 as const, a, b: 0 })) },
      {
        weight: 1,
        arbitrary: fc
          .oneof(
            k32.map((k) => insn(O.RET_K, 0, 0, k)),
            fc.constant(insn(O.RET_A, 0, 0, 0)),
            fc.constant(insn(O.RET_A, 0, 0, 0)),
          )
          .map((f) => ({ f, jump: 0 as const })),
      },
    );
    return fc.tuple(fc.array(slot, { minLength: body, maxLength: body }), fc.boolean(), k32).map(([slots, retA, k]) => {
      // X starts at 0; a small X first keeps `div x` and `[x + k]` from ending most runs at once.
      const prefix = [...(x0 !== null ? [insn(O.LDX_IMM, 0, 0, x0)] : []), ...written.map((w) => insn(O.ST, 0, 0, w))];
      const n = prefix.length + slots.length + 1;
      const prog: SockFilter[] = [...prefix];
      slots.forEach((s, j) => {
        const pc = prefix.length + j;
        const room = n - pc - 1; // instructions after this one
        if (s.jump === 0) prog.push(s.f);
        else if (s.jump === 1) prog.push(insn(O.JA, 0, 0, (s as { a: number }).a % room));
        else {
          const t = s as { a: number; b: number };
          const reach = Math.min(room, 256);
          prog.push(insn(s.f.code, t.a % reach, t.b % reach, s.f.k));
        }
      });
      prog.push(retA ? insn(O.RET_A, 0, 0, 0) : insn(O.RET_K, 0, 0, k));
      return prog;
    });
  });

export const packetArb: fc.Arbitrary<ClassicPacket> = fc
  .tuple(
    fc.oneof(
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) },
      { weight: 5, arbitrary: fc.uint8Array({ minLength: 30, maxLength: 90 }) },
    ),
    fc.boolean(),
    fc.nat(),
    fc.nat(),
    fc.nat(),
    fc.option(fc.record({ ifindex: u32, type: fc.integer({ min: 0, max: 0xffff }) }), { nil: null }),
    fc.record({
      protocol: fc.integer({ min: 0, max: 0xffff }),
      pktType: fc.integer({ min: 0, max: 7 }),
      mark: u32,
      hash: u32,
      queueMapping: fc.integer({ min: 0, max: 0xffff }),
      vlanTci: fc.integer({ min: 0, max: 0xffff }),
      vlanAll: fc.oneof(fc.constant(0), u32),
      vlanProto: fc.integer({ min: 0, max: 0xffff }),
      cpu: fc.integer({ min: 0, max: 255 }),
      payOffset: u32,
    }),
  )
  .map(([bytes, hasMac, a, b, c, device, f]) => {
    const n = bytes.length;
    const mac = hasMac ? 0 : undefined;
    const networkOffset = n === 0 ? 0 : a % Math.min(n + 1, 15);
    const dataOffset = networkOffset + (b % Math.min(29, n - networkOffset + 1));
    const pagedLen = c % (n - dataOffset + 1);
    return {
      bytes,
      ...(mac !== undefined ? { macOffset: mac } : {}),
      networkOffset,
      dataOffset,
      pagedLen,
      device,
      ...f,
    };
  });
