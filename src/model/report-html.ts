/**
 * A self-contained HTML report of one simulation: summary tables and three inline SVG
 * charts (accept-queue length per listener over time, where connections ended up,
 * migrations per point). No scripts, no external assets; deterministic output.
 */
import { COUNTER_NAMES } from "./netns.js";
import type { SimResult } from "./sim-result.js";

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A fixed, distinguishable palette (HSL steps), indexed by listener. */
function color(i: number, n: number): string {
  const hue = Math.round((i * 360) / Math.max(1, n)) % 360;
  return `hsl(${hue},65%,${i % 2 === 0 ? 42 : 58}%)`;
}

function queueChart(r: SimResult): string {
  const W = 860, H = 300, L = 50, B = 30, T = 10, R = 10;
  const t = r.series.tMs;
  const names = Object.keys(r.series.queues);
  const maxY = Math.max(1, ...names.map((n) => Math.max(0, ...(r.series.queues[n] as number[]))));
  const maxX = Math.max(1, r.durationMs);
  const x = (v: number) => (L + ((W - L - R) * v) / maxX).toFixed(1);
  const y = (v: number) => (H - B - ((H - B - T) * v) / maxY).toFixed(1);
  const lines = names.map((n, i) => {
    const ys = r.series.queues[n] as number[];
    const pts = t.map((tv, j) => `${x(tv)},${y(ys[j] ?? 0)}`).join(" ");
    return `<polyline fill="none" stroke="${color(i, names.length)}" stroke-width="1.5" points="${pts}"><title>${esc(n)}</title></polyline>`;
  });
  const axes = `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>` +
    `<text x="${L - 5}" y="${T + 10}" text-anchor="end" font-size="11">${maxY}</text><text x="${L - 5}" y="${H - B}" text-anchor="end" font-size="11">0</text>` +
    `<text x="${W - R}" y="${H - 8}" text-anchor="end" font-size="11">${maxX} ms</text><text x="${L}" y="${H - 8}" font-size="11">0</text>` +
    // Axis titles, so the chart reads without the heading (queue length = sk_ack_backlog, R14).
    `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" font-size="11" fill="#555">simulated time</text>` +
    `<text x="${L + 6}" y="${T + 10}" font-size="11" fill="#555">accept-queue length (connections)</text>`;
  const legend = names.map((n, i) => `<span style="color:${color(i, names.length)}">■</span> ${esc(n)}`).join(" &nbsp;");
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="accept queue length">${axes}${lines.join("")}</svg><p class="legend">${legend}</p>`;
}

function bars(items: { label: string; value: number; color: string }[], title: string): string {
  const W = 860, rowH = 18, L = 190;
  const max = Math.max(1, ...items.map((i) => i.value));
  const H = items.length * rowH + 10;
  const rows = items.map((it, i) => {
    const w = ((W - L - 80) * it.value) / max;
    const yy = 5 + i * rowH;
    return `<text x="${L - 6}" y="${yy + 12}" text-anchor="end" font-size="12">${esc(it.label)}</text>` +
      `<rect x="${L}" y="${yy + 2}" width="${w.toFixed(1)}" height="${rowH - 5}" fill="${it.color}"/>` +
      `<text x="${(L + w + 4).toFixed(1)}" y="${yy + 12}" font-size="12">${it.value}</text>`;
  });
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">${rows.join("")}</svg>`;
}

function table(head: string[], rows: (string | number)[][]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join("");
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

export function renderReport(r: SimResult, title = r.scenario): string {
  const c = r.connections;
  const n = r.listeners.length;
  const ended = [
    ...r.listeners.map((l, i) => ({ label: `accepted by ${l.name}`, value: l.accepted, color: color(i, n) })),
    ...Object.entries(r.causes)
      .filter(([k]) => k !== "accepted")
      .map(([k, v]) => ({ label: k, value: v, color: k.startsWith("reset") ? "#c0392b" : k.startsWith("open") ? "#7f8c8d" : "#d68910" })),
  ];
  const mig = (["close", "timer", "ack"] as const).map((p) => ({ label: { close: "close (R14)", timer: "SYN-ACK timer (R15)", ack: "final ACK (R16)" }[p], value: r.migrations[p], color: "#2471a3" }));
  const counters = COUNTER_NAMES.map((k) => [k, r.counters[k]] as [string, number]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} — baton simulate</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:900px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}.legend{font-size:12px}</style>
</head><body>
<h1>${esc(title)}</h1>
<p>seed ${r.seed}, ${r.durationMs} ms simulated. Connections: ${c.total} total, ${c.accepted} accepted, ${c.reset} reset, ${c.timedOut} timed out, ${c.open} still open.</p>
<h2>Accept-queue length per listener</h2>
${queueChart(r)}
<h2>Where connections ended up</h2>
${bars(ended, "connection fates")}
<h2>Migrations per point</h2>
${bars(mig, "migrations")}
<h2>Listeners</h2>
${table(["listener", "SYNs", "accepted", "migrated in", "migrated out", "max queue", "final queue", "state"], r.listeners.map((l) => [l.name, l.syns, l.accepted, l.migratedIn, l.migratedOut, l.maxQueue, l.finalQueue, l.state]))}
<h2>Counters</h2>
${table(["counter", "value"], counters)}
</body></html>
`;
}
