/**
 * The page's side of the worker: one request in flight at a time. A new request while one is
 * running (a keystroke during a long verification, a second simulation) ends the worker and
 * starts a fresh one — JavaScript cannot interrupt a running computation otherwise — and the
 * superseded request resolves as cancelled.
 */
import type { Request, Response } from "../protocol.js";

export type Outcome = Response | { readonly kind: "cancelled"; readonly id: number };
type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export class WorkerClient {
  private worker: Worker;
  private nextId = 1;
  private pending: {
    id: number;
    resolve: (r: Outcome) => void;
    onProgress: (f: number, label: string) => void;
  } | null = null;

  constructor(
    private readonly url: URL,
    private readonly onBusy: (busy: boolean, fraction: number | null, label: string) => void,
  ) {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const w = new Worker(this.url, { type: "module" });
    w.onmessage = (e: MessageEvent<Response>) => this.receive(e.data);
    w.onerror = (e) => {
      const p = this.pending;
      if (p === null) return;
      this.finish({ kind: "failed", id: p.id, message: e.message || "the worker failed" });
    };
    return w;
  }

  private receive(m: Response): void {
    const p = this.pending;
    if (p === null || m.id !== p.id) return;
    if (m.kind === "progress") {
      p.onProgress(m.fraction, m.label);
      this.onBusy(true, m.fraction, m.label);
      return;
    }
    this.finish(m);
  }

  private finish(o: Outcome): void {
    const p = this.pending;
    this.pending = null;
    this.onBusy(false, null, "");
    p?.resolve(o);
  }

  /** End whatever runs now (the worker is replaced). */
  cancel(): void {
    if (this.pending === null) return;
    this.worker.terminate();
    this.worker = this.spawn();
    this.finish({ kind: "cancelled", id: this.pending.id });
  }

  request(
    body: RequestBody,
    label: string,
    onProgress: (f: number, label: string) => void = () => undefined,
  ): Promise<Outcome> {
    this.cancel();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending = { id, resolve, onProgress };
      this.onBusy(true, null, label);
      this.worker.postMessage({ ...body, id } as Request);
    });
  }
}
