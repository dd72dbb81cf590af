/**
 * Linux errno values that map operations and helpers return (negated, as the kernel's
 * `long` results are), and the error thrown when a map cannot be created.
 * Only the numbers Baton's map types and helpers can produce are listed.
 */
import { InputError } from "../../errors.js";

const EPERM = 1;
export const ENOENT = 2;
export const E2BIG = 7;
const ENOMEM = 12;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
export const ENOSPC = 28;
export const EBADFD = 77;
export const EPROTOTYPE = 91;
export const EOPNOTSUPP = 95;
export const EAFNOSUPPORT = 97;
/** Kernel-internal, but it reaches user space from the sockarray update path (R22). */
export const ENOTSUPP = 524;

const NAMES: Readonly<Record<number, string>> = {
  [EPERM]: "EPERM",
  [ENOENT]: "ENOENT",
  [E2BIG]: "E2BIG",
  [ENOMEM]: "ENOMEM",
  [EFAULT]: "EFAULT",
  [EBUSY]: "EBUSY",
  [EEXIST]: "EEXIST",
  [EINVAL]: "EINVAL",
  [ENOSPC]: "ENOSPC",
  [EBADFD]: "EBADFD",
  [EPROTOTYPE]: "EPROTOTYPE",
  [EOPNOTSUPP]: "EOPNOTSUPP",
  [EAFNOSUPPORT]: "EAFNOSUPPORT",
  [ENOTSUPP]: "ENOTSUPP",
};

/** `-EINVAL` for -22, `0` for 0, the number otherwise. */
export function errnoName(ret: number): string {
  if (ret === 0) return "0";
  const n = NAMES[-ret];
  return n !== undefined ? `-${n}` : String(ret);
}

/** A map the kernel would refuse to create; `errno` is the negative error code. */
export class MapCreateError extends InputError {
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super("map.create", message);
  }
}
