/**
 * Small sk_reuseport programs that call one helper each, built from the helper's prototype in
 * src/vm/program-type.ts: a plausible call and variants that break one argument rule (zero
 * arguments, uninitialized buffers, a packet pointer, a misaligned result pointer, a callback).
 * helper-probe.ts loads them in the kernel and records its verdicts in helper-probe.json;
 * helper-set.test.ts checks that Baton's verifier reaches the same verdicts.
 */
import type { MapSpec } from "../../src/vm/map-spec.js";
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
  type ArgType,
  type HelperProto,
} from "../../src/vm/program-type.js";

export interface HelperProgram {
  /** `<helper>/<variant>`. */
  readonly name: string;
  readonly helper: number;
  readonly variant: string;
  readonly source: string;
  readonly maps: readonly MapSpec[];
}

const BPF_F_RDONLY_PROG = 0x80;
/**
 * fd 1: a hash map (key 4, value 8); fd 2: a reuseport sockarray; fd 3: a program-read-only
 * array (direct value pointers for strings, locks, timers); fd 4: a writable array.
 */
export const HELPER_PROBE_MAPS: readonly MapSpec[] = [
  { fd: 1, type: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 16 },
  { fd: 2, type: BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, keySize: 4, valueSize: 8, maxEntries: 4 },
  { fd: 3, type: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 16, maxEntries: 1, flags: BPF_F_RDONLY_PROG },
  { fd: 4, type: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 16, maxEntries: 1 },
];

/** Stack layout of the argument blocks (all inside the 64 zeroed bytes below r10). */
const KEY = -16;
const VALUE = -24;
const LONG_OUT = -8;
const BUF = -64; // 16 bytes
const DYNPTR = -48; // 16 bytes

interface Build {
  readonly zeroStack: boolean;
  /** Pass a bounds-checked packet pointer as the first memory argument. */
  readonly pkt: boolean;
  readonly longOutAt: number;
}

const PLAIN: Build = { zeroStack: true, pkt: false, longOutAt: LONG_OUT };

function argLines(proto: HelperProto, b: Build): string[] | undefined {
  const out: string[] = [];
  const args = proto.args;
  let pktUsed = false;
  const stackPtr = (reg: number, off: number): void => {
    out.push(`mov %r${reg}, %r10`, `add %r${reg}, ${off}`);
  };
  for (let i = 0; i < args.length; i++) {
    const reg = i + 1;
    const kind: ArgType = args[i]!;
    const memLike =
      kind === "map_key" ||
      kind === "map_value" ||
      kind === "mem" ||
      kind === "mem_or_null" ||
      kind === "mem_write" ||
      kind === "mem_write_or_null" ||
      kind === "uninit_mem";
    if (b.pkt && memLike && !pktUsed) {
      pktUsed = true;
      out.push(`mov %r${reg}, %r7`);
      continue;
    }
    switch (kind) {
      case "ctx":
        out.push(`mov %r${reg}, %r6`);
        break;
      case "const_map_ptr":
        out.push(
          `lddw %r${reg}, map_fd(${proto.mapTypes?.includes(BPF_MAP_TYPE_REUSEPORT_SOCKARRAY) === true ? 2 : 1})`,
        );
        break;
      case "map_key":
        stackPtr(reg, KEY);
        break;
      case "map_value":
      case "map_value_uninit":
      case "map_value_or_null":
        stackPtr(reg, VALUE);
        break;
      case "mem":
      case "mem_or_null":
      case "mem_write":
      case "mem_write_or_null":
      case "uninit_mem":
        stackPtr(reg, BUF);
        break;
      case "const_size":
      case "const_size_or_zero":
        out.push(`mov %r${reg}, 16`);
        break;
      case "const_alloc_size_or_zero":
        out.push(`mov %r${reg}, 8`);
        break;
      case "long_out":
        stackPtr(reg, b.longOutAt);
        break;
      case "const_str":
      case "spin_lock":
      case "timer":
      case "kptr_dest":
        out.push(`lddw %r${reg}, map_value(3, 0)`);
        break;
      case "dynptr":
      case "dynptr_uninit":
      case "dynptr_release":
        stackPtr(reg, DYNPTR);
        break;
      case "sock_common":
        out.push(`ldxdw %r${reg}, [%r6+40]`);
        break;
      case "btf_id":
      case "btf_id_or_null":
      case "btf_id_release":
      case "percpu_btf_id":
      case "ringbuf_mem_release":
        out.push(`mov %r${reg}, %r6`); // no register Baton or a BTF-less program has fits
        break;
      case "func":
      case "stack_or_null":
      case "anything":
        out.push(`mov %r${reg}, 0`);
        break;
    }
  }
  if (b.pkt && !pktUsed) return undefined;
  return out;
}

function program(proto: HelperProto, b: Build): string | undefined {
  const args = argLines(proto, b);
  if (args === undefined) return undefined;
  const lines = ["mov %r6, %r1"];
  if (b.zeroStack) for (let off = -8; off >= -64; off -= 8) lines.push(`stdw [%r10${off}], 0`);
  if (b.pkt) lines.push("ldxdw %r7, [%r6+0]", "ldxdw %r8, [%r6+8]", "mov %r9, %r7", "add %r9, 16", "jgt %r9, %r8, out");
  lines.push(...args, `call ${proto.id}`);
  if (b.pkt) lines.push("out:");
  lines.push("mov %r0, 1", "exit");
  return lines.join("\n") + "\n";
}

/** The programs for one helper; `proto` undefined gives only the zero-argument call. */
export function helperPrograms(id: number, name: string, proto: HelperProto | undefined): HelperProgram[] {
  const out: HelperProgram[] = [];
  const add = (variant: string, source: string | undefined): void => {
    if (source !== undefined)
      out.push({ name: `${name}/${variant}`, helper: id, variant, source, maps: HELPER_PROBE_MAPS });
  };
  add("zero-args", "mov %r2, 0\nmov %r3, 0\nmov %r4, 0\nmov %r5, 0\ncall " + String(id) + "\nmov %r0, 1\nexit\n");
  if (proto === undefined) return out;
  add("call", program(proto, PLAIN));
  const usesStack = proto.args.some((a) =>
    [
      "map_key",
      "map_value",
      "mem",
      "mem_or_null",
      "mem_write",
      "mem_write_or_null",
      "uninit_mem",
      "long_out",
      "map_value_uninit",
    ].includes(a),
  );
  if (usesStack) add("uninit-stack", program(proto, { ...PLAIN, zeroStack: false }));
  add("pkt-arg", program(proto, { ...PLAIN, pkt: true }));
  if (proto.args.includes("uninit_mem") || proto.args.includes("long_out")) {
    // The helper's output buffer in a map value that programs may only read.
    const src = program(proto, PLAIN);
    const kind = proto.args.includes("long_out") ? "long_out" : "uninit_mem";
    const reg = proto.args.indexOf(kind) + 1;
    const off = kind === "long_out" ? LONG_OUT : BUF;
    add("rdonly-map-out", src?.replace(`mov %r${reg}, %r10\nadd %r${reg}, ${off}`, `lddw %r${reg}, map_value(3, 0)`));
  }
  if (proto.args.includes("sock_common")) {
    // migrating_sk without a NULL test (PTR_TO_SOCK_COMMON_OR_NULL), and sk moved off its start.
    add("maybe-null-sock", program(proto, PLAIN)?.replace("[%r6+40]", "[%r6+48]"));
    const reg = proto.args.indexOf("sock_common") + 1;
    add(
      "sock-plus-8",
      program(proto, PLAIN)?.replace(`ldxdw %r${reg}, [%r6+40]`, `ldxdw %r${reg}, [%r6+40]\nadd %r${reg}, 8`),
    );
  }
  if (proto.args.includes("long_out")) {
    const reg = proto.args.indexOf("long_out") + 1;
    add(
      "misaligned-map-out",
      program(proto, PLAIN)?.replace(`mov %r${reg}, %r10\nadd %r${reg}, ${LONG_OUT}`, `lddw %r${reg}, map_value(4, 4)`),
    );
  }
  const u = proto.args.indexOf("uninit_mem");
  if (u >= 0 && (proto.args[u + 1] === "const_size" || proto.args[u + 1] === "const_size_or_zero")) {
    // A size known only to lie in [1, 16] (ctx->len & 15 | 1) into uninitialized stack.
    add(
      "var-size-uninit",
      program(proto, { ...PLAIN, zeroStack: false })?.replace(
        `mov %r${u + 2}, 16`,
        `ldxw %r${u + 2}, [%r6+16]\nand %r${u + 2}, 15\nor %r${u + 2}, 1`,
      ),
    );
  }
  if (proto.args.includes("long_out")) add("misaligned-out", program(proto, { ...PLAIN, longOutAt: -12 }));
  if (proto.args.includes("mem_or_null") || proto.args.includes("mem_write_or_null")) {
    const src = program(proto, PLAIN);
    // NULL buffers: every PTR_MAYBE_NULL memory argument 0 with its size 0 (bpf_snprintf(NULL, 0, ...)).
    if (src !== undefined) add("null-mem", nullMem(proto, src));
  }
  if (proto.args[0] === "uninit_mem" && proto.args.includes("dynptr_uninit")) {
    // bpf_dynptr_from_mem takes its data only from a map value.
    add(
      "map-value-data",
      program(proto, PLAIN)?.replace(`mov %r1, %r10\nadd %r1, ${BUF}`, "lddw %r1, map_value(4, 0)"),
    );
  }
  if (id === 8) {
    // do_refine_retval_range: the CPU id is below nr_cpu_ids (2 on the recording machine).
    add(
      "ret-cpu-shifted",
      "call 8\nlddw %r1, map_value(4, 0)\nrsh %r0, 13\nadd %r1, %r0\nldxb %r0, [%r1+0]\nmov %r0, 1\nexit\n",
    );
    add(
      "ret-cpu-index",
      "call 8\nlddw %r1, map_value(4, 0)\nlsh %r0, 3\nadd %r1, %r0\nldxdw %r0, [%r1+0]\nmov %r0, 1\nexit\n",
    );
  }
  if (id === 114 || id === 115) {
    // do_refine_retval_range: a string copy returns at most its size, at least -MAX_ERRNO; a
    // path the bound makes dead may read an uninitialized r9.
    const call = `mov %r1, %r10\nadd %r1, -16\nmov %r2, 8\nmov %r3, 0\ncall ${id}\n`;
    add("ret-le-size", `${call}jsgt %r0, 8, bad\nmov %r0, 1\nexit\nbad:\nldxdw %r0, [%r9+0]\nexit\n`);
    add("ret-size-reached", `${call}jsgt %r0, 7, bad\nmov %r0, 1\nexit\nbad:\nldxdw %r0, [%r9+0]\nexit\n`);
    add("ret-ge-minus-max-errno", `${call}jsge %r0, -4095, ok\nldxdw %r0, [%r9+0]\nok:\nmov %r0, 1\nexit\n`);
  }
  if (proto.args.includes("func")) {
    const f = proto.args.indexOf("func") + 1;
    const pre = (program(proto, PLAIN) ?? "").split("\n");
    // r<f> = &callback (lddw src=4: imm is the callback's offset from the next instruction).
    const at = pre.findIndex((l) => l === `mov %r${f}, 0`);
    pre[at] = `lddw %r${f}, pseudo(4, CB, 0)`;
    const body = pre.filter((l) => l !== "").concat(["cb:", "mov %r0, 0", "exit"]);
    add("callback", fixCallback(body));
  }
  return out;
}

function nullMem(proto: HelperProto, src: string): string {
  const lines = src.split("\n");
  const idx = lines.findIndex((l) => l.startsWith("call "));
  const extra: string[] = [];
  proto.args.forEach((a, i) => {
    if (a === "mem_or_null" || a === "mem_write_or_null") extra.push(`mov %r${i + 1}, 0`, `mov %r${i + 2}, 0`);
  });
  lines.splice(idx, 0, ...extra);
  return lines.join("\n");
}

/** Resolve the `CB` placeholder: slots from the instruction after the lddw to `cb:`. */
function fixCallback(lines: string[]): string {
  let slot = 0;
  let lddwNext = -1;
  let cb = -1;
  for (const l of lines) {
    if (l === "cb:") {
      cb = slot;
      continue;
    }
    if (l.endsWith(":")) continue;
    slot += l.startsWith("lddw") ? 2 : 1;
    if (l.includes("pseudo(4, CB")) lddwNext = slot;
  }
  // The kernel's target is the lddw's own index + imm + 1 (check_ld_imm, find_subprog).
  return lines.map((l) => l.replace("CB", String(cb - (lddwNext - 2) - 1))).join("\n") + "\n";
}
