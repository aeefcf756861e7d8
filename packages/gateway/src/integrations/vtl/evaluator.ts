/**
 * Renders a parsed template with Velocity 1.7's semantics plus the one rule API Gateway
 * adds: a reference whose value is null (undefined, a missing property, a method that
 * returned null) evaluates to the empty string, in text and in expressions alike.
 * Recorded API Gateway responses show it: `$input.path('$.missing')` renders as nothing,
 * and both `$missing == ""` and `$missing == $null` are true.
 *
 * What follows from it and from Velocity 1.7:
 * - `#if($x)` is false only for `false` and null; since a missing `$x` is `""`, it is
 *   true. Literals other than `true` are false (`#if("a")`, as in Velocity).
 * - `#set($x = expr)` leaves `$x` unchanged when the expression is null (arithmetic on a
 *   non-number, division by zero); a missing reference sets `""`.
 * - `#foreach` iterates lists and a map's values, skips anything else, and restores
 *   the loop variable afterwards; `$foreach.index/count/hasNext/first/last/parent` and
 *   `$velocityCount` are available in the loop.
 *
 * Rendering is bounded: output and strings by `maxOutputLength`, loop iterations and
 * method calls together by `maxSteps`, a regular expression that backtracks by a time
 * limit (java-regex.ts); exceeding any fails the template.
 */
import { PatternTimeLimitError } from '../../errors.ts';
import type { Expression, Reference, Step, TemplateNode } from './ast.ts';
import type { MethodLimits } from './methods.ts';
import { callMethod, getIndex, getProperty } from './methods.ts';
import { arithmetic, velocityCompare, velocityEquals } from './operators.ts';
import { SourceError } from './source-error.ts';
import type { HostObject, VtlMapKey, VtlValue } from './values.ts';
import { beanHost, isNumber, toMapKey, toText, VtlList, VtlMap, VtlProblem } from './values.ts';

export interface RenderLimits {
  /**
   * The longest output, and the longest string built while rendering, in characters.
   * @default 10_485_760 (10 MiB, API Gateway's payload limit for integrations)
   */
  maxOutputLength: number;
  /**
   * Loop iterations and method calls one render may make.
   * @default 1_000_000
   */
  maxSteps: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = { maxOutputLength: 10 * 1024 * 1024, maxSteps: 1_000_000 };

/** A failure at `offset` in the template; the caller turns it into a TemplateError with line and column. */
export class RenderFailure extends SourceError {}

/** Resolves the variables the template did not set itself (`$context`, `$input`, ...). */
export type BuiltinLookup = (name: string) => VtlValue | undefined;

/** Renders `nodes`; throws RenderFailure. */
export function renderNodes(nodes: readonly TemplateNode[], builtins: BuiltinLookup, limits: RenderLimits): string {
  const renderer = new Renderer(builtins, limits);
  const output = new Output(limits.maxOutputLength);
  try {
    renderer.render(nodes, output);
  } catch (signal) {
    // #break outside a loop ends the template, as in Velocity 1.7 (it breaks the innermost scope).
    if (signal !== STOP && signal !== BREAK) throw signal;
  }
  return output.text();
}

/** How deep `#define` blocks may render one another. */
const MAX_BLOCK_DEPTH = 100;

/** `#break` and `#stop` unwind the renderer with these. */
const BREAK = Symbol('#break');
const STOP = Symbol('#stop');

class Output {
  readonly #chunks: string[] = [];
  #length = 0;
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  write(text: string, at: number): void {
    if (text === '') return;
    this.#length += text.length;
    if (this.#length > this.#max) throw new RenderFailure(`the output grows past ${this.#max} characters`, at);
    this.#chunks.push(text);
  }

  text(): string {
    return this.#chunks.join('');
  }
}

interface Loop {
  index: number;
  size: number;
  parent: HostObject | null;
}

class Renderer {
  readonly #builtins: BuiltinLookup;
  readonly #limits: RenderLimits;
  readonly #methodLimits: MethodLimits;
  readonly #variables = new Map<string, VtlValue>();
  #steps = 0;
  #blockDepth = 0;

  constructor(builtins: BuiltinLookup, limits: RenderLimits) {
    this.#builtins = builtins;
    this.#limits = limits;
    this.#methodLimits = { maxStringLength: limits.maxOutputLength };
  }

  render(nodes: readonly TemplateNode[], output: Output): void {
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          output.write(node.text, 0);
          break;
        case 'reference':
          output.write(node.prefix, node.at);
          output.write(
            node.escaped ? node.reference.literal : this.#text(this.#reference(node.reference), node.at),
            node.at,
          );
          break;
        case 'set':
          this.#set(node.target, node.value);
          break;
        case 'if': {
          const branch = node.branches.find(({ condition }) => this.#condition(condition));
          this.render(branch ? branch.body : node.otherwise, output);
          break;
        }
        case 'foreach':
          this.#foreach(node, output);
          break;
        case 'define':
          this.#variables.set(node.name, this.#block(node));
          break;
        case 'break':
          throw BREAK;
        case 'stop':
          throw STOP;
      }
    }
  }

  #text(value: VtlValue, at: number): string {
    if (value === null) return '';
    return this.#guard(at, () => toText(value));
  }

  /** Runs `work`, turning a VtlProblem into a RenderFailure at `at`. */
  #guard<T>(at: number, work: () => T): T {
    try {
      return work();
    } catch (error) {
      // The position is what the VtlProblem lacked; its message says the rest, so it is not kept as a cause.
      if (error instanceof VtlProblem || error instanceof PatternTimeLimitError) {
        throw new RenderFailure(error.message, at);
      }
      if (error instanceof RangeError) throw new RenderFailure(`a value is too large to build (${error.message})`, at);
      throw error;
    }
  }

  #step(at: number): void {
    if (++this.#steps > this.#limits.maxSteps) {
      throw new RenderFailure(
        `rendering takes more than ${this.#limits.maxSteps} loop iterations and method calls`,
        at,
      );
    }
  }

  /** A reference's value as API Gateway sees it: null becomes `""`. */
  #reference(reference: Reference): VtlValue {
    return this.#resolve(reference, reference.steps.length) ?? '';
  }

  /** The value of the root and its first `count` steps, or null. */
  #resolve(reference: Reference, count: number): VtlValue {
    let value: VtlValue = this.#variables.has(reference.root)
      ? (this.#variables.get(reference.root) ?? null)
      : (this.#builtins(reference.root) ?? null);
    for (let index = 0; index < count && value !== null; index++) {
      value = this.#apply(value, reference.steps[index] as Step);
    }
    return value;
  }

  #apply(target: VtlValue, step: Step): VtlValue {
    switch (step.kind) {
      case 'property':
        return this.#guard(step.at, () => getProperty(target, step.name, this.#methodLimits)) ?? null;
      case 'method': {
        const args = step.args.map((arg) => this.#value(arg));
        this.#step(step.at);
        return this.#guard(step.at, () => callMethod(target, step.name, args, this.#methodLimits)) ?? null;
      }
      case 'index': {
        const index = this.#value(step.index);
        return this.#guard(step.at, () => getIndex(target, index, this.#methodLimits)) ?? null;
      }
    }
  }

  #set(target: Reference, expression: Expression): void {
    const value = this.#value(expression);
    // Velocity 1.7: "RHS of #set statement is null. Context will not be modified."
    if (value === null) return;
    const last = target.steps.at(-1);
    if (!last) {
      this.#variables.set(target.root, value);
      return;
    }
    const owner = this.#resolve(target, target.steps.length - 1);
    if (last.kind === 'property') {
      if (owner instanceof VtlMap) owner.entries.set(last.name, value);
      return;
    }
    if (last.kind !== 'index') return;
    const key = this.#value(last.index);
    this.#guard(last.at, () => {
      if (owner instanceof VtlMap) owner.entries.set(toMapKey(key), value);
      else if (owner instanceof VtlList && typeof key === 'bigint') {
        const index = key < 0n ? BigInt(owner.items.length) + key : key;
        if (index < 0n || index >= BigInt(owner.items.length)) {
          throw new VtlProblem(`index ${key} out of bounds for length ${owner.items.length}`);
        }
        owner.items[Number(index)] = value;
      }
    });
  }

  #foreach(node: Extract<TemplateNode, { kind: 'foreach' }>, output: Output): void {
    const iterable = this.#value(node.iterable);
    const items =
      iterable instanceof VtlList ? iterable.items : iterable instanceof VtlMap ? [...iterable.entries.values()] : [];
    const saved = ['foreach', 'velocityCount', 'velocityHasNext', node.variable].map(
      (name) => [name, this.#variables.has(name), this.#variables.get(name)] as const,
    );
    const size = items.length;
    const loop: Loop = { index: 0, size, parent: (this.#variables.get('foreach') as HostObject | undefined) ?? null };
    this.#variables.set('foreach', foreachObject(loop));
    try {
      for (let index = 0; index < size; index++) {
        this.#step(node.at);
        if (items.length !== size) {
          throw new RenderFailure('the list was changed while #foreach iterated over it', node.at);
        }
        loop.index = index;
        this.#variables.set(node.variable, items[index] ?? null);
        this.#variables.set('velocityCount', BigInt(index + 1));
        this.#variables.set('velocityHasNext', index + 1 < size);
        try {
          this.render(node.body, output);
        } catch (signal) {
          if (signal === BREAK) break;
          throw signal;
        }
      }
    } finally {
      for (const [name, had, value] of saved) {
        if (had) this.#variables.set(name, value ?? null);
        else this.#variables.delete(name);
      }
    }
  }

  /**
   * `#define`'s block: renders its body with the variables of the moment it is used.
   * A block that renders itself would recurse without end; it fails at MAX_BLOCK_DEPTH.
   */
  #block(node: Extract<TemplateNode, { kind: 'define' }>): HostObject {
    return beanHost(`$${node.name}`, {}, () => {
      if (++this.#blockDepth > MAX_BLOCK_DEPTH) {
        throw new RenderFailure(
          `#define($${node.name}) renders itself more than ${MAX_BLOCK_DEPTH} levels deep`,
          node.at,
        );
      }
      try {
        const output = new Output(this.#limits.maxOutputLength);
        this.render(node.body, output);
        return output.text();
      } finally {
        this.#blockDepth--;
      }
    });
  }

  /** Velocity's truth of a condition (its `evaluate`): only references, `true`, comparisons and logic can be true. */
  #condition(expression: Expression): boolean {
    switch (expression.kind) {
      case 'reference': {
        const value = this.#reference(expression.reference);
        return typeof value === 'boolean' ? value : value !== null;
      }
      case 'boolean':
        return expression.value;
      case 'group':
        return this.#condition(expression.inner);
      case 'not':
        return !this.#condition(expression.operand);
      case 'binary': {
        const operator = expression.operator;
        if (operator === '&&') return this.#condition(expression.left) && this.#condition(expression.right);
        if (operator === '||') return this.#condition(expression.left) || this.#condition(expression.right);
        // Velocity does not evaluate arithmetic as a condition at all: `#if($a + 1)` is false.
        if (operator === '+' || operator === '-' || operator === '*' || operator === '/' || operator === '%')
          return false;
        return this.#value(expression) === true;
      }
      default:
        return false;
    }
  }

  #value(expression: Expression): VtlValue {
    switch (expression.kind) {
      case 'reference':
        return this.#reference(expression.reference);
      case 'string':
      case 'integer':
      case 'double':
      case 'boolean':
        return expression.value;
      case 'interpolated': {
        const output = new Output(this.#limits.maxOutputLength);
        this.render(expression.parts, output);
        return output.text();
      }
      case 'list':
        return new VtlList(
          expression.items.map((item) => this.#value(item)),
          'literal',
        );
      case 'map': {
        const entries = new Map<VtlMapKey, VtlValue>();
        for (const [key, value] of expression.entries) {
          const keyValue = this.#value(key);
          entries.set(
            this.#guard(key.at, () => toMapKey(keyValue)),
            this.#value(value),
          );
        }
        return new VtlMap(entries, 'literal');
      }
      case 'range':
        return this.#range(expression);
      case 'group':
        return this.#value(expression.inner);
      case 'not':
        return !this.#condition(expression.operand);
      case 'binary': {
        const { operator, at } = expression;
        if (operator === '&&' || operator === '||') return this.#condition(expression);
        const left = this.#value(expression.left);
        const right = this.#value(expression.right);
        if (operator === '==') return velocityEquals(left, right);
        if (operator === '!=') return !velocityEquals(left, right);
        if (operator === '<' || operator === '<=' || operator === '>' || operator === '>=') {
          return velocityCompare(operator, left, right);
        }
        const result = this.#guard(at, () =>
          arithmetic(operator, left, right, expression.leftText, expression.rightText),
        );
        if (typeof result === 'string' && result.length > this.#limits.maxOutputLength) {
          throw new RenderFailure(`a string grows past ${this.#limits.maxOutputLength} characters`, at);
        }
        return result;
      }
    }
  }

  /** `[from..to]`: the integers from one end to the other, counting down when `to` is smaller. */
  #range(expression: Extract<Expression, { kind: 'range' }>): VtlValue {
    const from = this.#value(expression.from);
    const to = this.#value(expression.to);
    if (!isNumber(from) || !isNumber(to)) return null;
    const start = integer(from);
    const end = integer(to);
    const size = (end >= start ? end - start : start - end) + 1n;
    if (size > BigInt(this.#limits.maxSteps - this.#steps)) {
      throw new RenderFailure(
        `the range [${start}..${end}] has more items than rendering may iterate over`,
        expression.at,
      );
    }
    const step = end >= start ? 1n : -1n;
    const items: VtlValue[] = [];
    for (let value = start; items.length < Number(size); value += step) items.push(value);
    return new VtlList(items, 'literal');
  }
}

/** Velocity turns a range bound into an `int` with `intValue()`. */
function integer(value: bigint | number): bigint {
  return typeof value === 'bigint' ? BigInt.asIntN(32, value) : BigInt(Math.trunc(Number.isFinite(value) ? value : 0));
}

/** `$foreach`: Velocity 1.7's ForeachScope (`$foreach.hasNext`, `$foreach.getCount()`, ...). */
function foreachObject(loop: Loop): HostObject {
  return beanHost('$foreach', {
    index: () => BigInt(loop.index),
    count: () => BigInt(loop.index + 1),
    hasNext: () => loop.index + 1 < loop.size,
    first: () => loop.index === 0,
    last: () => loop.index + 1 === loop.size,
    parent: () => loop.parent,
  });
}
