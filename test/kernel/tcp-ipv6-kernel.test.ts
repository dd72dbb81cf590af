// The model-vs-kernel comparison of model-vs-kernel.test.ts over IPv6 and dual-stack listener
// groups: the harness's `family 6` (listeners and clients on ::1) and `family dual` (AF_INET6
// listeners on :: without IPV6_V6ONLY, IPv4 clients). The kernel's recorded hashes are replayed
// in the model; every connection's fate and listener and the migration counters must agree.
import { describe, expect, it } from "vitest";
import { kernelNamespaceAvailability } from "../../src/kernel/harness.js";
import { KERNEL_BUILTINS } from "../../src/kernel/programs.js";
import { parseScript, renderScript, validateScenario } from "../../src/kernel/scenario.js";
import { toModelScenario } from "../../src/kernel/to-model.js";
import { compareWithModel } from "./model-diff.js";

const avail = kernelNamespaceAvailability();
const skip = !avail.available;

const DROP = Buffer.from(KERNEL_BUILTINS["drop-migration"].program).toString("hex");
const FOUR = "listen 0\nlisten 1\nlisten 2\nlisten 3\n";

// With an IPv4 connection on a dual-stack listener the kernel's request and child hash
// differently from the SYN (the model derives another hash; only the SYN's is recorded), so
// the dual-stack scripts give every migration a single possible target.
const scripts: [string, string][] = [
  [
    "hash pick, two closes, migrate_req=1",
    `sysctl net.ipv4.tcp_migrate_req 1\n${FOUR}hashes 0\nconnect 40\nclose 0\nclose 1\naccept`,
  ],
  ["close with migrate_req=0 resets", `${FOUR}hashes 0\nconnect 20\nclose 0\naccept`],
  ["drop-migration program", `${FOUR}hashes 0\nconnect 20\nattach 0 40 ${DROP}\nclose 0\naccept`],
  [
    "deferred requests, final ACK",
    `sysctl net.ipv4.tcp_migrate_req 1\nlisten 0 defer 5\nhashes 0\nconnect 10 wait 500\nlisten 1 defer 5\nclose 0\nsend\nsleep 300\naccept`,
  ],
];
const dualScripts: [string, string][] = [
  [
    "close, one target, migrate_req=1",
    `sysctl net.ipv4.tcp_migrate_req 1\nlisten 0\nlisten 1\nhashes 0\nconnect 30\nclose 0\naccept`,
  ],
  ...scripts.slice(1),
];
const cases = [
  ...scripts.map(([name, s]): [string, string] => [`family 6: ${name}`, `family 6\n${s}`]),
  ...dualScripts.map(([name, s]): [string, string] => [`family dual: ${name}`, `family dual\n${s}`]),
];

describe(`IPv6 and dual-stack TCP groups: model vs kernel${skip ? ` (skipped: ${avail.reason})` : ""}`, () => {
  it.skipIf(skip).each(cases)("%s", async (_name, script) => {
    const c = await compareWithModel(parseScript(script, "case"));
    expect(c.compared).toBe(true);
    expect(c.differences).toEqual([]);
  });
});

describe("the family step", () => {
  it("parses, renders and reaches the model's listeners and clients", () => {
    const ks = parseScript("family dual\nlisten 0\nconnect 2\naccept", "s");
    expect(ks.steps[0]).toEqual({ op: "family", family: "dual" });
    expect(renderScript(ks)).toBe("family dual\nlisten 0\nconnect 2\naccept\n");
    const sc = toModelScenario(ks);
    expect(sc.listeners[0]).toMatchObject({ bind: "::", v6only: false });
    expect(sc.clients[0]).toMatchObject({ src: "127.0.0.1", dst: "127.0.0.1" });
    const six = toModelScenario(parseScript("family 6\nlisten 0\nconnect 1", "s"));
    expect([six.listeners[0]!.bind, six.clients[0]!.src, six.clients[0]!.dst]).toEqual(["::1", "::1", "::1"]);
  });

  it("is refused after a socket exists, or with an unknown family, with a location", () => {
    expect(() => parseScript("listen 0\nfamily 7", "s.txt")).toThrow(/'family' expects one of 4, 6, dual, got '7'/);
    expect(() => validateScenario(parseScript("listen 0\nfamily 6", "s"))).toThrow(
      /step 1 \(family\): family must come before any listen or connect/,
    );
  });
});
