/** `java.util.List` and `java.util.Map` methods on template lists and maps (and the read-only ones on Java arrays). */
import { int, notReproduced } from './method-support.ts';
import type { HostObject, VtlMapKey, VtlValue } from './values.ts';
import { beanHost, javaClassName, javaEquals, toMapKey, toText, VtlList, VtlMap, VtlProblem } from './values.ts';

const COLLECTION_NOT_REPRODUCED = new Set([
  'iterator',
  'listIterator',
  'stream',
  'parallelStream',
  'forEach',
  'removeIf',
  'replaceAll',
  'sort',
  'spliterator',
  'toArray',
  'retainAll',
  'removeAll',
  'hashCode',
  'compute',
  'computeIfAbsent',
  'computeIfPresent',
  'merge',
  'replace',
]);

export function listMethod(list: VtlList, name: string, args: VtlValue[]): VtlValue | undefined {
  const items = list.items;
  const [first, second] = args;
  const checkIndex = (index: number, size: number) => {
    if (index < 0 || index >= size) throw new VtlProblem(`index ${index} out of bounds for length ${size}`);
  };
  const mutate = () => {
    if (list.origin === 'array') throw new VtlProblem(`${name}() cannot change a Java array (e.g. a split() result)`);
  };
  switch (`${name}/${args.length}`) {
    case 'size/0':
      return BigInt(items.length);
    case 'isEmpty/0':
      return items.length === 0;
    case 'get/1': {
      const index = int(first);
      if (index === undefined) return undefined;
      checkIndex(index, items.length);
      return items[index] ?? null;
    }
    case 'contains/1':
      return items.some((item) => javaEquals(item, first ?? null));
    case 'containsAll/1':
      return first instanceof VtlList
        ? first.items.every((wanted) => items.some((item) => javaEquals(item, wanted)))
        : undefined;
    case 'indexOf/1':
      return BigInt(items.findIndex((item) => javaEquals(item, first ?? null)));
    case 'lastIndexOf/1':
      return BigInt(items.findLastIndex((item) => javaEquals(item, first ?? null)));
    case 'toString/0':
      return toText(list);
    case 'equals/1':
      return javaEquals(list, first ?? null);
    case 'add/1':
      mutate();
      items.push(first ?? null);
      return true;
    case 'add/2': {
      const index = int(first);
      if (index === undefined) return undefined;
      mutate();
      checkIndex(index, items.length + 1);
      items.splice(index, 0, second ?? null);
      return '';
    }
    case 'addAll/1':
      if (!(first instanceof VtlList)) return undefined;
      mutate();
      items.push(...first.items);
      return first.items.length > 0;
    case 'set/2': {
      const index = int(first);
      if (index === undefined) return undefined;
      mutate();
      checkIndex(index, items.length);
      const previous = items[index] ?? null;
      items[index] = second ?? null;
      return previous;
    }
    case 'remove/1': {
      mutate();
      const index = int(first);
      if (index !== undefined) {
        checkIndex(index, items.length);
        return items.splice(index, 1)[0] ?? null;
      }
      const found = items.findIndex((item) => javaEquals(item, first ?? null));
      if (found === -1) return false;
      items.splice(found, 1);
      return true;
    }
    case 'clear/0':
      mutate();
      items.length = 0;
      return '';
    case 'subList/2': {
      const from = int(first);
      const to = int(second);
      if (from === undefined || to === undefined) return undefined;
      if (from < 0 || to > items.length || from > to) {
        throw new VtlProblem(`subList(${from}, ${to}) out of bounds for length ${items.length}`);
      }
      return new VtlList(items.slice(from, to), 'literal');
    }
  }
  if (COLLECTION_NOT_REPRODUCED.has(name)) notReproduced(javaClassName(list), name);
  return undefined;
}

export function mapMethod(map: VtlMap, name: string, args: VtlValue[]): VtlValue | undefined {
  const entries = map.entries;
  const [first, second] = args;
  switch (`${name}/${args.length}`) {
    case 'size/0':
      return BigInt(entries.size);
    case 'isEmpty/0':
      return entries.size === 0;
    case 'get/1':
      return entries.get(toMapKey(first)) ?? null;
    case 'getOrDefault/2': {
      const key = toMapKey(first);
      return entries.has(key) ? (entries.get(key) ?? null) : (second ?? null);
    }
    case 'containsKey/1':
      return entries.has(toMapKey(first));
    case 'containsValue/1':
      return [...entries.values()].some((value) => javaEquals(value, first ?? null));
    case 'keySet/0':
      return new VtlList([...entries.keys()], 'literal');
    case 'values/0':
      return new VtlList([...entries.values()], 'literal');
    case 'entrySet/0':
      return new VtlList(
        [...entries].map(([key, value]) => mapEntry(key, value)),
        'literal',
      );
    case 'put/2': {
      const key = toMapKey(first);
      const previous = entries.get(key) ?? null;
      entries.set(key, second ?? null);
      return previous;
    }
    case 'putIfAbsent/2': {
      const key = toMapKey(first);
      const previous = entries.get(key) ?? null;
      if (previous === null) entries.set(key, second ?? null);
      return previous;
    }
    case 'putAll/1':
      if (!(first instanceof VtlMap)) return undefined;
      for (const [key, value] of first.entries) entries.set(key, value);
      return '';
    case 'remove/1': {
      const key = toMapKey(first);
      const previous = entries.get(key) ?? null;
      entries.delete(key);
      return previous;
    }
    case 'clear/0':
      entries.clear();
      return '';
    case 'toString/0':
      return toText(map);
    case 'equals/1':
      return javaEquals(map, first ?? null);
  }
  if (COLLECTION_NOT_REPRODUCED.has(name)) notReproduced(javaClassName(map), name);
  return undefined;
}

function mapEntry(key: VtlMapKey, value: VtlValue): HostObject {
  return beanHost('a map entry', { key: () => key, value: () => value }, () => `${toText(key)}=${toText(value)}`);
}
