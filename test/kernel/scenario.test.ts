// The kernel scenario format: line script ⇄ structured steps, and the bounds checked before a run.
import { describe, expect, it } from "vitest";
import { ModelError, ParseError, formatError } from "../../src/errors.js";
import { parseScript, renderScript, validateScenario, type KernelScenario } from "../../src/kernel/scenario.js";

const script = `# every step once
sysctl net.ipv4.tcp_migrate_req 1
listen 0 backlog 8 defer 5 fastopen 16
listen 1
connect 20 data wait 500
connect 2 fastopen
send 0 3
send all
queues
map 2 1 4 8 16
sockarray 1 4
slot 1 0 1
attach 1 40 b7000000010000009500000000000000
detach 1
hashes 0
shutdown 1
close 0
sleep 250
accept
`;

describe("kernel scenario script", () => {
  it("parses every step form and renders it back to the same lines", () => {
    const s = parseScript(script, "t.txt");
    expect(s.steps).toEqual([
      { op: "sysctl", name: "net.ipv4.tcp_migrate_req", value: 1 },
      { op: "listen", listener: 0, backlog: 8, deferAcceptSec: 5, fastOpenQlen: 16 },
      { op: "listen", listener: 1 },
      { op: "connect", count: 20, data: true, waitMs: 500 },
      { op: "connect", count: 2, fastOpen: true },
      { op: "send", clients: [0, 3] },
      { op: "send" },
      { op: "queues" },
      { op: "map", map: 2, type: 1, keySize: 4, valueSize: 8, maxEntries: 16, flags: 0 },
      { op: "sockarray", map: 1, maxEntries: 4 },
      { op: "slot", map: 1, key: 0, listener: 1 },
      { op: "attach", listener: 1, attachType: 40, program: "b7000000010000009500000000000000" },
      { op: "detach", listener: 1 },
      { op: "hashes", listener: 0 },
      { op: "shutdown", listener: 1 },
      { op: "close", listener: 0 },
      { op: "sleep", ms: 250 },
      { op: "accept" },
    ]);
    expect(() => validateScenario(s)).not.toThrow();
    const body = script.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(renderScript(s)).toBe(body.map((l) => l.replace("map 2 1 4 8 16", "map 2 1 4 8 16 0")).join("\n") + "\n");
  });

  it("renders program bytes as lowercase hex", () => {
    expect(
      renderScript({
        steps: [{ op: "attach", listener: 0, attachType: 40, program: new Uint8Array([0xb7, 0, 0, 0, 1, 0, 0, 0]) }],
      }),
    ).toBe("attach 0 40 b700000001000000\n");
  });

  const parseErrors: [string, string, string][] = [
    ["listen x", "t.txt:1:8: error: expected a listener number (an integer), got 'x'", "listen x\n       ^"],
    [
      "connect 3 slowly",
      "t.txt:1:11: error: unknown connect option 'slowly', expected one of data, fastopen, wait",
      "connect 3 slowly\n          ^^^^^^",
    ],
    [
      "\n  bind 0",
      "t.txt:2:3: error: unknown step 'bind', expected listen, connect, send, close, shutdown, sysctl, sockarray, map, slot, attach, detach, hashes, sleep, accept, queues or family",
      "  bind 0\n  ^^^^",
    ],
    ["slot 1 0", "t.txt:1:9: error: 'slot' expects a listener number here, got end of line", "slot 1 0\n        ^"],
  ];
  it.each(parseErrors)("rejects %j with a located message", (text, head, caret) => {
    let err: unknown;
    try {
      parseScript(text, "t.txt");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParseError);
    expect(formatError(err as ParseError, text)).toBe(`${head}\n${caret}`);
  });

  const bounds: [string, KernelScenario, string][] = [
    [
      "too many clients",
      {
        steps: [
          { op: "connect", count: 60 },
          { op: "connect", count: 41 },
        ],
      },
      "step 1 (connect): at most 100 clients in a scenario, this step brings it to 101",
    ],
    [
      "a long sleep",
      { steps: [{ op: "sleep", ms: 5000 }] },
      "step 0 (sleep): ms must be an integer from 0 to 3000, got 5000",
    ],
    [
      "too much waiting",
      { steps: Array.from({ length: 7 }, () => ({ op: "sleep", ms: 3000 }) as const) },
      "step 6 (sleep): waiting (sleeps + connect waits) totals 21000 ms, above the 20000 ms bound",
    ],
    [
      "listener 16",
      { steps: [{ op: "listen", listener: 16 }] },
      "step 0 (listen): listener must be an integer from 0 to 15, got 16",
    ],
    [
      "a host sysctl path",
      { steps: [{ op: "sysctl", name: "kernel.panic", value: 1 }] },
      "step 0 (sysctl): name must look like net.ipv4.tcp_migrate_req, got 'kernel.panic'",
    ],
    [
      "send to a client not yet connected",
      {
        steps: [
          { op: "connect", count: 2 },
          { op: "send", clients: [2] },
        ],
      },
      "step 1 (send): client must be an integer from 0 to 1, got 2",
    ],
    [
      "a ragged program",
      { steps: [{ op: "attach", listener: 0, attachType: 40, program: "b700" }] },
      "step 0 (attach): program must be a non-empty multiple of 8 bytes (hex), got 2 bytes",
    ],
  ];
  it.each(bounds)("refuses %s before running", (_name, scenario, message) => {
    expect(() => validateScenario(scenario)).toThrow(new ModelError("kernel.scenario", message));
  });
});
