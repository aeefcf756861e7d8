/**
 * Velocity 1.7's operators on template values (its `ASTMathNode`, `MathUtils`,
 * `ASTEQNode`, `ASTGTNode` and friends):
 *
 * - Integers stay integers: `7 / 2` is `3`, `-7 % 3` is `-1` (Java truncates), and a
 *   result too large for a Long becomes a BigInteger rather than wrapping. A Double on
 *   either side makes the result a Double. Dividing by zero, or arithmetic on anything
 *   but numbers, gives null (so `#set` leaves its variable unchanged).
 * - `+` concatenates when either side is a string (`"a" + 1` is `a1`).
 * - `==` compares numbers by value (`1 == 1.0`), values of one class with `equals`, and
 *   anything else by its text (`1 == "1"` is true).
 * - `<`, `<=`, `>`, `>=` compare numbers only; anything else is false.
 */
import type { BinaryOperator } from './ast.ts';
import type { VtlValue } from './values.ts';
import { isHost, isNumber, javaEquals, toText, VtlList, VtlMap, VtlProblem } from './values.ts';

/** Integers beyond this magnitude are refused rather than letting a loop build a number of unbounded size. */
const MAX_INTEGER = 1n << 8192n;

export type ArithmeticOperator = Extract<BinaryOperator, '+' | '-' | '*' | '/' | '%'>;

/**
 * `left op right`; `leftText`/`rightText` are the operands as written, which `+`
 * uses for a null operand next to a string, as Velocity does.
 */
export function arithmetic(
  operator: ArithmeticOperator,
  left: VtlValue,
  right: VtlValue,
  leftText: string,
  rightText: string,
): VtlValue {
  if (operator === '+' && (typeof left === 'string' || typeof right === 'string')) {
    return (left === null ? leftText : toText(left)) + (right === null ? rightText : toText(right));
  }
  if (!isNumber(left) || !isNumber(right)) return null;
  if ((operator === '/' || operator === '%') && isZero(right)) return null;
  if (typeof left === 'bigint' && typeof right === 'bigint') {
    const result = operate(operator, left, right);
    if (result > MAX_INTEGER || result < -MAX_INTEGER) {
      throw new VtlProblem('an integer result is too large (more than 8192 bits)');
    }
    return result;
  }
  return operate(operator, Number(left), Number(right));
}

/** JavaScript's `+ - * / %` do on two bigints what Java does on integers (division truncates), and on two numbers what it does on doubles. */
function operate<T extends bigint | number>(operator: ArithmeticOperator, left: T, right: T): T {
  const [a, b] = [left as number, right as number];
  switch (operator) {
    case '+':
      return (a + b) as T;
    case '-':
      return (a - b) as T;
    case '*':
      return (a * b) as T;
    case '/':
      return (a / b) as T;
    case '%':
      return (a % b) as T;
  }
}

function isZero(value: bigint | number): boolean {
  return typeof value === 'bigint' ? value === 0n : value === 0;
}

/** Velocity's numeric comparison: -1, 0 or 1 (NaN compares equal to everything, as in MathUtils). */
function compareNumbers(left: bigint | number, right: bigint | number): number {
  const [a, b] = typeof left === 'bigint' && typeof right === 'bigint' ? [left, right] : [Number(left), Number(right)];
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `left == right` as Velocity 1.7 decides it. */
export function velocityEquals(left: VtlValue, right: VtlValue): boolean {
  if (isNumber(left) && isNumber(right)) return compareNumbers(left, right) === 0;
  if (left !== null && right !== null && sameClass(left, right)) return javaEquals(left, right);
  if (left === null || right === null) return left === right;
  return textForComparison(left) === textForComparison(right);
}

/** `left < right` and the other orderings: numbers only, anything else is false. */
export function velocityCompare(operator: '<' | '<=' | '>' | '>=', left: VtlValue, right: VtlValue): boolean {
  if (!isNumber(left) || !isNumber(right)) return false;
  const order = compareNumbers(left, right);
  switch (operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

function sameClass(left: VtlValue, right: VtlValue): boolean {
  if (typeof left !== 'object' || typeof right !== 'object') return typeof left === typeof right;
  if (left instanceof VtlList && right instanceof VtlList) return left.origin !== 'array' && right.origin !== 'array';
  if (left instanceof VtlMap && right instanceof VtlMap) return true;
  return isHost(left) && isHost(right) && left === right;
}

/** Objects without a meaningful text compare by identity in Java, so they never equal a string. */
function textForComparison(value: VtlValue): string | symbol {
  try {
    return toText(value);
  } catch {
    return Symbol('identity');
  }
}
