// `simulate` takes policies in every program format with their maps: a .s file's maps come from
// its `# maps:` header (named map<FD>), so a scenario can write them; without the header the
// scenario's map is refused (no policy declares it) instead of being dropped silently.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";

const dir = mkdtempSync(join(tmpdir(), "baton-formats-"));

/** Selects socks slot 0 of sockarray fd 4 for every new SYN. */
const ASM = (header: string): string => `${header}
# attach: select_or_migrate
mov %r6, %r1
mov %r8, 0
stxw [%r10-4], %r8
mov %r1, %r6
lddw %r2, map_fd(4)
mov %r3, %r10
add %r3, -4
mov %r4, 0
call 82
mov %r0, 1
exit
`;

const scenario = {
  durationMs: 500,
  listeners: ["A", "B", "C"].map((name) => ({ name, listenAt: 0 })),
  clients: [{ count: 60, rate: 1000, ackDelayMs: 0.1 }],
  maps: [{ name: "map4", type: "sockarray", maxEntries: 4 }],
  events: [
    { at: 0, do: "attach", via: "A", policy: "pick.s" },
    { at: 0, do: "map", map: "map4", key: 0, value: { listener: "B" } },
  ],
};

async function run(asm: string, engine: string): Promise<{ code: number; out: string; err: string }> {
  writeFileSync(join(dir, "pick.s"), asm);
  writeFileSync(join(dir, "sc.json"), JSON.stringify(scenario));
  let out = "";
  let err = "";
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const code = await main(["simulate", "sc.json", "--json", "--engine", engine], {
      out: (t) => (out += t),
      err: (t) => (err += t),
    });
    return { code, out, err };
  } finally {
    process.chdir(cwd);
  }
}

describe("simulate with a .s policy and its # maps: header", () => {
  for (const engine of ["interp", "jit"]) {
    it(`steers every connection through the header's sockarray (${engine})`, async () => {
      const r = await run(ASM("# maps: 4:reuseport_sockarray:4:8:4"), engine);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const res = JSON.parse(r.out) as {
        listeners: { name: string; syns: number }[];
        maps: { name: string; owner: string; entries: unknown[] }[];
      };
      expect(res.listeners.map((l) => [l.name, l.syns])).toEqual([
        ["A", 0],
        ["B", 60],
        ["C", 0],
      ]);
      expect(res.maps.find((m) => m.owner === "pick.s")?.entries.length).toBe(1);
    });
  }

  it("without the header the program has no map 4: the verifier refuses it", async () => {
    const r = await run(ASM("# no maps"), "interp");
    expect(r.code).toBe(1);
    expect(r.err).toContain("pick.s");
  });
});
