// Kernel step script → socket-model scenario (timed events), without running either.
import { describe, expect, it } from "vitest";
import { ModelError } from "../../src/errors.js";
import { KERNEL_BUILTINS } from "../../src/kernel/programs.js";
import { parseScript } from "../../src/kernel/scenario.js";
import { toModelScenario } from "../../src/kernel/to-model.js";

const PASS = Buffer.from(KERNEL_BUILTINS.pass.program).toString("hex");

describe("toModelScenario", () => {
  it("maps steps to listeners, client groups and timed events (1 ms per step; sleep adds its own time)", () => {
    const ks = parseScript(
      `sysctl net.ipv4.tcp_migrate_req 1\nlisten 0 defer 5\nlisten 1 backlog 8\nconnect 3\nattach 0 40 ${PASS}\nsleep 100\nshutdown 0\nsend\nlisten 0\naccept`,
    );
    const sc = toModelScenario(ks, { name: "t", hashes: [7, 8, 9] });
    expect(sc.sysctls).toEqual({ tcp_migrate_req: 1 });
    expect(sc.listeners.map((l) => [l.name, l.bind, l.backlog, l.listenAt, l.deferAcceptSec, l.acceptRate])).toEqual([
      ["L0", "127.0.0.1", 128, 1, 5, 0],
      ["L1", "127.0.0.1", 8, 2, 0, 0],
    ]);
    // connect completes with a bare ACK at once; `send` is the data segment at its own time.
    expect(
      sc.clients.map((c) => [c.name, c.startMs, c.count, c.ackDelayMs, c.dataAtMs, c.dataBytes, c.hashes]),
    ).toEqual([["c0", 3, 3, 0, 106, 12, [7, 8, 9]]]);
    expect(sc.events).toEqual([
      { at: 4, do: "attach", via: "L0", policy: "builtin:pass" },
      { at: 105, do: "shutdown", listener: "L0", how: "rdwr" },
      { at: 107, do: "listen", listener: "L0", backlog: 128 },
      { at: 108, do: "accept-rate", listener: "L0", rate: null },
      { at: 108.5, do: "accept-rate", listener: "L0", rate: 0 },
      { at: 108, do: "accept-rate", listener: "L1", rate: null },
      { at: 108.5, do: "accept-rate", listener: "L1", rate: 0 },
    ]);
    expect(sc.durationMs).toBe(110);
  });

  const unsupported: [string, string][] = [
    [
      "attach 0 40 b700000002000000" + "9500000000000000",
      "step 0 (attach): the program has no model equivalent; expected one of KERNEL_BUILTINS (pass, drop-migration, select-only)",
    ],
    [
      "sysctl net.unix.max_dgram_qlen 5",
      "step 0 (sysctl): only net.ipv4.* and net.core.* sysctls have model equivalents, got net.unix.max_dgram_qlen",
    ],
    [
      "listen 0\nconnect 4\nsend 1",
      "step 2 (send): sending to part of client group c0 has no model equivalent (send to every client of a connect step)",
    ],
    ["listen 0\nclose 0\nclose 0", "step 2 (close): listener 0 is not listening"],
  ];
  it.each(unsupported)("refuses %j", (script, message) => {
    expect(() => toModelScenario(parseScript(script))).toThrow(new ModelError("kernel.to-model", message));
  });
});
