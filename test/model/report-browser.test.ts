// The simulation report in a real browser: `baton simulate … --report` output opened in headless
// Chromium. A copy of the page gets a probe script (the report itself has none) that records
// console errors and page errors from the first moment and, once loaded, each SVG's bounding box
// and how many of its marks (polylines, bars) have a non-empty box; --dump-dom hands the probe's
// JSON back. A screenshot is taken as well (and checked to be a real, non-trivial PNG).
// Also checked in the browser: the charts span the page width, the time axis has round ticks
// with units, and every chart carries one dashed line per listen / close / attach / detach of the
// scenario (initial listens at one time count once per time and kind, as the report groups them).
// Skips, saying why, where no Chromium is installed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { niceStep, scenarioMarks, timeTicks } from "../../src/model/report-html.js";
import { parseScenario } from "../../src/model/scenario.js";

function findChromium(): string | null {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim() !== "") return r.stdout.trim();
  }
  return null;
}

const CHROMIUM = findChromium();
if (CHROMIUM === null) console.warn("report-browser: no chromium on PATH; skipping (apt-get install -y chromium)");

const tmp = mkdtempSync(join(tmpdir(), "baton-report-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function chromium(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const profile = mkdtempSync(join(tmp, "profile-"));
  const r = spawnSync(
    CHROMIUM as string,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--hide-scrollbars",
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { encoding: "utf8", timeout: 90_000, maxBuffer: 64 << 20 },
  );
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const PROBE = `<script>
window.__errors = [];
const origError = console.error;
console.error = (...a) => { window.__errors.push("console.error: " + a.join(" ")); origError.apply(console, a); };
window.addEventListener("error", (e) => window.__errors.push("error: " + e.message));
window.addEventListener("load", () => {
  const svgs = [...document.querySelectorAll("svg")].map((s) => {
    const r = s.getBoundingClientRect();
    const marks = [...s.querySelectorAll("polyline, rect")];
    const drawn = marks.filter((m) => { const b = m.getBBox(); return b.width > 0 || b.height > 0; }).length;
    const lines = [...s.querySelectorAll("line.mark")].map((l) => { const b = l.getBBox(); return { kind: l.getAttribute("class"), x: b.x, height: b.height }; });
    const ticks = [...s.querySelectorAll("text.tick")].map((t) => ({ text: t.textContent, x: t.getBBox().x }));
    return { label: s.getAttribute("aria-label"), width: r.width, height: r.height, marks: marks.length, drawn, lines, ticks };
  });
  const pre = document.createElement("pre");
  pre.id = "baton-probe";
  pre.textContent = JSON.stringify({ svgs, errors: window.__errors, pageWidth: document.documentElement.clientWidth });
  document.body.appendChild(pre);
});
</script>`;

interface Probe {
  svgs: {
    label: string;
    width: number;
    height: number;
    marks: number;
    drawn: number;
    lines: { kind: string; x: number; height: number }[];
    ticks: { text: string; x: number }[];
  }[];
  errors: string[];
  pageWidth: number;
}

describe("report axis and marks (no browser)", () => {
  it("niceStep is a round 1/2/5 step giving about the asked number of parts", () => {
    for (const span of [7, 95, 1000, 1234, 12000, 86_400_000]) {
      for (const target of [5, 10, 80]) {
        const step = niceStep(span, target);
        const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
        expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
        expect(span / step).toBeLessThanOrEqual(target + 1e-9);
        expect(span / step).toBeGreaterThan(target / 5 - 1e-9);
      }
    }
  });

  it("time ticks: from 0, evenly spaced, ms below 2 s and s from 2 s", () => {
    expect(timeTicks(12000).map((t) => t.label)).toEqual(["0 s", "2 s", "4 s", "6 s", "8 s", "10 s", "12 s"]);
    expect(
      timeTicks(3000)
        .map((t) => t.label)
        .slice(0, 3),
    ).toEqual(["0.0 s", "0.5 s", "1.0 s"]);
    expect(
      timeTicks(500)
        .map((t) => t.label)
        .slice(0, 3),
    ).toEqual(["0 ms", "50 ms", "100 ms"]);
    for (const max of [15, 230, 1999, 2000, 7300, 60000]) {
      const ts = timeTicks(max);
      expect(ts[0]!.atMs).toBe(0);
      expect(ts.at(-1)!.atMs).toBeLessThanOrEqual(max + 1e-9);
      for (const t of ts) expect(t.label).toMatch(max >= 2000 ? /^\d+(\.\d+)? s$/ : /^\d+(\.\d+)? ms$/);
    }
  });

  it("scenario marks: initial listens, listen/close/attach/detach events, grouped by time and kind", () => {
    const sc = parseScenario(readFileSync("scenarios/rolling-restart.json", "utf8"), "rolling-restart.json");
    const marks = scenarioMarks(sc);
    const kinds = new Set(sc.events.map((e) => e.do));
    expect(marks.filter((m) => m.kind === "close").length).toBe(sc.events.filter((e) => e.do === "close").length);
    expect(marks.filter((m) => m.kind === "attach").length).toBe(sc.events.filter((e) => e.do === "attach").length);
    expect(kinds.has("close")).toBe(true);
    const initial = marks.find((m) => m.kind === "listen" && m.atMs === 0)!;
    expect(initial.listeners).toEqual(sc.listeners.filter((l) => l.listenAt === 0).map((l) => l.name));
    for (let i = 1; i < marks.length; i++) expect(marks[i]!.atMs).toBeGreaterThanOrEqual(marks[i - 1]!.atMs);
  });
});

describe.skipIf(CHROMIUM === null)("simulation report in headless Chromium", () => {
  const report = join(tmp, "rolling-restart.html");

  it("baton simulate --report writes the page", async () => {
    let err = "";
    const code = await main(["simulate", "scenarios/rolling-restart.json", "--report", report], {
      out: () => {},
      err: (t) => (err += t),
    });
    expect(err).toBe("");
    expect(code).toBe(0);
  });

  it("renders the three charts with non-empty boxes and no errors", () => {
    const html = readFileSync(report, "utf8");
    const probed = join(tmp, "probed.html");
    writeFileSync(probed, html.replace("<head>", `<head>${PROBE}`));
    const r = chromium(["--dump-dom", `file://${probed}`]);
    const m = /<pre id="baton-probe">([^<]*)<\/pre>/.exec(r.stdout);
    expect(m, `no probe output; chromium exit ${r.status}, stderr: ${r.stderr.slice(-2000)}`).not.toBeNull();
    const probe = JSON.parse(
      m![1]!
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, "&")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">"),
    ) as Probe;
    expect(probe.errors).toEqual([]);
    expect(probe.svgs.map((s) => s.label)).toEqual(["accept queue length", "connection fates", "migrations"]);
    const sc = parseScenario(readFileSync("scenarios/rolling-restart.json", "utf8"), "rolling-restart.json");
    const expectedMarks = scenarioMarks(sc);
    for (const s of probe.svgs) {
      // Full page width (less the body's margins).
      expect(s.width).toBeGreaterThan(0.9 * probe.pageWidth);
      // A readable time axis: at least 5 ticks with units, left to right.
      expect(s.ticks.length).toBeGreaterThanOrEqual(5);
      for (const t of s.ticks) expect(t.text).toMatch(/^\d+(\.\d+)? (ms|s)$/);
      for (let i = 1; i < s.ticks.length; i++) expect(s.ticks[i]!.x).toBeGreaterThan(s.ticks[i - 1]!.x);
      // One dashed line per event mark, drawn (non-zero height), in time order.
      expect(s.lines.map((l) => l.kind)).toEqual(expectedMarks.map((m) => `mark mark-${m.kind}`));
      for (const l of s.lines) expect(l.height).toBeGreaterThan(50);
      for (let i = 1; i < s.lines.length; i++) expect(s.lines[i]!.x).toBeGreaterThanOrEqual(s.lines[i - 1]!.x);
    }
    for (const s of probe.svgs) {
      expect(s.width).toBeGreaterThan(100);
      expect(s.height).toBeGreaterThan(20);
      expect(s.marks).toBeGreaterThan(0);
    }
    // 16 listeners → 16 queue lines, all drawn; every accepted-by bar with a count is drawn.
    expect(probe.svgs[0]).toMatchObject({ marks: 16, drawn: 16 });
    expect(probe.svgs[1]!.drawn).toBeGreaterThanOrEqual(16);
    expect(r.stderr).not.toMatch(/Uncaught|CONSOLE\(\d+\).*error/i);
  });

  it("the unmodified page loads in the DOM as written: 3 SVGs, listener table, counters", () => {
    const r = chromium(["--dump-dom", `file://${report}`]);
    expect((r.stdout.match(/<svg /g) ?? []).length).toBe(3);
    expect(r.stdout).toContain("<h1>rolling-restart</h1>");
    expect(r.stdout).toContain("TCPMigrateReqSuccess");
    expect((r.stdout.match(/<polyline /g) ?? []).length).toBe(16);
  });

  it("takes a screenshot (a real PNG of the requested size)", () => {
    const png = join(tmp, "report.png");
    chromium(["--window-size=1000,2600", `--screenshot=${png}`, `file://${report}`]);
    const b = readFileSync(png);
    expect(b.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(b.readUInt32BE(16)).toBe(1000); // IHDR width
    expect(b.readUInt32BE(20)).toBe(2600); // IHDR height
    expect(b.length).toBeGreaterThan(20_000); // not a blank page
  });
});
