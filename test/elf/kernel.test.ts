/**
 * Real kernel, through the machine's libbpf: C fixtures and Baton-exported objects load,
 * attach with SO_ATTACH_REUSEPORT_EBPF to a loopback SO_REUSEPORT group (own netns), and one
 * connection (and one migration) lands where Baton's model says it does.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/compiler/index.js";
import { compileToElf, linkProgram, readElfObject, writeElfFile } from "../../src/elf/index.js";
import { makeInsn, OP_CALL, OP_EXIT, BPF_ALU64, BPF_MOV, BPF_K, BPF_PSEUDO_CALL } from "../../src/vm/isa.js";
import { parseScenario } from "../../src/model/scenario.js";
import { simulate } from "../../src/model/simulator.js";
import { runtimeProgram } from "../../src/model/runtime-adapter.js";
import { engineByName } from "../../src/vm/engines.js";
import { fixtureBytes, fixturePath } from "./fixtures.js";
import { nativeAvailability, runAttach } from "./native.js";

const avail = nativeAvailability();
if (!avail.available) console.warn(`test/elf/kernel.test.ts: skipping kernel tests: ${avail.reason}`);
const skip = !avail.available;
const dir = mkdtempSync(join(tmpdir(), "baton-elf-kernel-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("C fixtures load with libbpf and attach", () => {
  const table: { object: Parameters<typeof fixturePath>[0]; program?: string }[] = [
    { object: "pass" },
    { object: "drop_migrations" },
    { object: "select_by_index" },
    { object: "least_loaded" },
    { object: "multi", program: "migrate_drop" },
    { object: "multi", program: "select_only" },
  ];
  it.skipIf(skip).each(table)("$object $program (skips without root/libbpf)", ({ object, program }) => {
    const r = runAttach(fixturePath(object), program !== undefined ? ["--program", program] : []);
    expect(r.error).toBeUndefined();
    expect(r.attached).toBe(true);
    expect(r.select).toBeGreaterThanOrEqual(0);
  });

  it.skipIf(skip)("rejected_null_deref is refused by the kernel verifier (skips without root/libbpf)", () => {
    expect(runAttach(fixturePath("rejected_null_deref")).error).toMatch(/^load \d+$/);
  });
});

describe("Baton-exported objects load with libbpf and attach", () => {
  const policyDir = join(import.meta.dirname, "..", "..", "policies");
  const policies = readdirSync(policyDir).filter((f) => f.endsWith(".baton"));
  it.skipIf(skip).each(policies)("policies/%s (skips without root/libbpf)", (file) => {
    const c = compilePolicy(readFileSync(join(policyDir, file), "utf8"), file);
    const out = join(dir, file.replace(/\.baton$/, ".o"));
    writeElfFile(out, c.insns, c.maps, { attachType: c.attachType, programName: file.replace(/\.baton$/, "") });
    const r = runAttach(out, ["--listeners", "2"]);
    expect(r.error).toBeUndefined();
    expect([r.loaded, r.attached]).toEqual([file.replace(/\.baton$/, ""), true]);
    expect(r.lines).toContain("ok");
  });

  it.skipIf(skip)(
    "a program with local calls (split into .text static functions) loads (skips without root/libbpf)",
    () => {
      const insns = [
        makeInsn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, 1),
        makeInsn(OP_EXIT),
        makeInsn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, 1),
        makeInsn(OP_EXIT),
        makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
        makeInsn(OP_EXIT),
      ];
      const out = join(dir, "calls.o");
      writeFileSync(out, compileToElf(insns, [], { attachType: 40, programName: "calls" }));
      const r = runAttach(out);
      expect([r.error, r.loaded, r.attached]).toEqual([undefined, "calls", true]);
      expect(r.select).toBeGreaterThanOrEqual(0); // SK_PASS without a selection: the kernel's hash pick
    },
  );

  it.skipIf(skip)(
    "select_by_index re-exported by Baton: the select and the migration land where the model says (skips without root/libbpf)",
    () => {
      const imported = linkProgram(readElfObject(fixtureBytes("select_by_index"), "select_by_index.o"));
      const out = join(dir, "select_by_index.o");
      writeElfFile(out, imported.insns, imported.maps, { attachType: imported.attachType, programName: imported.name });

      // Model: listeners l0..l2 in the sockarray at keys 0..2, config[0] = 1; the connection
      // waits in l1's accept queue; config[0] = 2, then l1 closes with tcp_migrate_req = 1 (R12).
      const scenario = parseScenario(
        JSON.stringify({
          name: "elf-select-by-index",
          description: "one connection, one migration",
          seed: 1,
          port: 8080,
          durationMs: 300,
          sampleMs: 50,
          sysctls: { tcp_migrate_req: 1 },
          listeners: ["l0", "l1", "l2"].map((name) => ({ name, backlog: 16, acceptRate: 0, listenAt: 0 })),
          clients: [{ name: "c", startMs: 10, count: 1, rate: 0, src: "10.0.0.1", srcPort: 1024, ackDelayMs: 0.1 }],
          maps: [
            { name: "listeners", type: "sockarray", maxEntries: 4 },
            { name: "config", type: "array", maxEntries: 1 },
          ],
          events: [
            // Attach first: the policy's maps mirror control-plane writes made after it exists.
            { at: 0, do: "attach", via: "l0", policy: "elf" },
            ...[0, 1, 2].map((k) => ({ at: 0, do: "map", map: "listeners", key: k, listener: `l${k}` })),
            { at: 0, do: "map", map: "config", key: 0, value: 1 },
            { at: 50, do: "map", map: "config", key: 0, value: 2 },
            { at: 60, do: "close", listener: "l1" },
          ],
        }),
        "elf-select-by-index.json",
      );
      const programs = new Map([
        [
          "elf",
          (maps: Parameters<typeof runtimeProgram>[3]) =>
            runtimeProgram(
              { name: imported.name, insns: imported.insns, maps: imported.maps, attachType: imported.attachType },
              engineByName("interp"),
              1,
              maps,
            ),
        ],
      ]);
      const sim = simulate(scenario, { programs, keepConnections: true });
      const conn = sim.connectionRecords![0]!;
      const modelSelect = Number(conn.migrations[0]?.from.slice(1) ?? conn.listener!.slice(1));
      const modelMigrate = Number(conn.migrations.at(-1)!.to.slice(1));

      const r = runAttach(out, [
        "--listeners",
        "3",
        "--set",
        "config",
        "0",
        "1",
        "--migrate",
        "--after",
        "config",
        "0",
        "2",
      ]);
      expect(r.error).toBeUndefined();
      expect([r.select, r.migrate]).toEqual([modelSelect, modelMigrate]);
      expect([r.select, r.migrate]).toEqual([1, 2]);
    },
  );
});
