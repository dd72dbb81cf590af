// The simulation report in a real browser: `baton simulate … --report` output opened in headless
// Chromium. A copy of the page gets a probe script (the report itself has none) that records
// console errors and page errors from the first moment and, once loaded, each SVG's bounding box
// and how many of its marks (polylines, bars) have a non-empty box; --dump-dom hands the probe's
// JSON back. A screenshot is taken as well (and checked to be a real, non-trivial PNG).
// Skips, saying why, where no Chromium is installed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";

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
    ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars", `--user-data-dir=${profile}`, ...args],
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
    return { label: s.getAttribute("aria-label"), width: r.width, height: r.height, marks: marks.length, drawn };
  });
  const pre = document.createElement("pre");
  pre.id = "baton-probe";
  pre.textContent = JSON.stringify({ svgs, errors: window.__errors });
  document.body.appendChild(pre);
});
</script>`;

interface Probe {
  svgs: { label: string; width: number; height: number; marks: number; drawn: number }[];
  errors: string[];
}

describe.skipIf(CHROMIUM === null)("simulation report in headless Chromium", () => {
  const report = join(tmp, "rolling-restart.html");

  it("baton simulate --report writes the page", async () => {
    let err = "";
    const code = await main(["simulate", "scenarios/rolling-restart.json", "--report", report], { out: () => {}, err: (t) => (err += t) });
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
    const probe = JSON.parse(m![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">")) as Probe;
    expect(probe.errors).toEqual([]);
    expect(probe.svgs.map((s) => s.label)).toEqual(["accept queue length", "connection fates", "migrations"]);
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
