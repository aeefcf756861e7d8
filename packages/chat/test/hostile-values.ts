/**
 * What a hostile or broken client puts in one field, for the fuzz tests: the
 * given constants (ids of real things, stand-ins swapped for them), any text,
 * long text, numbers of every kind, booleans and null.
 */
import fc from 'fast-check';

export function hostileScalar(
  constants: readonly string[],
  longText: { minLength: number; maxLength: number },
): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(...constants),
    fc.string(),
    fc.string(longText),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
  );
}
