/** The classic checker's rejection: the kernel's EINVAL, with the rule and the instruction. */
import { VerifyError } from "../../errors.js";

export type CheckRule =
  | "length"
  | "code"
  | "div-by-zero"
  | "shift"
  | "mem-index"
  | "ja-range"
  | "jump-range"
  | "ancillary"
  | "last-not-ret"
  | "mem-uninit"
  | "convert-range"
  | "optmem";

export class ClassicCheckError extends VerifyError {
  constructor(
    readonly rule: CheckRule,
    message: string,
    readonly insn: number,
    file?: string,
  ) {
    super(`cbpf.check.${rule}`, message, { file, insn });
  }

  /** The errno setsockopt returns: ENOMEM for the size limit, EINVAL for every other rule. */
  get errno(): number {
    return this.rule === "optmem" ? 12 : 22;
  }
}
