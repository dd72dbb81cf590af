// Placeholder until the command lands: keeps the command table complete while modules are built.
import { UsageError } from "../../errors.js";
import type { Command } from "../command.js";

export const command: Command = {
  name: "compile",
  summary: "(in progress)",
  usage: "baton compile (in progress)",
  async run() {
    throw new UsageError("'compile' is not available in this build");
  },
};
