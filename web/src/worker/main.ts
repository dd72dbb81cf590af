/**
 * The playground's Web Worker: every compile, verification, test run, simulation, debugger
 * step and export, so the page never freezes. One request at a time, answered in order;
 * long runs post progress messages.
 */
import { SCENARIOS } from "baton:assets";
import { compileToElf } from "../../../src/elf/writer.js";
import { encode } from "../../../src/vm/isa.js";
import type { Request, Response } from "../protocol.js";
import { analyze } from "./analyze.js";
import { debugState } from "./debug.js";
import { debugEvents } from "./analyze.js";
import { gatedPolicy, PlaygroundError, runDemo, runScenario } from "./simulate.js";

interface WorkerScope {
  postMessage(message: Response, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<Request>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (m: Response, transfer?: Transferable[]): void => scope.postMessage(m, transfer);

/** A failure as one line for the page: a playground refusal or a Baton error's message, never a stack. */
function message(e: unknown): string {
  if (e instanceof PlaygroundError) return e.message;
  if (e instanceof Error) {
    const loc = (e as { location?: { line?: number; col?: number; insn?: number } }).location;
    const at =
      loc?.line !== undefined ? `${loc.line}:${loc.col ?? 1}: ` : loc?.insn !== undefined ? `insn ${loc.insn}: ` : "";
    return `${at}${e.message}`;
  }
  return String(e);
}

function handle(r: Request): void {
  const progress = (fraction: number, label: string): void => post({ kind: "progress", id: r.id, fraction, label });
  switch (r.kind) {
    case "analyze":
      post({ kind: "analysis", id: r.id, analysis: analyze(r.source) });
      return;
    case "simulate":
      post({
        kind: "sim",
        id: r.id,
        sim: runScenario(
          r.source,
          // An edited scenario is named apart from the bundled one its errors would otherwise blame.
          r.scenarioText !== "" ? `${r.scenario} (edited)` : r.scenario,
          r.scenarioText !== "" ? r.scenarioText : (SCENARIOS[r.scenario] ?? ""),
          r.seed,
          progress,
        ),
      });
      return;
    case "demo":
      post({ kind: "demo", id: r.id, demo: runDemo(r.source, r.seed, progress) });
      return;
    case "debug": {
      const p = gatedPolicy(r.source);
      const ev = debugEvents(p)[r.event];
      if (ev === undefined)
        throw new PlaygroundError("the policy has no test event to debug: add a test with an `expect` line");
      post({ kind: "debug", id: r.id, state: debugState(p, ev, r.step) });
      return;
    }
    case "export": {
      const p = gatedPolicy(r.source);
      const name = p.name ?? "policy";
      const bytes =
        r.what === "elf"
          ? compileToElf(p.insns, p.maps, { attachType: p.attachType, programName: name })
          : encode(p.insns);
      post({ kind: "export", id: r.id, bytes, name: `${name}.${r.what === "elf" ? "o" : "bin"}` }, [bytes.buffer]);
      return;
    }
  }
}

scope.onmessage = (e) => {
  try {
    handle(e.data);
  } catch (err) {
    post({ kind: "failed", id: e.data.id, message: message(err) });
  }
};
