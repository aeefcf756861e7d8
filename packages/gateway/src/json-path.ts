/**
 * A path into a parsed JSON value, as selection expressions (`$request.body.a[0]`),
 * mapping templates (`$input.json('$.a[0]')`) and request parameters
 * (`route.request.body.a`) name it.
 */

/** The steps of a path: member names and array indices. */
export type JsonPath = ReadonlyArray<string | number>;

/**
 * The value at `path`, or `undefined` when any step is missing. Only what the JSON
 * holds counts: an object's own members and an array's elements, so `constructor`,
 * `toString` or an array's `length` name nothing, not JavaScript internals.
 */
export function resolveJsonPath(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    if (Array.isArray(current) && !ARRAY_INDEX.test(String(segment))) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

const ARRAY_INDEX = /^\d+$/;
