/**
 * The syntax tree of a template. Every node keeps `at`, its offset in the template
 * source, so errors can name the line and column.
 */

/** A reference: `$root` followed by properties, method calls and indexes. */
export interface Reference {
  at: number;
  root: string;
  steps: Step[];
  /** The reference as written, e.g. `$!{user.name}`: what an escaped reference renders. */
  literal: string;
}

export type Step =
  | { kind: 'property'; at: number; name: string }
  | { kind: 'method'; at: number; name: string; args: Expression[] }
  | { kind: 'index'; at: number; index: Expression };

export type BinaryOperator = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

export type Expression =
  | { kind: 'reference'; at: number; reference: Reference }
  | { kind: 'string'; at: number; value: string }
  | { kind: 'interpolated'; at: number; parts: TemplateNode[] }
  | { kind: 'integer'; at: number; value: bigint }
  | { kind: 'double'; at: number; value: number }
  | { kind: 'boolean'; at: number; value: boolean }
  | { kind: 'list'; at: number; items: Expression[] }
  | { kind: 'map'; at: number; entries: Array<[Expression, Expression]> }
  | { kind: 'range'; at: number; from: Expression; to: Expression }
  | {
      kind: 'binary';
      at: number;
      operator: BinaryOperator;
      left: Expression;
      right: Expression;
      /** The operands as written: `+` renders a null operand as its text, as Velocity does. */
      leftText: string;
      rightText: string;
    }
  | { kind: 'not'; at: number; operand: Expression }
  | { kind: 'group'; at: number; inner: Expression };

export type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'reference'; at: number; reference: Reference; escaped: boolean; prefix: string }
  | { kind: 'set'; at: number; target: Reference; value: Expression }
  | {
      kind: 'if';
      at: number;
      branches: Array<{ condition: Expression; body: TemplateNode[] }>;
      otherwise: TemplateNode[];
    }
  | { kind: 'foreach'; at: number; variable: string; iterable: Expression; body: TemplateNode[] }
  | { kind: 'define'; at: number; name: string; body: TemplateNode[] }
  | { kind: 'break'; at: number }
  | { kind: 'stop'; at: number };

/** Calls `visit` for every reference in `nodes`: in text, directives, arguments, indexes and string literals. */
export function forEachReference(nodes: readonly TemplateNode[], visit: (reference: Reference) => void): void {
  const reference = (value: Reference): void => {
    visit(value);
    for (const step of value.steps) {
      if (step.kind === 'method') step.args.forEach(expression);
      else if (step.kind === 'index') expression(step.index);
    }
  };
  const expression = (value: Expression): void => {
    if (value.kind === 'reference') reference(value.reference);
    else if (value.kind === 'interpolated') forEachReference(value.parts, visit);
    else subExpressions(value).forEach(expression);
  };
  for (const node of nodes) {
    switch (node.kind) {
      case 'reference':
        reference(node.reference);
        break;
      case 'set':
        reference(node.target);
        expression(node.value);
        break;
      case 'if':
        for (const branch of node.branches) {
          expression(branch.condition);
          forEachReference(branch.body, visit);
        }
        forEachReference(node.otherwise, visit);
        break;
      case 'foreach':
        expression(node.iterable);
        forEachReference(node.body, visit);
        break;
      case 'define':
        forEachReference(node.body, visit);
        break;
    }
  }
}

function subExpressions(expression: Expression): Expression[] {
  switch (expression.kind) {
    case 'list':
      return expression.items;
    case 'map':
      return expression.entries.flat();
    case 'range':
      return [expression.from, expression.to];
    case 'binary':
      return [expression.left, expression.right];
    case 'not':
      return [expression.operand];
    case 'group':
      return [expression.inner];
    default:
      return [];
  }
}
