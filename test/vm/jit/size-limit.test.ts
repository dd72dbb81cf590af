// The JIT's size limits: a program above JIT_MAX_INSNS runs on the interpreter behind the same
// JitEngine interface, with a note that says so (and the CLI prints it); a program with more
// blocks than MAX_STRUCTURED_BLOCKS uses the dispatcher instead of the pairwise scope nesting,
// whose cost grows with the square of the block count.
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import { decode } from "../../../src/vm/isa.js";
import { MAX_STRUCTURED_BLOCKS, generate } from "../../../src/vm/jit/codegen.js";
import { JIT_MAX_INSNS, compileJit, trustedJit } from "../../../src/vm/jit/jit.js";
import { NO_FACTS } from "../../../src/vm/jit/facts.js";
import { AddressSpace } from "../../../src/vm/memory.js";

/** `n` slots: r0 counts the adds; every 8th slot is a forward branch that is never taken. */
function program(n: number): string {
  const lines = ["mov %r0, 0"];
  for (let i = 1; i < n - 1; i++) lines.push(i % 8 === 0 && i + 2 < n - 1 ? "jeq %r0, -1, +1" : "add %r0, 1");
  lines.push("exit");
  return lines.join("\n");
}

const insnsOf = (n: number) => decode(assemble(program(n)));
const options = () => ({ mem: new AddressSpace(), helpers: new Map(), budget: 10 * JIT_MAX_INSNS });

describe("JIT size limit", () => {
  it(`compiles a program of ${JIT_MAX_INSNS} instructions`, () => {
    const e = compileJit(insnsOf(JIT_MAX_INSNS), options());
    expect([e.control, e.note, e.source.length > 0]).toEqual(["dispatch", undefined, true]);
    expect(e.run(0, 0, 0)).toBe(new Interpreter(insnsOf(JIT_MAX_INSNS), options()).run(0, 0, 0));
  });

  it(`hands a program of ${JIT_MAX_INSNS + 1} instructions to the interpreter, with a note, in both modes`, () => {
    const insns = insnsOf(JIT_MAX_INSNS + 1);
    const ref = new Interpreter(insns, options());
    const want = [ref.run(0, 0, 0), ref.r0hi, ref.executed, ref.registers()];
    for (const e of [
      compileJit(insns, options()),
      trustedJit(NO_FACTS)(insns, options()) as ReturnType<typeof compileJit>,
    ]) {
      expect([e.control, e.source, e.note]).toEqual([
        "interpreter",
        "",
        `program of ${JIT_MAX_INSNS + 1} instructions is above the JIT's limit of ${JIT_MAX_INSNS}; it runs on the interpreter`,
      ]);
      expect([e.run(0, 0, 0), e.r0hi, e.executed, e.registers()]).toEqual(want);
    }
  });

  it("the interpreter fallback keeps the budget and its trap", () => {
    const e = compileJit(insnsOf(JIT_MAX_INSNS + 1), { ...options(), budget: 100 });
    expect(() => e.run(0, 0, 0)).toThrow("instruction budget of 100 exhausted");
    expect(e.executed).toBe(100);
  });

  it("baton run prints the note", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "baton-jit-")), "big.s");
    writeFileSync(file, program(JIT_MAX_INSNS + 1));
    let out = "";
    let err = "";
    const code = await main(["run", file, "--engine", "jit", "--budget", String(10 * JIT_MAX_INSNS)], {
      out: (t) => (out += `${t}\n`),
      err: (t) => (err += `${t}\n`),
    });
    expect(code).toBe(0);
    expect(err).toBe(
      `note: program of ${JIT_MAX_INSNS + 1} instructions is above the JIT's limit of ${JIT_MAX_INSNS}; it runs on the interpreter\n`,
    );
    expect(out).toContain(`executed ${JIT_MAX_INSNS + 1} instructions`);
  });
});

describe("JIT control-flow layout by block count", () => {
  const gen = (n: number) =>
    generate(insnsOf(n), {
      trusted: false,
      facts: NO_FACTS,
      budget: 1000,
      unwindHelper: undefined,
      helperSlot: () => undefined,
      helperWrites: () => true,
      exposeRegisters: false,
    });
  it(`nests scopes up to ${MAX_STRUCTURED_BLOCKS} blocks, dispatches beyond`, () => {
    // Each branch ends a block and starts another after it: blocks = 1 + 2 per branch.
    const small = gen(8 * ((MAX_STRUCTURED_BLOCKS - 1) >> 1) - 8);
    const large = gen(8 * (MAX_STRUCTURED_BLOCKS >> 1) + 16);
    expect([small.control, large.control]).toEqual(["structured", "dispatch"]);
  });
});
