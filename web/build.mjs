// `npm run build:web`: the playground as a static site in web/dist/ (issue 18). One esbuild run
// bundles the page and its Web Worker from the same src/ modules the CLI uses; the example
// policies and scenarios are bundled as text (virtual module `baton:assets`). platform
// "browser" makes any node:* import a build error, and meta.json records the import graph.
/* global process, console */
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const WEB = dirname(fileURLToPath(import.meta.url));
const ROOT = join(WEB, "..");
const OUT = join(WEB, "dist");

/** A UDP scenario (a top-level "udp" section): its programs are object files, simulated by the CLI only. */
function isUdp(text) {
  try {
    const v = JSON.parse(text);
    return typeof v === "object" && v !== null && typeof v.udp === "object" && v.udp !== null;
  } catch {
    return false;
  }
}

/** The bundled examples: every policies/*.baton, and every TCP scenario of scenarios/. */
function assetsModule() {
  const read = (dir, ext, keep = () => true) =>
    Object.fromEntries(
      readdirSync(join(ROOT, dir))
        .filter((f) => f.endsWith(ext))
        .sort()
        .map((f) => [f.slice(0, -ext.length), readFileSync(join(ROOT, dir, f), "utf8")])
        .filter(([name, text]) => keep(name, text)),
    );
  const policies = read("policies", ".baton");
  const scenarios = read("scenarios", ".json", (name, text) => name !== "scenario.schema" && !isUdp(text));
  return `export const POLICIES = ${JSON.stringify(policies)};\nexport const SCENARIOS = ${JSON.stringify(scenarios)};\n`;
}

const assets = {
  name: "baton-assets",
  setup(b) {
    b.onResolve({ filter: /^baton:assets$/ }, () => ({ path: "baton:assets", namespace: "baton-assets" }));
    b.onLoad({ filter: /.*/, namespace: "baton-assets" }, () => ({
      contents: assetsModule(),
      loader: "js",
      resolveDir: ROOT,
    }));
  },
};

export async function buildWeb({ quiet = false } = {}) {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const result = await build({
    entryPoints: { main: join(WEB, "src/page/main.ts"), worker: join(WEB, "src/worker/main.ts") },
    outdir: OUT,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome110", "firefox115", "safari16"],
    minify: true,
    sourcemap: false,
    metafile: true,
    legalComments: "none",
    logLevel: quiet ? "error" : "warning",
    plugins: [assets],
  });
  writeFileSync(join(OUT, "meta.json"), JSON.stringify(result.metafile));
  for (const f of ["index.html", "style.css"]) copyFileSync(join(WEB, f), join(OUT, f));
  return result.metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const meta = await buildWeb();
  for (const [file, o] of Object.entries(meta.outputs)) console.log(`${file}  ${(o.bytes / 1024).toFixed(0)} KiB`);
}
