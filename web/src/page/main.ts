/**
 * The playground page: an editor, and panels for the compiled program, the verifier, the
 * tests, a simulation, the three-way rolling restart and a step debugger. All work happens in
 * the worker (client.ts); this module keeps the state, renders, and mirrors the state in the
 * URL fragment (fragment.ts). Timings of each worker task go to `window.__batonTimings`.
 */
import { POLICIES, SCENARIOS } from "baton:assets";
import type { Analysis, DebugState, DemoView, Diagnostic, SimView } from "../protocol.js";
import { WorkerClient, type Outcome } from "./client.js";
import { decodeState, encodeState } from "./fragment.js";
import { highlight } from "./highlight.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const DEFAULT_POLICY = "migrate_to_newest";
const DEFAULT_SCENARIO = "rolling-restart-policy";

interface Timings {
  compileVerify: number[];
  analyze: number[];
  simulate: number[];
  demo: number[];
}
const timings: Timings = { compileVerify: [], analyze: [], simulate: [], demo: [] };
(window as unknown as { __batonTimings: Timings }).__batonTimings = timings;

const editor = $<HTMLTextAreaElement>("editor");
const hl = $("hl");
const state = {
  analysis: null as Analysis | null,
  sim: null as SimView | null,
  demo: null as DemoView | null,
  debugStep: 0,
  traceCursor: -1,
  analyzedSource: "",
};

const client = new WorkerClient(new URL("./worker.js", import.meta.url), (busy, fraction, label) => {
  $("busy").hidden = !busy;
  const bar = $<HTMLProgressElement>("busy-bar");
  if (fraction === null) bar.removeAttribute("value");
  else bar.value = fraction;
  $("busy-label").textContent = label;
});

// ---------- editor ----------

function diagnostics(): readonly Diagnostic[] {
  return state.analysis?.diagnostics ?? [];
}

function renderEditor(): void {
  hl.innerHTML = highlight(editor.value, state.analyzedSource === editor.value ? diagnostics() : []);
  syncScroll();
}

function syncScroll(): void {
  hl.scrollTop = editor.scrollTop;
  hl.scrollLeft = editor.scrollLeft;
}

function markSourceLines(lines: ReadonlySet<number>, cls: string): void {
  for (const el of hl.querySelectorAll(`.ln.${cls}`)) el.classList.remove(cls);
  for (const n of lines) hl.querySelector(`.ln[data-line="${n}"]`)?.classList.add(cls);
}

function markListing(pred: (pc: number, line: number | null) => boolean, cls: string): void {
  for (const el of $("listing").querySelectorAll<HTMLElement>(".ins")) {
    const line = el.dataset.line === undefined ? null : Number(el.dataset.line);
    el.classList.toggle(cls, pred(Number(el.dataset.pc), line));
  }
}

/** The source position under the mouse in the textarea (monospace metrics). */
function positionAt(e: MouseEvent): { line: number; col: number } {
  const r = editor.getBoundingClientRect();
  const cs = getComputedStyle(editor);
  const lh = parseFloat(cs.lineHeight);
  const probe = document.createElement("span");
  probe.style.font = cs.font;
  probe.textContent = "0".repeat(50);
  document.body.append(probe);
  const cw = probe.getBoundingClientRect().width / 50;
  probe.remove();
  const pad = parseFloat(cs.paddingTop);
  return {
    line: Math.floor((e.clientY - r.top - pad + editor.scrollTop) / lh) + 1,
    col: Math.floor((e.clientX - r.left - parseFloat(cs.paddingLeft) + editor.scrollLeft) / cw) + 1,
  };
}

editor.addEventListener("scroll", syncScroll);
editor.addEventListener("mousemove", (e) => {
  const { line, col } = positionAt(e);
  markSourceLines(new Set([line]), "hot");
  markListing((_pc, l) => l === line, "hot");
  const d = diagnostics().find((x) => x.line === line && col >= x.col && col < x.col + Math.max(1, x.length));
  const tip = $("tip");
  if (d === undefined || state.analyzedSource !== editor.value) {
    tip.hidden = true;
    return;
  }
  tip.hidden = false;
  tip.textContent = `${d.line}:${d.col}: ${d.message}${d.hint !== undefined ? `\nnote: ${d.hint}` : ""}`;
  const box = $("editor-box").getBoundingClientRect();
  tip.style.left = `${Math.min(e.clientX - box.left + 12, box.width - 260)}px`;
  tip.style.top = `${e.clientY - box.top + 16}px`;
});
editor.addEventListener("mouseleave", () => {
  $("tip").hidden = true;
  markSourceLines(new Set(), "hot");
  markListing(() => false, "hot");
});

let debounce: number | undefined;
editor.addEventListener("input", () => {
  renderEditor();
  // Until the worker answers for this text, the verdict shown would be the old text's.
  for (const id of ["verdict", "processed", "insns", "tests"]) $(id).textContent = "…";
  $("verdict").className = "";
  $<HTMLSelectElement>("example").value = exampleOf(editor.value);
  clearTimeout(debounce);
  debounce = window.setTimeout(() => void analyzeNow(), 250);
});
editor.addEventListener("keydown", (e) => {
  if (e.key !== "Tab") return;
  e.preventDefault();
  editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
  editor.dispatchEvent(new Event("input"));
});

// ---------- analysis ----------

function failed(o: Outcome): string | null {
  if (o.kind === "failed") return o.message;
  if (o.kind === "cancelled") return "cancelled";
  return null;
}

async function analyzeNow(): Promise<void> {
  const source = editor.value;
  const t0 = performance.now();
  const o = await client.request({ kind: "analyze", source }, "compiling and verifying");
  if (o.kind !== "analysis") {
    if (o.kind === "failed") $("error").textContent = o.message;
    return;
  }
  timings.analyze.push(performance.now() - t0);
  timings.compileVerify.push(o.analysis.ms.compile + o.analysis.ms.verify);
  state.analysis = o.analysis;
  state.analyzedSource = source;
  state.traceCursor = -1;
  renderAnalysis();
}

function renderAnalysis(): void {
  const a = state.analysis;
  if (a === null) return;
  renderEditor();
  const v = a.verifier;
  const verdict = $("verdict");
  verdict.textContent = v === null ? "not run" : v.accepted ? "accepted" : "rejected";
  verdict.className = v === null ? "" : v.accepted ? "accepted" : "rejected";
  $("processed").textContent = v === null ? "–" : String(v.processed);
  $("insns").textContent = a.program === null ? "–" : String(a.program.insns);
  const passed = a.tests?.filter((t) => t.passed).length ?? 0;
  $("tests").textContent = a.tests === null ? "not run" : `${passed} passed, ${a.tests.length - passed} failed`;
  $("timing").textContent =
    `compile ${a.ms.compile.toFixed(1)} ms, verify ${a.ms.verify.toFixed(1)} ms, tests ${a.ms.tests.toFixed(1)} ms`;
  const first = a.diagnostics[0];
  $("error").textContent = first === undefined ? "" : `${first.line}:${first.col}: ${first.message}`;
  $("diags").innerHTML = a.diagnostics
    .map(
      (d, i) =>
        `<li data-i="${i}">${esc(`${d.line}:${d.col}: ${d.phase === "verifier" ? "verifier" : "error"}: ${d.message}`)}${d.hint !== undefined ? `<br>note: ${esc(d.hint)}` : ""}</li>`,
    )
    .join("");
  renderProgram(a);
  renderVerifier(a);
  renderTests(a);
  renderDebugEvents(a);
}

$("diags").addEventListener("click", (e) => {
  const li = (e.target as HTMLElement).closest("li");
  const d = li === null ? undefined : diagnostics()[Number(li.dataset.i)];
  if (d !== undefined) goToLine(d.line, d.col);
});

function goToLine(line: number, col = 1): void {
  const lines = editor.value.split("\n");
  let off = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) off += lines[i]!.length + 1;
  editor.focus();
  editor.setSelectionRange(off + col - 1, off + col - 1);
  editor.scrollTop = Math.max(0, (line - 5) * parseFloat(getComputedStyle(editor).lineHeight));
  syncScroll();
}

function renderProgram(a: Analysis): void {
  const p = a.program;
  if (p === null) {
    $("maps").innerHTML = "";
    $("listing").innerHTML = `<p class="note">the policy does not compile</p>`;
    return;
  }
  $("maps").innerHTML =
    p.maps.length === 0
      ? `<p class="note">no maps</p>`
      : `<table><tr><th>fd</th><th>name</th><th>type</th><th>key</th><th>value</th><th>max entries</th></tr>${p.maps.map((m) => `<tr><td>${m.fd}</td><td>${esc(m.name)}</td><td>${esc(m.type)}</td><td>${m.keySize}</td><td>${m.valueSize}</td><td>${m.maxEntries}</td></tr>`).join("")}</table><p class="note">${p.insns} instructions, ${p.stackBytes} stack bytes</p>`;
  const src = editor.value.split("\n");
  let last = -1;
  const bad = a.verifier?.error?.insn ?? null;
  const out: string[] = [];
  for (const l of p.listing) {
    if (l.line !== null && l.line !== last) {
      last = l.line;
      out.push(`<div class="src" data-line="${l.line}">; ${l.line}: ${esc((src[l.line - 1] ?? "").trim())}</div>`);
    }
    out.push(
      `<div class="ins${l.pc === bad ? " bad" : ""}" data-pc="${l.pc}"${l.line !== null ? ` data-line="${l.line}"` : ""}>${String(l.pc).padStart(4)}: ${esc(l.text)}</div>`,
    );
  }
  $("listing").innerHTML = out.join("");
}

$("listing").addEventListener("mouseover", (e) => {
  const el = (e.target as HTMLElement).closest<HTMLElement>("[data-line]");
  if (el === null) return;
  const line = Number(el.dataset.line);
  markSourceLines(new Set([line]), "hot");
  markListing((_pc, l) => l === line, "hot");
});

function renderVerifier(a: Analysis): void {
  const v = a.verifier;
  if (v === null) {
    $("vsummary").innerHTML = `<p class="note">the verifier runs once the policy compiles</p>`;
    $("vdetail").innerHTML = "";
    $("trace").innerHTML = "";
    $("trace-pos").textContent = "";
    return;
  }
  $("vsummary").innerHTML =
    `<p><b class="${v.accepted ? "accepted" : "rejected"}">${v.accepted ? "accepted" : "rejected"}</b>: ${v.processed} instructions processed, ${v.states} states (peak ${v.peakStates}), stack depth ${v.stackDepth} bytes</p>${v.warnings.map((w) => `<p class="note">warning: ${esc(w)}</p>`).join("")}`;
  const e = v.error;
  $("vdetail").innerHTML =
    e === null
      ? ""
      : `<div class="detail"><pre>${esc(`${e.line}:${e.col}: error: ${e.message}${e.hint !== undefined ? `\nnote: ${e.hint}` : ""}`)}</pre>${v.detail === null ? "" : `<p>at instruction ${v.detail.insn}: <code>${esc(v.detail.text)}</code></p><p>path (branches taken):</p><pre>${v.detail.path.length === 0 ? "(straight from the start)" : esc(v.detail.path.join(", "))}</pre><p>register state:</p><pre>${esc(v.detail.state)}</pre>`}</div>`;
  const omitted =
    v.traceOmitted < 0
      ? `<p class="note">the trace is not recorded for ${v.processed} processed instructions (too long for a page)</p>`
      : v.traceOmitted > 0
        ? `<p class="note">… ${v.traceOmitted} more lines</p>`
        : "";
  $("trace").innerHTML =
    v.trace
      .map((t, i) => `<div data-i="${i}"${t.insn !== null ? ` data-insn="${t.insn}"` : ""}>${esc(t.text)}</div>`)
      .join("") + omitted;
  moveTrace(-1);
}

function moveTrace(to: number): void {
  const v = state.analysis?.verifier;
  if (v === null || v === undefined) return;
  state.traceCursor = Math.max(-1, Math.min(to, v.trace.length - 1));
  for (const el of $("trace").querySelectorAll(".cur")) el.classList.remove("cur");
  const t = v.trace[state.traceCursor];
  $("trace-pos").textContent =
    v.trace.length === 0
      ? ""
      : state.traceCursor < 0
        ? `${v.trace.length} entries`
        : `entry ${state.traceCursor + 1} of ${v.trace.length}${t?.insn !== null && t?.insn !== undefined ? `, insn ${t.insn}` : ""}`;
  if (t === undefined) return;
  const el = $("trace").querySelector<HTMLElement>(`[data-i="${state.traceCursor}"]`);
  el?.classList.add("cur");
  el?.scrollIntoView({ block: "nearest" });
  if (t.insn !== null) {
    const line = state.analysis?.program?.listing.find((l) => l.pc === t.insn)?.line ?? null;
    markListing((pc) => pc === t.insn, "pc");
    markSourceLines(new Set(line === null ? [] : [line]), "pc");
  }
}

$("trace-prev").addEventListener("click", () => moveTrace(state.traceCursor - 1));
$("trace-next").addEventListener("click", () => moveTrace(state.traceCursor + 1));
$("trace").addEventListener("click", (e) => {
  const el = (e.target as HTMLElement).closest<HTMLElement>("[data-i]");
  if (el !== null) moveTrace(Number(el.dataset.i));
});

function renderTests(a: Analysis): void {
  const list = $("testlist");
  if (a.tests === null) {
    list.innerHTML = `<li class="note">${a.program === null ? "the policy does not compile" : "the tests run only once the verifier accepts the program"}</li>`;
    return;
  }
  if (a.tests.length === 0) {
    list.innerHTML = `<li class="note">no tests</li>`;
    return;
  }
  list.innerHTML = a.tests
    .map(
      (t) =>
        `<li class="${t.passed ? "ok" : "fail"}" data-line="${t.line}">${esc(t.name)} <span class="note">(${t.events} events, line ${t.line})</span>${t.failures.map((f) => `<div class="msg">${f.line}:${f.col}: ${esc(f.message)}</div>`).join("")}</li>`,
    )
    .join("");
}

$("testlist").addEventListener("click", (e) => {
  const el = (e.target as HTMLElement).closest<HTMLElement>("[data-line]");
  if (el !== null) goToLine(Number(el.dataset.line));
});

// ---------- simulation and the three-way demo ----------

function seedValue(): number | null {
  const t = $<HTMLInputElement>("seed").value.trim();
  return /^\d{1,10}$/.test(t) && Number(t) <= 0xffffffff ? Number(t) : null;
}

function scenarioText(): string {
  const name = $<HTMLSelectElement>("scenario").value;
  const text = $<HTMLTextAreaElement>("scenario-json").value;
  return text === SCENARIOS[name] ? "" : text;
}

async function simulateNow(): Promise<void> {
  const scenario = $<HTMLSelectElement>("scenario").value;
  $("sim-summary").textContent = "";
  $("sim-note").textContent = "";
  const t0 = performance.now();
  const o = await client.request(
    { kind: "simulate", source: editor.value, scenario, scenarioText: scenarioText(), seed: seedValue() },
    `simulating ${scenario}`,
  );
  const err = failed(o);
  if (o.kind !== "sim") {
    $("sim-summary").textContent = `not simulated: ${err ?? "?"}`;
    $<HTMLIFrameElement>("sim-report").srcdoc = "";
    return;
  }
  timings.simulate.push(performance.now() - t0);
  state.sim = o.sim;
  $("sim-summary").textContent = o.sim.summary;
  $("sim-note").textContent = `${o.sim.note ?? ""} (${o.sim.ms.toFixed(0)} ms in the worker)`;
  $<HTMLIFrameElement>("sim-report").srcdoc = o.sim.reportHtml;
}

async function demoNow(): Promise<void> {
  $("demo-table").innerHTML = "";
  const t0 = performance.now();
  const o = await client.request({ kind: "demo", source: editor.value, seed: seedValue() }, "rolling restart");
  if (o.kind !== "demo") {
    $("demo-table").textContent = `not run: ${failed(o) ?? "?"}`;
    return;
  }
  timings.demo.push(performance.now() - t0);
  state.demo = o.demo;
  const d = o.demo;
  $("demo-table").innerHTML =
    `<table><tr><th></th>${d.columns.map((c) => `<th>${esc(c.title)}</th>`).join("")}</tr>${d.rowNames.map((r) => `<tr><td>${esc(r).replace(/^ +/, (s) => "&nbsp;".repeat(s.length * 2))}</td>${d.columns.map((c) => `<td>${esc(String(c.rows[r] ?? 0))}</td>`).join("")}</tr>`).join("")}</table><p class="note">${d.ms.toFixed(0)} ms in the worker for the three simulations</p>`;
}

$("sim-run").addEventListener("click", () => void simulateNow());
$("demo-run").addEventListener("click", () => void demoNow());
$("cancel").addEventListener("click", () => client.cancel());
$("scenario").addEventListener("change", () => {
  $<HTMLTextAreaElement>("scenario-json").value = SCENARIOS[$<HTMLSelectElement>("scenario").value] ?? "";
});

// ---------- debugger ----------

function renderDebugEvents(a: Analysis): void {
  const sel = $<HTMLSelectElement>("dbg-event");
  const prev = sel.value;
  sel.innerHTML = a.debugEvents.map((e, i) => `<option value="${i}">line ${e.line}: ${esc(e.label)}</option>`).join("");
  if (prev !== "" && Number(prev) < a.debugEvents.length) sel.value = prev;
  $("dbg-out").innerHTML =
    a.debugEvents.length === 0
      ? `<p class="note">the debugger runs the events of the policy's tests: add a test with an <code>expect</code> line</p>`
      : "";
  $("dbg-pos").textContent = "";
}

async function debugTo(step: number): Promise<void> {
  const ev = Number($<HTMLSelectElement>("dbg-event").value || "0");
  const o = await client.request({ kind: "debug", source: editor.value, event: ev, step }, "debugger");
  if (o.kind !== "debug") {
    $("dbg-out").textContent = `cannot debug: ${failed(o) ?? "?"}`;
    return;
  }
  renderDebug(o.state);
}

function renderDebug(s: DebugState): void {
  state.debugStep = s.step;
  $("dbg-pos").textContent = `step ${s.step} of ${s.total}${s.pc !== null ? `, next instruction ${s.pc}` : ", exited"}`;
  const listing = state.analysis?.program?.listing ?? [];
  const cur = s.pc === null ? undefined : listing.find((l) => l.pc === s.pc);
  markListing((pc) => pc === s.pc, "pc");
  markSourceLines(new Set(cur?.line !== null && cur?.line !== undefined ? [cur.line] : []), "pc");
  const regs = `<table class="regs"><tr><th>reg</th><th>value</th></tr>${s.regs.map((r, i) => `<tr><td>r${i}</td><td data-testid="dbg-r${i}">${esc(r)}</td></tr>`).join("")}</table>`;
  const stack =
    s.stack.length === 0
      ? `<p class="note">stack: all zero</p>`
      : `<table class="regs"><tr><th>offset from the stack top</th><th>8 bytes (u64)</th></tr>${s.stack.map((w) => `<tr><td>${w.off}</td><td>${w.hex}</td></tr>`).join("")}</table>`;
  const maps = s.maps
    .map(
      (m) =>
        `<p><b>${esc(m.name)}</b>: ${m.entries.length === 0 ? '<span class="note">empty</span>' : esc(m.entries.join(", "))}</p>`,
    )
    .join("");
  $("dbg-out").innerHTML =
    `<p data-testid="dbg-insn">${cur !== undefined ? `next: <code>${cur.pc}: ${esc(cur.text)}</code>` : s.outcome !== null ? `returned: ${esc(s.outcome)}` : ""}</p><div style="display:flex;gap:16px;align-items:flex-start">${regs}<div><h2>Stack</h2>${stack}<h2>Maps</h2>${maps}</div></div>`;
  for (const el of $("listing").querySelectorAll(".pc")) el.scrollIntoView({ block: "nearest" });
}

$("dbg-first").addEventListener("click", () => void debugTo(0));
$("dbg-back").addEventListener("click", () => void debugTo(Math.max(0, state.debugStep - 1)));
$("dbg-fwd").addEventListener("click", () => void debugTo(state.debugStep + 1));
$("dbg-last").addEventListener("click", () => void debugTo(Number.MAX_SAFE_INTEGER));
$("dbg-event").addEventListener("change", () => void debugTo(0));

// ---------- tabs, sharing, exports ----------

function showTab(name: string): void {
  for (const b of $("tabs").querySelectorAll<HTMLElement>("button")) b.classList.toggle("on", b.dataset.tab === name);
  for (const p of document.querySelectorAll<HTMLElement>(".panel")) p.hidden = p.id !== `panel-${name}`;
  if (name === "debug" && state.analysis !== null && state.analysis.debugEvents.length > 0)
    void debugTo(state.debugStep);
}
$("tabs").addEventListener("click", (e) => {
  const tab = (e.target as HTMLElement).closest<HTMLElement>("button")?.dataset.tab;
  if (tab !== undefined) showTab(tab);
});

function currentFragment(): string {
  return encodeState({ src: editor.value, scenario: $<HTMLSelectElement>("scenario").value, seed: seedValue() });
}

$("share").addEventListener("click", () => {
  const frag = currentFragment();
  history.replaceState(null, "", frag);
  void navigator.clipboard?.writeText(location.href).catch(() => undefined);
  $("share").textContent = "link in the address bar";
  setTimeout(() => ($("share").textContent = "share link"), 1500);
});

function download(name: string, bytes: Uint8Array | string, type: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function exportProgram(what: "elf" | "bin"): Promise<void> {
  const o = await client.request({ kind: "export", source: editor.value, what }, "exporting");
  if (o.kind === "export") download(o.name, o.bytes, "application/octet-stream");
  else $("error").textContent = `export: ${failed(o) ?? "?"}`;
}
$("export-elf").addEventListener("click", () => void exportProgram("elf"));
$("export-bin").addEventListener("click", () => void exportProgram("bin"));
$("export-json").addEventListener("click", () => {
  const a = state.analysis;
  const json = {
    source: editor.value,
    fragment: currentFragment(),
    analysis: a,
    simulation: state.sim === null ? null : (JSON.parse(state.sim.resultJson) as unknown),
    rollingRestart: state.demo,
  };
  download(`${a?.program?.name ?? "policy"}.json`, JSON.stringify(json, null, 2), "application/json");
});

// ---------- start ----------

function fillSelect(sel: HTMLSelectElement, names: readonly string[], value: string, label = (n: string) => n): void {
  sel.innerHTML = names.map((n) => `<option value="${esc(n)}">${esc(label(n))}</option>`).join("");
  sel.value = value;
}

/** The example the editor holds unchanged, or "" (shown as "(your own)"). */
function exampleOf(src: string): string {
  return Object.entries(POLICIES).find(([, text]) => text === src)?.[0] ?? "";
}

async function loadFromFragment(): Promise<void> {
  const st = decodeState(location.hash);
  const example = st.src === null ? DEFAULT_POLICY : exampleOf(st.src);
  const scenario =
    st.scenario !== null && SCENARIOS[st.scenario] !== undefined
      ? st.scenario
      : (scenarioFor(example) ?? DEFAULT_SCENARIO);
  fillSelect($<HTMLSelectElement>("scenario"), Object.keys(SCENARIOS), scenario);
  $<HTMLTextAreaElement>("scenario-json").value = SCENARIOS[scenario] ?? "";
  $<HTMLInputElement>("seed").value = st.seed === null ? "" : String(st.seed);
  $<HTMLSelectElement>("example").value = example;
  editor.value = st.src ?? POLICIES[DEFAULT_POLICY] ?? "";
  renderEditor();
  await analyzeNow();
  if (st.badSrc)
    $("error").textContent = "the link's src= is not base64url of UTF-8 text: showing the default policy instead";
  // A link that names a scenario reproduces its simulation too.
  if (st.scenario !== null) await simulateNow();
}

fillSelect($<HTMLSelectElement>("example"), ["", ...Object.keys(POLICIES)], DEFAULT_POLICY, (n) =>
  n === "" ? "(your own)" : n,
);
/**
 * The bundled scenario made for an example policy: the first (by name) whose attach event names
 * policies/NAME.baton, so picking an example also picks a scenario its maps fit.
 */
function scenarioFor(example: string): string | undefined {
  const needle = `"policy": "policies/${example}.baton"`;
  return Object.keys(SCENARIOS)
    .sort()
    .find((n) => SCENARIOS[n]!.includes(needle));
}

$("example").addEventListener("change", () => {
  const name = $<HTMLSelectElement>("example").value;
  if (POLICIES[name] === undefined) return;
  editor.value = POLICIES[name]!;
  const scenario = scenarioFor(name);
  if (scenario !== undefined) {
    $<HTMLSelectElement>("scenario").value = scenario;
    $<HTMLTextAreaElement>("scenario-json").value = SCENARIOS[scenario] ?? "";
  }
  state.debugStep = 0;
  renderEditor();
  void analyzeNow();
});
window.addEventListener("hashchange", () => void loadFromFragment());
void loadFromFragment();
