// The README's example test ("UDP, IPv6 and packet bytes"), run as written except for the
// import path; a second test checks the README still holds this exact text.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ReuseportTestGroup } from "../../src/testing.js";

describe("QUIC steering", () => {
  it("sends each connection ID to its worker, Initials to the kernel's pick", async () => {
    const group = new ReuseportTestGroup({ sockets: ["w0", "w1", "w2", "w3"], address: "::1" });
    await group.load({ file: "test/fixtures/udp/quic_worker_index.o" });
    ["w0", "w1", "w2", "w3"].forEach((w, i) => group.setMap("workers", i, { socket: w }));

    expect(group.send({ quic: { dcid: "0200000000000000" } }).socket).toBe("w2");
    expect(group.send({ quic: { dcid: "0200000000000000", form: "initial" } }).how).toBe("hash");

    group.close("w1"); // w3 moves into slot 1 of socks[]; the sockarray keeps index 3
    expect(group.slots).toEqual(["w0", "w3", "w2"]);
    expect(group.send({ quic: { dcid: "0300000000000000" } }).socket).toBe("w3");
    expect(group.lookupNumber("stats", 0)).toBe(2n); // steered datagrams, counted by the program
  });
});

describe("README", () => {
  it("shows this test", () => {
    const readme = readFileSync("README.md", "utf8");
    const me = readFileSync("test/api/readme-example.test.ts", "utf8");
    const body = me.slice(me.indexOf('describe("QUIC steering"'), me.indexOf('describe("README"')).trimEnd();
    expect(readme).toContain(body);
    expect(readme).toContain('import { ReuseportTestGroup } from "baton/testing";');
  });
});
