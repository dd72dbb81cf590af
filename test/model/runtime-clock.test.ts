// The VM-backed program reads time from the model when a helper asks (the hook pushes no time
// per run): runArgs sees the stack's clock as it is at each call; run(input) sees input.nowNs
// for that run only.
import { describe, expect, it } from "vitest";
import { ModelMaps } from "../../src/model/model-maps.js";
import { Netns } from "../../src/model/netns.js";
import { runtimeProgram } from "../../src/model/runtime-adapter.js";
import { TcpStack } from "../../src/model/stack.js";
import { assemble } from "../../src/vm/asm/assembler.js";
import { engineByName } from "../../src/vm/engines.js";
import { decode } from "../../src/vm/isa.js";
import { StaticSocket, TCP_LISTEN } from "../../src/vm/socket.js";

describe("the hook's clock follows the model", () => {
  it.each(["interp", "jit"])("ktime_get_ns through runArgs and run (%s)", (engine) => {
    const st = new TcpStack(new Netns());
    // r0 = ktime_get_ns(); the run's return value is its low 32 bits.
    const prog = runtimeProgram(
      { name: "clock", insns: decode(assemble("call 5\nexit")), maps: [], attachType: 40 },
      engineByName(engine),
      1,
      new ModelMaps([], st),
    );
    const sk = new StaticSocket(1n, TCP_LISTEN);
    const seen = (): number => prog.runArgs!(sk, null, 0, 0, false).ret;
    st.now = 1234; // µs
    expect(seen()).toBe(1_234_000);
    st.now = 5_000_000;
    expect(seen()).toBe(5_000_000_000 % 2 ** 32);
    expect(prog.run({ sk, migratingSk: null, hash: 0, len: 0, bindInany: false, groupId: 1, nowNs: 77 }).ret).toBe(77);
    expect(seen()).toBe(5_000_000_000 % 2 ** 32); // the input's time held for that run only
  });
});
