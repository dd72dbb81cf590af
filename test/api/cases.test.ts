// `baton test PROGRAM --cases CASES.json` on the C fixtures, and located errors for bad files.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err };
}

const F = "test/fixtures/udp";
const dir = mkdtempSync(join(tmpdir(), "baton-cases-"));
/** 1-based line:col of the first `needle` in `text`. */
const lc = (text: string, needle: string): string => {
  const before = text.slice(0, text.indexOf(needle)).split("\n");
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
};
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("baton test --cases", () => {
  for (const [prog, cases] of [
    ["quic_dcid_sockhash.o", "quic_dcid_sockhash.cases.json"],
    ["quic_worker_index.o", "quic_worker_index.cases.json"],
    ["cpu_steer.o", "cpu_steer.cases.json"],
    ["cpu_steer.bpf", "cpu_steer.bpf.cases.json"],
    ["generation_lru.o", "generation_lru.cases.json"],
    ["conn_table.o", "conn_table.cases.json"],
  ]) {
    it(`${prog} passes its cases on both engines`, async () => {
      for (const engine of ["interp", "jit"]) {
        const r = await cli("test", `${F}/${prog}`, "--cases", `${F}/${cases}`, "--engine", engine);
        expect(r.err).toBe("");
        expect(r.out).toMatch(/ passed, 0 failed\n$/);
        expect(r.code).toBe(0);
      }
    });
  }

  it("a wrong expectation fails with exit 1, located at the expectation", async () => {
    const text =
      '{\n  "group": { "sockets": ["a", "b"] },\n  "cases": [\n    { "name": "drops", "events": [\n      { "select": {}, "expect": { "drop": true } }\n    ] }\n  ]\n}\n';
    const p = write("wrong.json", text);
    const r = await cli("test", `${F}/cpu_steer.o`, "--cases", p);
    expect(r.code).toBe(1);
    expect(r.out).toContain("FAIL  test/fixtures/udp/cpu_steer.o: drops");
    expect(r.err).toMatch(
      new RegExp(
        `^${p}:${lc(text, "true")}: error: case 'drops': event 0: expected a drop, got socket [ab] \\(hash\\)`,
      ),
    );
  });

  it("a socket that does not exist is a located error naming the pointer", async () => {
    const text =
      '{ "group": { "sockets": ["w0", "w1"] },\n  "maps": { "workers": [ { "key": 0, "socket": "w9" } ] },\n  "cases": [] }\n';
    const p = write("nosock.json", text);
    const r = await cli("test", `${F}/cpu_steer.o`, "--cases", p);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `^${p}:${lc(text, '"w9"')}: error: /maps/workers/0/socket: no socket named 'w9' in the group \\(sockets: w0, w1\\)`,
      ),
    );
  });

  it("a truncated payload, an unknown map and bad JSON are located", async () => {
    const tt =
      '{ "group": { "sockets": ["a"] }, "cases": [ { "name": "x", "events": [ { "select": { "payload": "abc" } } ] } ] }';
    const trunc = write("trunc.json", tt);
    expect((await cli("test", `${F}/cpu_steer.o`, "--cases", trunc)).err).toContain(
      `trunc.json:${lc(tt, '"abc"')}: error`,
    );
    expect((await cli("test", `${F}/cpu_steer.o`, "--cases", trunc)).err).toMatch(
      /error: \/cases\/0\/events\/0\/select\/payload: hex payload has an odd number of digits \(3\)/,
    );
    const nt =
      '{ "group": { "sockets": ["a"] }, "maps": { "nope": [ { "key": 0, "value": 1 } ] }, "cases": [ { "name": "x", "events": [] } ] }';
    const nomap = write("nomap.json", nt);
    expect((await cli("test", `${F}/cpu_steer.o`, "--cases", nomap)).err).toMatch(
      /error: \/maps\/nope\/0: the program has no map 'nope' \(maps: config, workers\)/,
    );
    const bad = write("bad.json", '{ "group": ');
    const r = await cli("test", `${F}/cpu_steer.o`, "--cases", bad);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.json:1:\d+: error: not JSON/);
  });

  it("TCP groups: SYNs select, migrations run the attach-type-40 program", async () => {
    const p = write(
      "tcp.json",
      JSON.stringify({
        group: { protocol: "tcp", sockets: ["l0", "l1", "l2"] },
        cases: [
          {
            name: "a SYN passes, a migration is dropped",
            events: [
              { select: { hash: 0 }, expect: { socket: "l0", kernelPick: true } },
              { migrate: { from: "l1", state: "request" }, expect: { drop: "not-migrated", ret: 0 } },
              { select: { hash: 0xffffffff }, expect: { socket: "l2" } }, // l1 has left socks[]
            ],
          },
        ],
      }),
    );
    const r = await cli("test", "test/fixtures/c/drop_migrations.o", "--cases", p);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  it("migrate on a UDP group is refused at its pointer", async () => {
    const p = write(
      "mig.json",
      '{ "group": { "sockets": ["a"] }, "cases": [ { "name": "m", "events": [ { "migrate": { "from": "a" } } ] } ] }',
    );
    expect((await cli("test", `${F}/cpu_steer.o`, "--cases", p)).err).toMatch(
      /\/cases\/0\/events\/0\/migrate: the kernel migrates only TCP/,
    );
  });
});
