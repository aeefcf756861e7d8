/** What the Java method implementations share: argument matching and their limits. */
import type { VtlValue } from './values.ts';
import { VtlProblem } from './values.ts';

/** Methods that build strings check the size of what they would build against this. */
export interface MethodLimits {
  maxStringLength: number;
}

/** `int` parameters take integers in Java's int range; anything else does not match the method. */
export function int(value: VtlValue | undefined): number | undefined {
  if (typeof value !== 'bigint' || value !== BigInt.asIntN(32, value)) return undefined;
  return Number(value);
}

/** `String` parameters take strings only: Velocity 1.7 converts nothing else to one. */
export function str(value: VtlValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A real Java method this gateway does not reproduce: fail loudly instead of rendering nothing. */
export function notReproduced(type: string, name: string): never {
  throw new VtlProblem(`${type}.${name}() is not supported by this gateway's template engine`);
}
