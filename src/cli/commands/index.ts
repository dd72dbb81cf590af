import type { Command } from "../command.js";
import { command as asm } from "./asm.js";
import { command as bench } from "./bench.js";
import { command as cbpf } from "./cbpf.js";
import { command as check } from "./check.js";
import { command as compile } from "./compile.js";
import { command as conformance } from "./conformance.js";
import { command as demo } from "./demo.js";
import { command as disasm } from "./disasm.js";
import { command as run } from "./run.js";
import { command as simulate } from "./simulate.js";
import { command as test } from "./test.js";
import { command as verify } from "./verify.js";

export const COMMANDS: readonly Command[] = [
  asm,
  disasm,
  run,
  bench,
  conformance,
  verify,
  compile,
  check,
  test,
  simulate,
  demo,
  cbpf,
];
