import { describe, expect, it } from "vitest";
import { ModelMaps } from "../../src/model/model-maps.js";
import { Netns } from "../../src/model/netns.js";
import { runtimeProgram } from "../../src/model/runtime-adapter.js";
import { TcpStack } from "../../src/model/stack.js";
import { assemble } from "../../src/vm/asm/assembler.js";
import { engineByName } from "../../src/vm/engines.js";
import { decode } from "../../src/vm/isa.js";
import { StaticSocket, TCP_CLOSE, TCP_ESTABLISHED } from "../../src/vm/socket.js";

// Drops a migration when key 0 of map fd 1 holds 7, as a C policy reading a .rodata knob would.
const PROGRAM = `
  stw [%r10-4], 0
  mov %r2, %r10
  add %r2, -4
  lddw %r1, map_fd(1)
  call 1
  jeq %r0, 0, pass
  ldxw %r1, [%r0]
  jne %r1, 7, pass
  mov %r0, 0
  exit
pass:
  mov %r0, 1
  exit
`;

describe("policies with initial map contents (ELF global data)", () => {
  const policy = (initial?: Uint8Array) => ({
    name: "knob",
    insns: decode(assemble(PROGRAM)),
    maps: [{ fd: 1, name: ".rodata", type: 2, keySize: 4, valueSize: 4, maxEntries: 1 }],
    attachType: 40,
    ...(initial !== undefined ? { initialValues: [{ fd: 1, value: initial }] } : {}),
  });
  const input = {
    sk: new StaticSocket(9n, TCP_CLOSE),
    migratingSk: new StaticSocket(10n, TCP_ESTABLISHED, null),
    hash: 1,
    len: 0,
    bindInany: false,
    groupId: 1,
    nowNs: 0,
  };

  it.each(["interp", "jit"])("seeds key 0 before the first run (%s)", (engine) => {
    const maps = () => new ModelMaps([], new TcpStack(new Netns()));
    expect(runtimeProgram(policy(Uint8Array.of(7, 0, 0, 0)), engineByName(engine), 1, maps()).run(input).ret).toBe(0);
    expect(runtimeProgram(policy(), engineByName(engine), 1, maps()).run(input).ret).toBe(1);
  });
});
