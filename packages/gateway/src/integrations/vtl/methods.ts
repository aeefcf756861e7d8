/**
 * Java methods and bean properties on template values, as Velocity finds them by
 * reflection: `$s.length()`, `$s.substring(0, 3)`, `$list.size()`, `$map.keySet()`,
 * `$map.key` (a map's `get("key")`), `$s.empty` (`isEmpty()`), `$x[0]` (`get(0)`, negative
 * from the end).
 *
 * A call returns `undefined` when Java has no such method for these arguments: Velocity
 * then yields null, which API Gateway renders as nothing. A Java exception (an index out
 * of range, a bad number) is a VtlProblem, as it fails the template on AWS. A real Java
 * method this gateway does not reproduce is a VtlProblem too, never a silent difference.
 */
import { listMethod, mapMethod } from './collection-methods.ts';
import type { MethodLimits } from './method-support.ts';
import { booleanMethod, doubleMethod, integerMethod } from './number-methods.ts';
import { stringMethod } from './string-methods.ts';
import type { HostObject, VtlValue } from './values.ts';
import { beanHost, isHost, javaClassName, VtlList, VtlMap, VtlProblem } from './values.ts';

export type { MethodLimits } from './method-support.ts';

/** `$target.name(args)`. */
export function callMethod(
  target: VtlValue,
  name: string,
  args: VtlValue[],
  limits: MethodLimits,
): VtlValue | undefined {
  if (target === null) return undefined;
  if (name === 'getClass' && args.length === 0) return classOf(target);
  switch (typeof target) {
    case 'string':
      return stringMethod(target, name, args, limits);
    case 'bigint':
      return integerMethod(target, name, args);
    case 'number':
      return doubleMethod(target, name, args);
    case 'boolean':
      return booleanMethod(target, name, args);
  }
  if (target instanceof VtlList) return listMethod(target, name, args);
  if (target instanceof VtlMap) return mapMethod(target, name, args);
  return target.call(name, args);
}

/** `$target.name`: a map's entry, a getter (`getName()`), or a boolean getter (`isName()`). */
export function getProperty(target: VtlValue, name: string, limits: MethodLimits): VtlValue | undefined {
  if (target === null) return undefined;
  if (target instanceof VtlMap) {
    if (name === 'class') return classOf(target);
    return target.entries.get(name) ?? null;
  }
  if (isHost(target)) return target.property(name);
  if (name === 'class') return classOf(target);
  const capitalised = name.charAt(0).toUpperCase() + name.slice(1);
  const getter = callMethod(target, `get${capitalised}`, [], limits);
  if (getter !== undefined) return getter;
  const flag = callMethod(target, `is${capitalised}`, [], limits);
  return typeof flag === 'boolean' ? flag : undefined;
}

/** `$target[index]`: Velocity calls `get(index)`, turning a negative index into `size() + index`. */
export function getIndex(target: VtlValue, index: VtlValue, limits: MethodLimits): VtlValue | undefined {
  let argument = index;
  if (typeof index === 'bigint' && index < 0n) {
    const size = callMethod(target, 'size', [], limits);
    if (typeof size !== 'bigint')
      throw new VtlProblem(`a negative index needs a value with size(), not ${javaClassName(target)}`);
    argument = size + index;
  }
  return callMethod(target, 'get', [argument], limits);
}

function classOf(value: VtlValue): HostObject {
  const name = javaClassName(value);
  const simpleName = name.slice(name.lastIndexOf('.') + 1);
  return beanHost('a class', { name: () => name, simpleName: () => simpleName }, () => `class ${name}`);
}
