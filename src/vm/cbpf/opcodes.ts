/**
 * Classic BPF (`struct sock_filter`) opcode numbers and ancillary offsets: the only module
 * that spells cBPF numbers (include/uapi/linux/filter.h, bpf_common.h). eBPF numbers stay in
 * ../isa.ts; the two sets overlap in places (class, size, mode, ALU and jump codes) but are
 * kept apart so that neither instruction set's meaning leaks into the other.
 *
 * Code layout (16-bit `code`, only the low byte is ever set by a valid program):
 *   LD/LDX:   | mode (3 bits) | size (2 bits) | class (3 bits) |
 *   ALU/JMP:  | op (4 bits)   | src (1 bit)   | class (3 bits) |
 *   RET:      | rval (2 bits at 0x18)         | class (3 bits) |
 *   MISC:     | miscop (0x00 TAX, 0x80 TXA)   | class (3 bits) |
 */

// ---- class ----
export const C_LD = 0x00;
export const C_LDX = 0x01;
export const C_ST = 0x02;
export const C_STX = 0x03;
export const C_ALU = 0x04;
export const C_JMP = 0x05;
export const C_RET = 0x06;
export const C_MISC = 0x07;

// ---- size (LD/LDX) ----
export const S_W = 0x00;
export const S_H = 0x08;
export const S_B = 0x10;

// ---- mode (LD/LDX) ----
export const M_IMM = 0x00;
export const M_ABS = 0x20;
export const M_IND = 0x40;
export const M_MEM = 0x60;
export const M_LEN = 0x80;
export const M_MSH = 0xa0;

// ---- ALU operations ----
export const A_ADD = 0x00;
export const A_SUB = 0x10;
export const A_MUL = 0x20;
export const A_DIV = 0x30;
export const A_OR = 0x40;
export const A_AND = 0x50;
export const A_LSH = 0x60;
export const A_RSH = 0x70;
export const A_NEG = 0x80;
export const A_MOD = 0x90;
export const A_XOR = 0xa0;

// ---- jump operations ----
export const J_JA = 0x00;
export const J_JEQ = 0x10;
export const J_JGT = 0x20;
export const J_JGE = 0x30;
export const J_JSET = 0x40;

// ---- operand source (ALU/JMP) and return value (RET) ----
export const SRC_K = 0x00;
export const SRC_X = 0x08;
export const RVAL_K = 0x00;
export const RVAL_X = 0x08;
export const RVAL_A = 0x10;

// ---- misc ----
export const MISC_TAX = 0x00;
export const MISC_TXA = 0x80;

// ---- field accessors ----
export const cls = (code: number): number => code & 0x07;
export const size = (code: number): number => code & 0x18;
export const mode = (code: number): number => code & 0xe0;
export const op = (code: number): number => code & 0xf0;
export const src = (code: number): number => code & 0x08;

/** Bytes loaded by a LD size field. */
export const sizeBytes = (sizeField: number): 1 | 2 | 4 => (sizeField === S_B ? 1 : sizeField === S_H ? 2 : 4);

// ---- limits ----
/** Scratch memory words M[0..15]. */
export const BPF_MEMWORDS = 16;
/** Largest program the kernel takes (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;

// ---- ancillary loads: LD|ABS with k = SKF_AD_OFF + SKF_AD_* ----
export const SKF_AD_OFF = -0x1000;
export const SKF_AD_PROTOCOL = 0;
export const SKF_AD_PKTTYPE = 4;
export const SKF_AD_IFINDEX = 8;
export const SKF_AD_NLATTR = 12;
export const SKF_AD_NLATTR_NEST = 16;
export const SKF_AD_MARK = 20;
export const SKF_AD_QUEUE = 24;
export const SKF_AD_HATYPE = 28;
export const SKF_AD_RXHASH = 32;
export const SKF_AD_CPU = 36;
export const SKF_AD_ALU_XOR_X = 40;
export const SKF_AD_VLAN_TAG = 44;
export const SKF_AD_VLAN_TAG_PRESENT = 48;
export const SKF_AD_PAY_OFFSET = 52;
export const SKF_AD_RANDOM = 56;
export const SKF_AD_VLAN_TPID = 60;
export const SKF_AD_MAX = 64;
/** Packet offsets relative to the network and link-layer headers. */
export const SKF_NET_OFF = -0x100000;
export const SKF_LL_OFF = -0x200000;

/** `k` of an ancillary load, as the u32 a sock_filter holds. */
export const ancK = (ad: number): number => (SKF_AD_OFF + ad) >>> 0;

/**
 * The ancillary loads the kernel knows (bpf_anc_helper), with their bpf_asm names (the
 * lexer's `#name` extensions; `vlan_pr` is an alias of `vlan_avail`).
 */
export const ANCILLARY: ReadonlyArray<readonly [name: string, ad: number]> = [
  ["proto", SKF_AD_PROTOCOL],
  ["type", SKF_AD_PKTTYPE],
  ["ifidx", SKF_AD_IFINDEX],
  ["nla", SKF_AD_NLATTR],
  ["nlan", SKF_AD_NLATTR_NEST],
  ["mark", SKF_AD_MARK],
  ["queue", SKF_AD_QUEUE],
  ["hatype", SKF_AD_HATYPE],
  ["rxhash", SKF_AD_RXHASH],
  ["cpu", SKF_AD_CPU],
  ["vlan_tci", SKF_AD_VLAN_TAG],
  ["vlan_avail", SKF_AD_VLAN_TAG_PRESENT],
  ["poff", SKF_AD_PAY_OFFSET],
  ["rand", SKF_AD_RANDOM],
  ["vlan_tpid", SKF_AD_VLAN_TPID],
];

/** Ancillary offsets the kernel accepts, including ALU_XOR_X (which bpf_asm has no name for). */
export const KNOWN_ANCILLARY: ReadonlySet<number> = new Set([...ANCILLARY.map(([, ad]) => ad), SKF_AD_ALU_XOR_X]);

/** Whether `k` (u32) of an LD|ABS is an ancillary load the kernel knows. */
export const isKnownAncillary = (k: number): boolean => {
  const ad = (k | 0) - SKF_AD_OFF;
  return (k | 0) >= SKF_AD_OFF && KNOWN_ANCILLARY.has(ad);
};

// ---- composed codes used by name ----
export const LD_W_ABS = C_LD | S_W | M_ABS; // 0x20
export const LD_H_ABS = C_LD | S_H | M_ABS; // 0x28
export const LD_B_ABS = C_LD | S_B | M_ABS; // 0x30
export const LD_W_IND = C_LD | S_W | M_IND; // 0x40
export const LD_H_IND = C_LD | S_H | M_IND; // 0x48
export const LD_B_IND = C_LD | S_B | M_IND; // 0x50
export const LD_W_LEN = C_LD | S_W | M_LEN; // 0x80
export const LD_IMM = C_LD | M_IMM; // 0x00
export const LD_MEM = C_LD | M_MEM; // 0x60
export const LDX_W_LEN = C_LDX | S_W | M_LEN; // 0x81
export const LDX_B_MSH = C_LDX | S_B | M_MSH; // 0xb1
export const LDX_IMM = C_LDX | M_IMM; // 0x01
export const LDX_MEM = C_LDX | M_MEM; // 0x61
export const LDX_W_ABS = C_LDX | S_W | M_ABS; // 0x21 (seccomp only; the socket checker refuses it)
export const ST = C_ST; // 0x02
export const STX = C_STX; // 0x03
export const TAX = C_MISC | MISC_TAX; // 0x07
export const TXA = C_MISC | MISC_TXA; // 0x87
export const RET_K = C_RET | RVAL_K; // 0x06
export const RET_X = C_RET | RVAL_X; // 0x0e (bpf_asm writes it; the kernel refuses it)
export const RET_A = C_RET | RVAL_A; // 0x16
export const JA = C_JMP | J_JA; // 0x05
export const ALU_NEG = C_ALU | A_NEG; // 0x84

/** The binary ALU operations, in bpf_asm mnemonic order. */
export const ALU_OPS: ReadonlyArray<readonly [name: string, op: number]> = [
  ["add", A_ADD],
  ["sub", A_SUB],
  ["mul", A_MUL],
  ["div", A_DIV],
  ["mod", A_MOD],
  ["and", A_AND],
  ["or", A_OR],
  ["xor", A_XOR],
  ["lsh", A_LSH],
  ["rsh", A_RSH],
];

/** The conditional jumps. */
export const COND_JUMPS: ReadonlyArray<readonly [name: string, op: number]> = [
  ["jeq", J_JEQ],
  ["jgt", J_JGT],
  ["jge", J_JGE],
  ["jset", J_JSET],
];

const COND_CODES: ReadonlySet<number> = new Set(COND_JUMPS.flatMap(([, o]) => [C_JMP | o | SRC_K, C_JMP | o | SRC_X]));

/** Whether `code` is a conditional jump the kernel allows (JEQ/JGT/JGE/JSET with K or X). */
export const isCondJump = (code: number): boolean => COND_CODES.has(code);
