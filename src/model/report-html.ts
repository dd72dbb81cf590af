/**
 * A self-contained HTML report of one simulation: summary tables and inline SVG charts on one
 * time axis — accept-queue length per listener, connection fates over time and migrations over
 * time — each marked with the scenario's listens, closes and program attach/detach, so a queue
 * spike or a burst of resets lines up with the event that caused it. The charts use the page's
 * full width; the time axis has round ticks with units (ms, or s past two seconds).
 * No scripts, no external assets; deterministic output.
 * Without a timeline (`ReportTimeline`, collected per connection) the fates and migrations are
 * drawn as totals.
 */
import { COUNTER_NAMES } from "./netns.js";
import type { Scenario } from "./scenario.js";
import type { ConnRecord, SimResult } from "./sim-result.js";
import type { MigrationPoint } from "./stack.js";

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A fixed, distinguishable palette (HSL steps), indexed by listener. */
function color(i: number, n: number): string {
  const hue = Math.round((i * 360) / Math.max(1, n)) % 360;
  return `hsl(${hue},65%,${i % 2 === 0 ? 42 : 58}%)`;
}

// ---------------------------------------------------------------------------------------------
// Event marks

export type MarkKind = "listen" | "close" | "attach" | "detach";

/** Something that happened to the group at a time: drawn as a vertical line on every chart. */
export interface ReportMark {
  readonly atMs: number;
  readonly kind: MarkKind;
  /** Listener names (for attach/detach: the socket the program was attached through). */
  readonly listeners: readonly string[];
}

const MARK_COLOR: Record<MarkKind, string> = {
  listen: "#1e8449",
  close: "#c0392b",
  attach: "#2471a3",
  detach: "#7d3c98",
};

/** The scenario's listens (initial ones included), closes and attach/detach events, grouped by time and kind. */
export function scenarioMarks(sc: Scenario): ReportMark[] {
  const raw: { atMs: number; kind: MarkKind; name: string }[] = [];
  for (const l of sc.listeners) if (l.listenAt !== null) raw.push({ atMs: l.listenAt, kind: "listen", name: l.name });
  for (const e of sc.events) {
    if (e.do === "listen" || e.do === "close") raw.push({ atMs: e.at, kind: e.do, name: e.listener });
    else if (e.do === "attach" || e.do === "detach") raw.push({ atMs: e.at, kind: e.do, name: e.via });
  }
  const groups = new Map<string, { atMs: number; kind: MarkKind; listeners: string[] }>();
  for (const m of raw) {
    const key = `${m.atMs}/${m.kind}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { atMs: m.atMs, kind: m.kind, listeners: [m.name] });
    else g.listeners.push(m.name);
  }
  const order: MarkKind[] = ["listen", "attach", "detach", "close"];
  return [...groups.values()].sort((a, b) => a.atMs - b.atMs || order.indexOf(a.kind) - order.indexOf(b.kind));
}

function markText(m: ReportMark): string {
  const who = m.listeners.length === 1 ? m.listeners[0]! : `${m.listeners.length} listeners`;
  return m.kind === "attach" || m.kind === "detach" ? `${m.kind} (${who})` : `${m.kind} ${who}`;
}

// ---------------------------------------------------------------------------------------------
// Timeline: fates and migrations binned by time

const FATES = ["accepted", "reset", "timed-out"] as const;
type BinnedFate = (typeof FATES)[number];
const POINTS: readonly MigrationPoint[] = ["close", "timer", "ack"];

export interface ReportTimeline {
  readonly binMs: number;
  /** Connections whose fate became final in each bin (open ones are not drawn). */
  readonly fates: Record<BinnedFate, number[]>;
  readonly migrations: Record<MigrationPoint, number[]>;
}

/** Collects a timeline from connection records (`simulate`'s `onConnection`) without keeping them. */
export class TimelineCollector {
  readonly binMs: number;
  private readonly bins: number;
  private readonly fates: Record<BinnedFate, number[]>;
  private readonly migrations: Record<MigrationPoint, number[]>;

  constructor(durationMs: number) {
    this.binMs = niceStep(Math.max(1, durationMs), 80);
    this.bins = Math.max(1, Math.ceil(durationMs / this.binMs));
    const zeros = (): number[] => new Array<number>(this.bins).fill(0);
    this.fates = { accepted: zeros(), reset: zeros(), "timed-out": zeros() };
    this.migrations = { close: zeros(), timer: zeros(), ack: zeros() };
  }

  private bin(ms: number): number {
    return Math.min(this.bins - 1, Math.max(0, Math.floor(ms / this.binMs)));
  }

  readonly add = (rec: ConnRecord): void => {
    if (rec.fate !== "open") this.fates[rec.fate][this.bin(rec.endAtMs)]!++;
    for (const m of rec.migrations) this.migrations[m.point][this.bin(m.atMs)]!++;
  };

  timeline(): ReportTimeline {
    return { binMs: this.binMs, fates: this.fates, migrations: this.migrations };
  }
}

// ---------------------------------------------------------------------------------------------
// Axes

/** A round step (1, 2 or 5 × 10^k) that cuts `span` into about `target` parts. */
export function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

/** Time ticks over [0, maxMs]: round values, labelled in ms, or in s when the run is 2 s or longer. */
export function timeTicks(maxMs: number): { atMs: number; label: string }[] {
  const step = niceStep(maxMs, 10);
  const inSeconds = maxMs >= 2000;
  const decimals = inSeconds
    ? Math.max(0, -Math.floor(Math.log10(step / 1000) + 1e-9))
    : Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const out: { atMs: number; label: string }[] = [];
  for (let k = 0; k * step <= maxMs + step * 1e-9; k++) {
    const t = k * step;
    out.push({ atMs: t, label: inSeconds ? `${(t / 1000).toFixed(decimals)} s` : `${t.toFixed(decimals)} ms` });
  }
  return out;
}

/** Count ticks over [0, max]: whole round numbers. */
function countTicks(max: number): number[] {
  const step = Math.max(1, niceStep(max, 5));
  const out: number[] = [];
  for (let v = 0; v <= max; v += step) out.push(v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Charts

/** The drawing box shared by the time charts (viewBox units; the SVG scales to the page width). */
const W = 1200,
  L = 64,
  R = 16,
  STRIP = 42,
  B = 34;

interface TimeFrame {
  readonly maxMs: number;
  readonly x: (ms: number) => number;
}

/** Axes, grid, tick labels, and the event marks (lines with labels staggered in a strip above). */
function timeFrame(f: TimeFrame, h: number, maxY: number, yTitle: string, marks: readonly ReportMark[]): string {
  const top = STRIP,
    bottom = h - B;
  const y = (v: number): number => bottom - ((bottom - top) * v) / Math.max(1, maxY);
  const parts: string[] = [];
  parts.push(`<g class="grid" stroke="#e5e5e5">`);
  for (const t of timeTicks(f.maxMs))
    parts.push(`<line x1="${f.x(t.atMs).toFixed(1)}" y1="${top}" x2="${f.x(t.atMs).toFixed(1)}" y2="${bottom}"/>`);
  for (const v of countTicks(maxY))
    parts.push(`<line x1="${L}" y1="${y(v).toFixed(1)}" x2="${W - R}" y2="${y(v).toFixed(1)}"/>`);
  parts.push(`</g>`);
  parts.push(
    `<line x1="${L}" y1="${bottom}" x2="${W - R}" y2="${bottom}" stroke="#333"/><line x1="${L}" y1="${top}" x2="${L}" y2="${bottom}" stroke="#333"/>`,
  );
  parts.push(`<g class="ticks" font-size="11" fill="#333">`);
  for (const t of timeTicks(f.maxMs))
    parts.push(
      `<line x1="${f.x(t.atMs).toFixed(1)}" y1="${bottom}" x2="${f.x(t.atMs).toFixed(1)}" y2="${bottom + 4}" stroke="#333"/><text class="tick" x="${f.x(t.atMs).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${t.label}</text>`,
    );
  for (const v of countTicks(maxY))
    parts.push(`<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`);
  parts.push(`</g>`);
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${h - 4}" text-anchor="middle" font-size="11" fill="#555">simulated time</text>`,
  );
  parts.push(
    `<text x="14" y="${(top + bottom) / 2}" transform="rotate(-90 14 ${(top + bottom) / 2})" text-anchor="middle" font-size="11" fill="#555">${esc(yTitle)}</text>`,
  );
  parts.push(marksLayer(f, bottom, marks));
  return parts.join("");
}

/** Marks closer than this (viewBox units) share one label, e.g. `listen new0…new7`. */
const CLUSTER_GAP = 24;

/**
 * Each mark: a dashed vertical line over the plot (its <title> names it exactly). Labels go in
 * a strip above the plot: runs of same-kind marks closer than CLUSTER_GAP share one label, and
 * labels are staggered over three rows, each in the first row with room.
 */
function marksLayer(f: TimeFrame, bottom: number, marks: readonly ReportMark[]): string {
  const clusters: { x: number; kind: MarkKind; members: ReportMark[] }[] = [];
  for (const m of marks) {
    const last = clusters[clusters.length - 1];
    const lastX = last === undefined ? -Infinity : f.x(last.members[last.members.length - 1]!.atMs);
    if (last !== undefined && last.kind === m.kind && f.x(m.atMs) - lastX < CLUSTER_GAP) last.members.push(m);
    else clusters.push({ x: f.x(m.atMs), kind: m.kind, members: [m] });
  }
  const rowEnds = [-Infinity, -Infinity, -Infinity];
  const out: string[] = [`<g class="marks" font-size="10">`];
  for (const cl of clusters) {
    const c = MARK_COLOR[cl.kind];
    const text = cl.members.length === 1 ? markText(cl.members[0]!) : clusterText(cl.kind, cl.members);
    let row = rowEnds.findIndex((end) => end < cl.x);
    if (row < 0) row = rowEnds.indexOf(Math.min(...rowEnds));
    rowEnds[row] = cl.x + text.length * 5.6 + 6;
    const ly = 11 + row * 13;
    out.push(`<text class="mark-label" x="${(cl.x + 2).toFixed(1)}" y="${ly}" fill="${c}">${esc(text)}</text>`);
    for (const m of cl.members) {
      const x = f.x(m.atMs).toFixed(1);
      out.push(
        `<line class="mark mark-${m.kind}" x1="${x}" y1="${ly + 3}" x2="${x}" y2="${bottom}" stroke="${c}" stroke-width="1" stroke-dasharray="4 3"><title>${esc(`${m.atMs} ms: ${m.kind} ${m.listeners.join(", ")}`)}</title></line>`,
      );
    }
  }
  out.push(`</g>`);
  return out.join("");
}

/** `listen new0…new7` for a run of marks; `close 5 times` when they name several listeners each. */
function clusterText(kind: MarkKind, ms: readonly ReportMark[]): string {
  const names = ms.flatMap((m) => m.listeners);
  return names.length === ms.length ? `${kind} ${names[0]}…${names[names.length - 1]}` : `${kind} ${ms.length} times`;
}

function frameFor(maxMs: number): TimeFrame {
  const span = Math.max(1, maxMs);
  return { maxMs: span, x: (ms) => L + ((W - L - R) * ms) / span };
}

const svgOpen = (h: number, label: string): string =>
  `<svg class="chart" width="100%" viewBox="0 0 ${W} ${h}" preserveAspectRatio="xMinYMin meet" role="img" aria-label="${esc(label)}">`;

function queueChart(r: SimResult, marks: readonly ReportMark[]): string {
  const H = 340;
  const t = r.series.tMs;
  const names = Object.keys(r.series.queues);
  const maxY = Math.max(1, ...names.map((n) => Math.max(0, ...(r.series.queues[n] as number[]))));
  const f = frameFor(r.durationMs);
  const y = (v: number) => (H - B - ((H - B - STRIP) * v) / maxY).toFixed(1);
  const lines = names.map((n, i) => {
    const ys = r.series.queues[n] as number[];
    const pts = t.map((tv, j) => `${f.x(tv).toFixed(1)},${y(ys[j] ?? 0)}`).join(" ");
    return `<polyline fill="none" stroke="${color(i, names.length)}" stroke-width="1.5" points="${pts}"><title>${esc(n)}</title></polyline>`;
  });
  const legend = names
    .map((n, i) => `<span style="color:${color(i, names.length)}">■</span> ${esc(n)}`)
    .join(" &nbsp;");
  return `${svgOpen(H, "accept queue length")}${timeFrame(f, H, maxY, "accept-queue length (connections)", marks)}${lines.join("")}</svg><p class="legend">${legend}</p>`;
}

/** Stacked bars per time bin, one colour per series. */
function stackedChart(
  label: string,
  yTitle: string,
  binMs: number,
  durationMs: number,
  series: readonly { name: string; color: string; values: readonly number[] }[],
  marks: readonly ReportMark[],
): string {
  const H = 260;
  const bins = Math.max(0, ...series.map((s) => s.values.length));
  const totals = Array.from({ length: bins }, (_, i) => series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const maxY = Math.max(1, ...totals);
  const f = frameFor(durationMs);
  const y = (v: number): number => H - B - ((H - B - STRIP) * v) / maxY;
  const rects: string[] = [];
  for (let i = 0; i < bins; i++) {
    let base = 0;
    const x0 = f.x(i * binMs);
    const w = Math.max(0.5, f.x(Math.min(durationMs, (i + 1) * binMs)) - x0 - 0.5);
    for (const s of series) {
      const v = s.values[i] ?? 0;
      if (v === 0) continue;
      rects.push(
        `<rect x="${x0.toFixed(1)}" y="${y(base + v).toFixed(1)}" width="${w.toFixed(1)}" height="${(y(base) - y(base + v)).toFixed(1)}" fill="${s.color}"><title>${esc(`${s.name}: ${v} (${i * binMs}–${(i + 1) * binMs} ms)`)}</title></rect>`,
      );
      base += v;
    }
  }
  const legend = series
    .map((s) => `<span style="color:${s.color}">■</span> ${esc(s.name)} (${s.values.reduce((a, b) => a + b, 0)})`)
    .join(" &nbsp;");
  return `${svgOpen(H, label)}${timeFrame(f, H, maxY, yTitle, marks)}${rects.join("")}</svg><p class="legend">${legend}; bars of ${binMs} ms</p>`;
}

/** Totals as horizontal bars (no timeline collected). */
function bars(items: { label: string; value: number; color: string }[], title: string): string {
  const rowH = 18,
    BL = 190;
  const max = Math.max(1, ...items.map((i) => i.value));
  const H = items.length * rowH + 10;
  const rows = items.map((it, i) => {
    const w = ((W - BL - 80) * it.value) / max;
    const yy = 5 + i * rowH;
    return (
      `<text x="${BL - 6}" y="${yy + 12}" text-anchor="end" font-size="12">${esc(it.label)}</text>` +
      `<rect x="${BL}" y="${yy + 2}" width="${w.toFixed(1)}" height="${rowH - 5}" fill="${it.color}"/>` +
      `<text x="${(BL + w + 4).toFixed(1)}" y="${yy + 12}" font-size="12">${it.value}</text>`
    );
  });
  return `${svgOpen(H, title)}${rows.join("")}</svg>`;
}

function table(head: string[], rows: (string | number)[][]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join("");
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

const FATE_COLOR: Record<BinnedFate, string> = { accepted: "#27ae60", reset: "#c0392b", "timed-out": "#d68910" };
const POINT_TITLE: Record<MigrationPoint, string> = {
  close: "close (R14)",
  timer: "SYN-ACK timer (R15)",
  ack: "final ACK (R16)",
};
const POINT_COLOR: Record<MigrationPoint, string> = { close: "#2471a3", timer: "#48c9b0", ack: "#f4d03f" };

export interface ReportOptions {
  readonly title?: string;
  /** Listens, closes, attach/detach (scenarioMarks); none drawn without them. */
  readonly marks?: readonly ReportMark[];
  /** Fates and migrations over time (TimelineCollector); totals are drawn without it. */
  readonly timeline?: ReportTimeline;
}

export function renderReport(r: SimResult, options: ReportOptions | string = {}): string {
  const o: ReportOptions = typeof options === "string" ? { title: options } : options;
  const title = o.title ?? r.scenario;
  const marks = o.marks ?? [];
  const c = r.connections;
  const n = r.listeners.length;
  let fates: string;
  let migrations: string;
  if (o.timeline !== undefined) {
    const tl = o.timeline;
    fates = stackedChart(
      "connection fates",
      "connections ending per bar",
      tl.binMs,
      r.durationMs,
      FATES.map((k) => ({ name: k, color: FATE_COLOR[k], values: tl.fates[k] })),
      marks,
    );
    migrations = stackedChart(
      "migrations",
      "migrations per bar",
      tl.binMs,
      r.durationMs,
      POINTS.map((p) => ({ name: POINT_TITLE[p], color: POINT_COLOR[p], values: tl.migrations[p] })),
      marks,
    );
  } else {
    const ended = [
      ...r.listeners.map((l, i) => ({ label: `accepted by ${l.name}`, value: l.accepted, color: color(i, n) })),
      ...Object.entries(r.causes)
        .filter(([k]) => k !== "accepted")
        .map(([k, v]) => ({
          label: k,
          value: v,
          color: k.startsWith("reset") ? "#c0392b" : k.startsWith("open") ? "#7f8c8d" : "#d68910",
        })),
    ];
    fates = bars(ended, "connection fates");
    migrations = bars(
      POINTS.map((p) => ({ label: POINT_TITLE[p], value: r.migrations[p], color: "#2471a3" })),
      "migrations",
    );
  }
  const counters = COUNTER_NAMES.map((k) => [k, r.counters[k]] as [string, number]);
  const markKey = (["listen", "close", "attach", "detach"] as const)
    .map((k) => `<span style="color:${MARK_COLOR[k]}">┆</span> ${k}`)
    .join(" &nbsp;");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} — baton simulate</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5em 2em}svg.chart{display:block;width:100%;height:auto}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}.legend{font-size:12px}</style>
</head><body>
<h1>${esc(title)}</h1>
<p>seed ${r.seed}, ${r.durationMs} ms simulated. Connections: ${c.total} total, ${c.accepted} accepted, ${c.reset} reset, ${c.timedOut} timed out, ${c.open} still open.${marks.length > 0 ? ` Dashed lines mark events: ${markKey}.` : ""}</p>
<h2>Accept-queue length per listener</h2>
${queueChart(r, marks)}
<h2>${o.timeline !== undefined ? "When connections ended, and how" : "Where connections ended up"}</h2>
${fates}
<h2>Migrations${o.timeline !== undefined ? " over time" : " per point"}</h2>
${migrations}
<h2>Listeners</h2>
${table(
  ["listener", "SYNs", "accepted", "migrated in", "migrated out", "max queue", "final queue", "state"],
  r.listeners.map((l) => [l.name, l.syns, l.accepted, l.migratedIn, l.migratedOut, l.maxQueue, l.finalQueue, l.state]),
)}
<h2>Outcomes</h2>
${table(["outcome", "connections"], Object.entries(r.causes))}
<h2>Counters</h2>
${table(["counter", "value"], counters)}
</body></html>
`;
}
