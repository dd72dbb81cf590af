/**
 * The browser playground, driven in headless Chromium through playwright-core:
 * web/dist is built here (web/build.mjs) and served by a tiny static server. Expected values
 * come from the same src/ modules run in Node (the page must agree with the CLI), not from
 * constants. Skipped, with the reason, where /usr/bin/chromium is missing; the bundle checks
 * need only esbuild. Timings measured in the page are printed, not asserted (the machine is shared).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { tryCompile } from "../../src/compiler/compile.js";
import { runTests } from "../../src/compiler/test-runner.js";
import { compileToElf } from "../../src/elf/writer.js";
import { verify } from "../../src/verifier/index.js";
import { createInterpreter } from "../../src/vm/interpreter.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { summary } from "../../src/cli/commands/simulate.js";
import { ModelError } from "../../src/errors.js";
import type { ModelMaps } from "../../src/model/model-maps.js";
import type { ReuseportProgram } from "../../src/model/program.js";
import { runtimeProgram } from "../../src/model/runtime-adapter.js";
import { parseScenario } from "../../src/model/scenario.js";
import { simulate } from "../../src/model/simulator.js";
import { serveStatic } from "./serve.js";

const ROOT = join(import.meta.dirname, "../..");
const DIST = join(ROOT, "web/dist");
const CHROMIUM = "/usr/bin/chromium";
const SHOTS = process.env.BATON_SCREENSHOTS === "1" ? join(ROOT, "docs/playground") : null;
const POLICY_NAMES = readdirSync(join(ROOT, "policies"))
  .filter((f) => f.endsWith(".baton"))
  .sort();
const policyText = (f: string): string => readFileSync(join(ROOT, "policies", f), "utf8");

const b64url = (s: string): string => Buffer.from(s, "utf8").toString("base64url");
const fragment = (src: string, scenario?: string, seed?: number): string =>
  `#src=${b64url(src)}${scenario !== undefined ? `&scenario=${scenario}` : ""}${seed !== undefined ? `&seed=${seed}` : ""}`;

/** The TCP scenario that attaches `policies/FILE`, else rolling-restart-policy. */
function scenarioFor(file: string): string {
  for (const f of readdirSync(join(ROOT, "scenarios"))
    .filter((x) => x.endsWith(".json") && x !== "scenario.schema.json")
    .sort()) {
    const text = readFileSync(join(ROOT, "scenarios", f), "utf8");
    const json = JSON.parse(text) as { udp?: unknown; events?: { do?: string; policy?: string }[] };
    if (json.udp === undefined && (json.events ?? []).some((e) => e.do === "attach" && e.policy === `policies/${file}`))
      return f.slice(0, -5);
  }
  return "rolling-restart-policy";
}

/** `baton simulate SCENARIO --policy SRC --seed SEED`'s summary, computed in Node. */
function cliSummary(scenario: string, seed: number, src?: string): string {
  const sc = parseScenario(readFileSync(join(ROOT, "scenarios", `${scenario}.json`), "utf8"), `${scenario}.json`);
  const programs = new Map<string, (maps: ModelMaps) => ReuseportProgram>();
  if (src !== undefined) {
    const p = tryCompile(src, "policy.baton").policy!;
    const policy = { name: p.name ?? "policy", insns: p.insns, maps: p.maps, attachType: p.attachType };
    for (const e of sc.events)
      if (e.do === "attach" && !e.policy.startsWith("builtin:"))
        programs.set(e.policy, (maps) => runtimeProgram(policy, createInterpreter, seed, maps));
  }
  try {
    return summary(simulate(sc, { seed, programs }));
  } catch (e) {
    // A refusal of the model (e.g. the scenario's maps do not fit the policy's), as the page words it.
    if (e instanceof ModelError) return `not simulated: ${scenario}.json: ${e.message}`;
    throw e;
  }
}

/** What the CLI's modules say about a policy source. */
function expected(src: string) {
  const c = tryCompile(src, "policy.baton");
  if (c.policy === null) return { compiled: false as const, error: c.errors[0]! };
  const p = c.policy;
  const r = verify(p.insns, { type: SK_REUSEPORT, attachType: p.attachType, maps: p.maps, sourceMap: p.sourceMap });
  const tests = r.accepted ? runTests(p, createInterpreter) : [];
  return {
    compiled: true as const,
    p,
    r,
    passed: tests.filter((t) => t.passed).length,
    failed: tests.filter((t) => !t.passed).length,
  };
}

let built: Awaited<ReturnType<typeof import("../../web/build.mjs").buildWeb>> | null = null;
beforeAll(async () => {
  const { buildWeb } = await import("../../web/build.mjs");
  built = await buildWeb({ quiet: true });
}, 120_000);

describe("the playground bundle", () => {
  it("is under 1 MB gzipped on first load", () => {
    const html = readFileSync(join(DIST, "index.html"), "utf8");
    // Everything the page loads: the HTML, what it links, and the worker it starts.
    const files = ["index.html", "style.css", "main.js", "worker.js"];
    for (const f of files.slice(1, 3)) expect(html).toContain(f);
    const bytes = files.reduce((n, f) => n + gzipSync(readFileSync(join(DIST, f))).length, 0);
    console.log(`playground first load: ${(bytes / 1024).toFixed(0)} KiB gzipped (${files.join(", ")})`);
    expect(bytes).toBeLessThan(1_000_000);
  });

  it("bundles the CLI's compiler, verifier, VM and model, and nothing Node-only", () => {
    const inputs = Object.keys(built!.inputs);
    for (const m of [
      "src/compiler/compile.ts",
      "src/verifier/verify.ts",
      "src/vm/interpreter.ts",
      "src/model/simulator.ts",
      "src/elf/writer.ts",
    ])
      expect(inputs).toContain(m);
    const imports = Object.values(built!.inputs).flatMap((i) => i.imports.map((x) => x.path));
    const nodeOnly = [...inputs, ...imports].filter((p) =>
      /^node:|^(fs|path|os|child_process|worker_threads|url|util|zlib|http)$|^src\/(cli|kernel)\/|^native\//.test(p),
    );
    expect(nodeOnly).toEqual([]);
    // The bundles import nothing at run time: no module is left for a runtime to supply.
    for (const [file, o] of Object.entries(built!.outputs)) expect(o.imports, file).toEqual([]);
  });
});

describe("the playground bundle's code", () => {
  it("uses none of Node's globals, which a browser lacks", () => {
    // A bare `Buffer.`, `process.` or `require(` (not a guarded property such as `root.Buffer`,
    // as bundled libraries probe for them) would throw in a browser on the path that reaches it.
    for (const f of ["main.js", "worker.js"]) {
      const code = readFileSync(join(DIST, f), "utf8");
      const uses = [...code.matchAll(/(?<![.\w$])(Buffer\.|process\.|require\(|__dirname|__filename)/g)].map((m) =>
        code.slice(Math.max(0, m.index - 40), m.index + 30),
      );
      expect(uses, f).toEqual([]);
    }
  });
});

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (install chromium to run the browser tests)`;
if (skip !== false) console.warn(`skipping the playground browser tests: ${skip}`);

describe.skipIf(skip !== false)("the playground in Chromium", () => {
  let ctx: BrowserContext;
  let page: Page;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let profile: string;
  const compileVerifyMs: Record<string, number> = {};

  beforeAll(async () => {
    server = await serveStatic(DIST);
    profile = mkdtempSync(join(tmpdir(), "baton-chromium-"));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1400, height: 900 },
      acceptDownloads: true,
    });
    page = await ctx.newPage();
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    if (SHOTS !== null) mkdirSync(SHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await ctx?.close();
    await server?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  const text = (id: string): Promise<string> => textIn(page, id);
  /** Poll `ok` (Node side: no DOM types here) until it holds. */
  const until = async (
    what: string,
    ok: () => Promise<boolean>,
    timeoutMs = 60_000,
    shown?: () => Promise<string>,
  ): Promise<void> => {
    const end = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > end)
        throw new Error(
          `timed out waiting for ${what}${shown !== undefined ? `; the page shows: ${await shown()}` : ""}`,
        );
      await new Promise((r) => setTimeout(r, 40));
    }
  };
  const textIn = async (p: Page, id: string): Promise<string> => (await p.textContent(`[data-testid=${id}]`)) ?? "";
  /** Wait until page `p` has analysed exactly `src` (the worker answers asynchronously). */
  const analysedIn = (p: Page, src: string): Promise<void> =>
    until(
      "the analysis",
      async () =>
        (await p.inputValue("[data-testid=editor]")) === src &&
        (await textIn(p, "verdict")) !== "…" &&
        (await p.isHidden("[data-testid=busy]")),
    );
  const analysed = (src: string): Promise<void> => analysedIn(page, src);
  const timingsOf = async (): Promise<{ compileVerify: number[]; simulate: number[]; demo: number[] }> =>
    (await page.evaluate("window.__batonTimings")) as { compileVerify: number[]; simulate: number[]; demo: number[] };
  const simulated = (p: Page, ok: (summary: string) => boolean): Promise<void> =>
    until(
      "the simulation",
      async () => ok(await textIn(p, "sim-summary")),
      60_000,
      () => textIn(p, "sim-summary"),
    );
  const debuggerAt = (ok: (pos: string) => boolean): Promise<void> =>
    until("the debugger", async () => ok(await text("dbg-pos")), 20_000);
  /** Show the page with fragment `frag`: a hash change (the worker stays warm), or a (re)load. */
  const load = async (frag: string): Promise<void> => {
    if (!page.url().startsWith(server.url)) await page.goto(server.url + frag);
    else if (new URL(page.url()).hash === frag) await page.reload();
    else await page.evaluate(`location.hash = ${JSON.stringify(frag)}`);
  };
  const tab = (name: string) => page.click(`nav button[data-tab=${name}]`);
  const shot = async (name: string): Promise<void> => {
    if (SHOTS !== null) await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  };

  it("loads every example policy by URL fragment: verdict, tests and a simulation", async () => {
    const simulatedPolicies: string[] = [];
    for (const f of POLICY_NAMES) {
      const src = policyText(f);
      const want = expected(src);
      if (!want.compiled) throw new Error(`${f} does not compile`);
      const seed = 1000 + POLICY_NAMES.indexOf(f);
      await load(fragment(src, scenarioFor(f), seed));
      await analysed(src);
      // The scenario written for this policy where there is one, else the rolling restart's.
      const scenario = scenarioFor(f);
      const wantSim = cliSummary(scenario, seed, src);
      await simulated(page, (t) => t === wantSim || t.includes(`seed ${seed} `));
      expect(await text("verdict"), f).toBe("accepted");
      expect(await text("processed"), f).toBe(String(want.r.processed));
      expect(await text("insns"), f).toBe(String(want.p.insns.length));
      expect(await text("tests"), f).toBe(`${want.passed} passed, 0 failed`);
      expect(want.passed, f).toBe((src.match(/^test "/gm) ?? []).length);
      expect(await text("error"), f).toBe("");
      // The page's summary (or refusal) is `baton simulate --policy`'s, table for table.
      expect(await text("sim-summary"), f).toBe(wantSim);
      if (wantSim.startsWith("scenario ")) simulatedPolicies.push(f);
      compileVerifyMs[f] = (await timingsOf()).compileVerify.at(-1) ?? -1;
    }
    // Every example has a scenario written for its maps (scenarios/*-restart.json and others).
    expect(simulatedPolicies).toEqual(POLICY_NAMES);
    const sims = (await timingsOf()).simulate;
    // A second pass, warm: compile + verify only (no scenario in the fragment, so no simulation).
    const warm: string[] = [];
    for (const f of POLICY_NAMES) {
      await load(fragment(policyText(f)));
      await analysed(policyText(f));
      warm.push(`${f.replace(".baton", "")} ${((await timingsOf()).compileVerify.at(-1) ?? -1).toFixed(1)}`);
    }
    console.log(`compile + verify in the page, second pass (ms): ${warm.join(", ")}`);
    console.log(
      `compile + verify in the page (worker, ms; first one cold): ${Object.entries(compileVerifyMs)
        .map(([k, v]) => `${k.replace(".baton", "")} ${v.toFixed(1)}`)
        .join(", ")}`,
    );
    console.log(
      `each example's simulation in the page (ms, request to answer): ${sims.map((x) => x.toFixed(0)).join(", ")}`,
    );
  });

  it("shows a type error at its line, underlined, with the message on hover", async () => {
    const base = policyText("newest_generation.baton").split("\n");
    const at = base.findIndex((l) => l.includes("let n = workers[gen]"));
    expect(at).toBeGreaterThan(0);
    const src = [...base.slice(0, at + 1), "  let wrong: bool = n + 1", ...base.slice(at + 1)].join("\n");
    const want = expected(src);
    if (want.compiled) throw new Error("expected a type error");
    const loc = want.error.location as { line: number; col: number };
    expect(loc.line).toBe(at + 2);
    await load(fragment(src));
    await analysed(src);
    expect(await text("verdict")).toBe("not run");
    expect(await text("error")).toBe(`${loc.line}:${loc.col}: ${want.error.message}`);
    const underlined = page.locator(`#hl .ln[data-line="${loc.line}"] .diag`);
    expect(await underlined.count()).toBeGreaterThan(0);
    const box = (await underlined.first().boundingBox())!;
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await page.waitForSelector("#tip:not([hidden])");
    expect(await page.textContent("#tip")).toContain(want.error.message);
    await shot("type-error");
  });

  it("shows a verifier rejection at its source line, with path and state, without freezing the page", async () => {
    // Every loop bounded, but the nest exhausts the verifier's 1M-instruction budget.
    const src =
      "policy big\nmap m: array<u32, u64>[4]\non select {\n  let mut n: u64 = 0\n  for i in 0..1000 {\n    for j in 0..1000 {\n      let v = m[j] ?? 0\n      if v == 0 {\n        break\n      }\n      n += v\n    }\n  }\n  m[0] = n\n  pass\n}\n";
    const want = expected(src);
    if (!want.compiled) throw new Error("expected it to compile");
    expect(want.r.accepted).toBe(false);
    const loc = want.r.error!.location as { line: number; col: number };
    await load(fragment(src));
    await page.waitForSelector("[data-testid=busy]:not([hidden])");
    // The verifier runs in the worker: the page answers while it works.
    const t0 = Date.now();
    await page.evaluate("document.title");
    const responsive = Date.now() - t0;
    await analysed(src);
    console.log(`page answered in ${responsive} ms while the verifier ran`);
    expect(responsive).toBeLessThan(2000);
    expect(await text("verdict")).toBe("rejected");
    expect(await text("processed")).toBe(String(want.r.processed));
    expect(await text("error")).toBe(`${loc.line}:${loc.col}: ${want.r.error!.message}`);
    expect(loc.line).toBeGreaterThanOrEqual(5);
    expect(loc.line).toBeLessThanOrEqual(12);
    expect(await text("tests")).toBe("not run");
    await tab("verifier");
    expect(await text("vsummary")).toContain("rejected");
    expect(await page.textContent("#vdetail")).toContain(want.r.detail!.state.slice(0, 20));
    await shot("verifier-rejection");
  });

  it("shows a failing test with its message at the expect line", async () => {
    const src = policyText("newest_generation.baton").replace("=> select 102", "=> select 999");
    const want = expected(src);
    if (!want.compiled) throw new Error("expected it to compile");
    const p = want.p;
    const failing = runTests(p, createInterpreter).filter((t) => !t.passed);
    expect(failing.length).toBe(1);
    const f = failing[0]!.failures[0]!;
    await load(fragment(src));
    await analysed(src);
    expect(await text("tests")).toBe(`${want.passed} passed, 1 failed`);
    expect(await text("error")).toBe(`${f.span.line}:${f.span.col}: test "${failing[0]!.name}" failed: ${f.message}`);
    await tab("tests");
    expect(await page.textContent("#testlist .fail .msg")).toBe(`${f.span.line}:${f.span.col}: ${f.message}`);
    expect(await page.locator(`#hl .ln[data-line="${f.span.line}"] .diag`).count()).toBeGreaterThan(0);
  });

  it("shows the verifier's per-instruction trace, navigable", async () => {
    const src = policyText("least_loaded.baton");
    const want = expected(src);
    if (!want.compiled) throw new Error("expected it to compile");
    await load(fragment(src));
    await analysed(src);
    await tab("verifier");
    const log = verify(want.p.insns, {
      type: SK_REUSEPORT,
      attachType: want.p.attachType,
      maps: want.p.maps,
      logLevel: 2,
    })
      .log.split("\n")
      .filter((l) => l !== "");
    expect(await page.locator("#trace > div[data-i]").count()).toBe(Math.min(log.length, 5000));
    await page.click("[data-testid=trace-next]");
    await page.click("[data-testid=trace-next]");
    expect(await page.textContent("#trace .cur")).toBe(log[1]);
    await page.click("[data-testid=trace-prev]");
    expect(await page.textContent("#trace .cur")).toBe(log[0]);
    expect(await text("trace-pos")).toMatch(/^entry 1 of \d+/);
    await shot("verifier-trace");
  });

  it("steps the debugger forward and back through one run", async () => {
    const src = policyText("migrate_to_newest.baton");
    await load(fragment(src));
    await analysed(src);
    await tab("debug");
    await debuggerAt((t) => /^step 0 of \d+/.test(t));
    const snap = async () => ({
      pos: await text("dbg-pos"),
      regs: await Promise.all(Array.from({ length: 11 }, (_, i) => text(`dbg-r${i}`))),
      insn: await text("dbg-insn"),
    });
    const states = [await snap()];
    for (let i = 1; i <= 4; i++) {
      await page.click("[data-testid=dbg-fwd]");
      await debuggerAt((t) => t.startsWith(`step ${i} of`));
      states.push(await snap());
    }
    // The program starts with r6 = r1 (ctx): after one step r6 holds what r1 held.
    expect(states[0]!.regs[6]).toBe("0x0");
    expect(states[1]!.regs[6]).toBe(states[0]!.regs[1]);
    for (let i = 3; i >= 0; i--) {
      await page.click("[data-testid=dbg-back]");
      await debuggerAt((t) => t.startsWith(`step ${i} of`));
      expect(await snap()).toEqual(states[i]);
    }
    await page.click("[data-testid=dbg-last]");
    await debuggerAt((t) => t.includes("exited"));
    // The first event of the policy's first test expects `select 201`.
    expect(await text("dbg-insn")).toBe("returned: SK_PASS, selected listener cookie 201");
    await page.click("[data-testid=dbg-back]");
    await debuggerAt((t) => /next instruction \d+/.test(t));
    expect(await text("dbg-insn")).toMatch(/^next: \d+: exit$/);
    await shot("debugger");
  });

  it("a shared link reproduces the source, scenario, seed and simulation", async () => {
    const src = policyText("power_of_two.baton").replace(
      /^policy power_of_two/m,
      "// edited in the playground ✓\npolicy power_of_two",
    );
    await load(fragment(policyText("power_of_two.baton")));
    await analysed(policyText("power_of_two.baton"));
    await page.fill("[data-testid=editor]", src);
    await analysed(src);
    await page.selectOption("[data-testid=scenario]", "rolling-restart");
    await page.fill("[data-testid=seed]", "77");
    await tab("sim");
    await page.click("[data-testid=sim-run]");
    await simulated(page, (t) => t.includes("seed 77 "));
    const shown = await text("sim-summary");
    expect(shown).toBe(cliSummary("rolling-restart", 77));
    await page.click("[data-testid=share]");
    const url = page.url();
    expect(new URL(url).hash).toBe(fragment(src, "rolling-restart", 77));
    const other = await ctx.newPage();
    try {
      await other.goto(url);
      await simulated(other, (t) => t === shown);
      expect(await other.inputValue("[data-testid=editor]")).toBe(src);
      expect(await other.inputValue("[data-testid=scenario]")).toBe("rolling-restart");
      expect(await other.inputValue("[data-testid=seed]")).toBe("77");
      expect(await other.textContent("[data-testid=verdict]")).toBe(await text("verdict"));
      expect(await other.textContent("[data-testid=tests]")).toBe(await text("tests"));
    } finally {
      await other.close();
    }
  });

  it("runs the three-way rolling restart, as baton demo does", async () => {
    const src = policyText("migrate_to_newest.baton");
    await load(fragment(src, "rolling-restart-policy"));
    await analysed(src);
    await tab("demo");
    await page.click("[data-testid=demo-run]");
    await page.waitForSelector("[data-testid=demo-table] table", { timeout: 60_000 });
    const { runVariant } = await import("../../src/cli/commands/demo.js");
    const cols = [
      await runVariant(
        { key: "no-migration", title: "no migration", file: "scenarios/rolling-restart-no-migration.json" },
        undefined,
        "interp",
      ),
      await runVariant(
        { key: "kernel-pick", title: "kernel pick", file: "scenarios/rolling-restart-kernel-pick.json" },
        undefined,
        "interp",
      ),
      await runVariant(
        { key: "policy", title: "policy", file: "scenarios/rolling-restart-policy.json" },
        undefined,
        "interp",
      ),
    ];
    const rows = await page.$$eval("[data-testid=demo-table] tr", (trs) =>
      trs.map((tr) => [...tr.children].map((td) => td.textContent ?? "")),
    );
    const row = (name: string): string[] => rows.find((r) => r[0]!.trim() === name)!.slice(1);
    expect(rows[0]!.slice(1)).toEqual(["no migration", "kernel pick", "policy"]);
    expect(row("connections")).toEqual(cols.map((c) => String(c.connections)));
    expect(row("migrated at close (accept queue)")).toEqual(cols.map((c) => String(c.migratedClose)));
    expect(row("... to the new generation")).toEqual(cols.map((c) => String(c.migratedToNew)));
    expect(row("reset")).toEqual(cols.map((c) => String(c.reset)));
    expect(row("TCPMigrateReqSuccess")).toEqual(cols.map((c) => String(c.TCPMigrateReqSuccess)));
    const ms = (await timingsOf()).demo.at(-1);
    console.log(`rolling-restart demo (three simulations) in the page: ${ms?.toFixed(0)} ms`);
    await shot("rolling-restart");
    if (SHOTS !== null) {
      await tab("sim");
      await page.click("[data-testid=sim-run]");
      await simulated(page, (t) => t.startsWith("scenario"));
      await page.locator("#sim-report").scrollIntoViewIfNeeded();
      await page.waitForTimeout(300);
      await shot("simulation");
    }
  });

  it("exports the .o the CLI's ELF writer produces, and the bytecode", async () => {
    const src = policyText("least_loaded.baton");
    await load(fragment(src));
    await analysed(src);
    const want = expected(src);
    if (!want.compiled) throw new Error("expected it to compile");
    const [elf] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=export-elf]")]);
    expect(elf.suggestedFilename()).toBe("least_loaded.o");
    const bytes = readFileSync((await elf.path())!);
    expect(new Uint8Array(bytes)).toEqual(
      compileToElf(want.p.insns, want.p.maps, { attachType: want.p.attachType, programName: "least_loaded" }),
    );
    const [bin] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=export-bin]")]);
    expect(readFileSync((await bin.path())!).length).toBe(want.p.insns.length * 8);
    const [json] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=export-json]")]);
    const j = JSON.parse(readFileSync((await json.path())!, "utf8")) as {
      source: string;
      analysis: { verifier: { processed: number } };
    };
    expect(j.source).toBe(src);
    expect(j.analysis.verifier.processed).toBe(want.r.processed);
    await tab("program");
    await page.hover(".listing .ins[data-line]");
    await shot("program");
  });
});
