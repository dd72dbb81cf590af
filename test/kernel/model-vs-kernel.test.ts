// Differential: the same scenario on the machine's kernel and in the socket model (src/model),
// with the kernel's recorded connection hashes replayed in the model, must agree on every
// connection's fate and listener and on the migration counters. Scripts avoid timing races
// (no assertion depends on whether a SYN-ACK timer or an ACK came first).
import { describe, expect, it } from "vitest";
import { kernelNamespaceAvailability } from "../../src/kernel/harness.js";
import { KERNEL_BUILTINS } from "../../src/kernel/programs.js";
import { parseScript } from "../../src/kernel/scenario.js";
import { compareWithModel } from "./model-diff.js";

const avail = kernelNamespaceAvailability();
if (!avail.available) console.warn(`model-vs-kernel tests skipped: ${avail.reason}`);
const skip = !avail.available;

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const DROP = hex(KERNEL_BUILTINS["drop-migration"].program);
const PASS = hex(KERNEL_BUILTINS.pass.program);
const FOUR = "listen 0\nlisten 1\nlisten 2\nlisten 3\n";

const cases: [string, string][] = [
  [
    "hash pick, two closes, migrate_req=1 (R11, R4b, R12)",
    `sysctl net.ipv4.tcp_migrate_req 1\n${FOUR}hashes 0\nconnect 40\nclose 0\nclose 1\naccept`,
  ],
  ["close with migrate_req=0 resets (R4, R12 step 1)", `${FOUR}hashes 0\nconnect 20\nclose 0\naccept`],
  ["shutdown with migrate_req=1", `sysctl net.ipv4.tcp_migrate_req 1\n${FOUR}hashes 0\nconnect 20\nshutdown 2\naccept`],
  ["drop-migration program (R12 step 6)", `${FOUR}hashes 0\nconnect 20\nattach 0 40 ${DROP}\nclose 0\naccept`],
  [
    "pass program with migrate_req=0 (R12 step 6)",
    `listen 0\nlisten 1\nlisten 2\nhashes 0\nconnect 20\nattach 0 40 ${PASS}\nclose 0\naccept`,
  ],
  [
    "no backlog check at close (R14)",
    `sysctl net.ipv4.tcp_migrate_req 1\nlisten 0\nhashes 0\nconnect 6\nlisten 1 backlog 1\nclose 0\naccept`,
  ],
  [
    "deferred requests, final ACK (R16)",
    `sysctl net.ipv4.tcp_migrate_req 1\nlisten 0 defer 5\nhashes 0\nconnect 10 wait 500\nlisten 1 defer 5\nclose 0\nsend\nsleep 300\naccept`,
  ],
  // Bare ACKs held by TCP_DEFER_ACCEPT; the closed listener's requests migrate at their SYN-ACK
  // timer (~1 s, R15) to a listener without it, whose resent SYN-ACK draws a bare ACK that
  // completes them there, long before the data.
  [
    "deferred requests, SYN-ACK timer to a listener without defer-accept (R15)",
    `sysctl net.ipv4.tcp_migrate_req 1\nlisten 0 defer 5\nhashes 0\nconnect 10 wait 500\nlisten 1\nclose 0\nsleep 2000\nsend\nsleep 300\naccept`,
  ],
  [
    "deferred requests, migrate_req=0",
    `listen 0 defer 5\nhashes 0\nconnect 10 wait 500\nlisten 1 defer 5\nclose 0\nsend\nsleep 300\naccept`,
  ],
];

describe(`socket model vs kernel${skip ? ` (skipped: ${avail.reason})` : ""}`, () => {
  it.skipIf(skip).each(cases)("%s", async (_name, script) => {
    const c = await compareWithModel(parseScript(script, "case"));
    expect(c.compared).toBe(true);
    expect(c.differences).toEqual([]);
  });
});
