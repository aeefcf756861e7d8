/**
 * Parses Velocity 1.7 template text (the dialect API Gateway runs) into a syntax tree.
 *
 * It follows Velocity 1.7's grammar where templates can see it:
 * - references `$a`, `$!a`, `${a}`, `$!{a}` with `.property`, `.method(args)` and
 *   `[index]` steps; identifiers may contain `-` (`$a-b` is one name, as in Velocity);
 *   `$` not followed by a name is text;
 * - directives `#set`, `#if`/`#elseif`/`#else`, `#foreach`, `#define`, `#break`, `#stop`, also in
 *   `#{if}` form; `#word` that is no directive is text (`#general`);
 * - comments `##` (to the end of the line, newline included) and `#* ... *#`,
 *   unparsed blocks `#[[ ... ]]#`, and escapes `\$a`, `\#if`;
 * - whitespace: `#set` takes the spaces and tabs before it when nothing else is on the
 *   line before it, and `#set(...)`, `#if(...)`, `#elseif(...)`, `#foreach(...)`,
 *   `#else` and `#end` take the spaces, tabs and one line break after them;
 * - double-quoted strings are templates themselves (`"id-$x"`), `""` is a quote and
 *   `\uXXXX` a character; single-quoted strings are literal, `''` is a quote.
 *
 * `#define($block)` stores a block that `$block` renders. `#macro`, `#parse`, `#include`,
 * `#evaluate` and `#literal` are refused.
 */
import type { BinaryOperator, Expression, Reference, Step, TemplateNode } from './ast.ts';
import { SourceError } from './source-error.ts';

/** Text that is not a template this gateway runs; `offset` is where in the source. */
export class TemplateSyntaxError extends SourceError {}

/** Parses a template; throws TemplateSyntaxError. */
export function parseTemplate(source: string): TemplateNode[] {
  return new Parser(source, 0).parse();
}

/** Deeper nesting of directives or expressions is refused rather than risking the stack. */
const MAX_NESTING = 200;

const IDENTIFIER = /[a-zA-Z_][a-zA-Z0-9_-]*/y;
const DIRECTIVE_WORD = /#(?:\{([a-zA-Z_@][a-zA-Z0-9_@]*)\}|([a-zA-Z_@][a-zA-Z0-9_@]*))/y;
const PLAIN_TEXT = /[^$#\\]+/y;
const NUMBER = /-?(?:\d+(?:\.(?!\.)\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/y;
const TRAILING_LINE_BREAK = /[ \t]*(?:\r\n|\n|\r)/y;
const BLANKS = /^[ \t]*$/;
/** A `##` comment takes its line break with it. */
const LINE_COMMENT = /##[^\r\n]*(?:\r\n|\n|\r)?/y;
const UNSUPPORTED_DIRECTIVES = new Set(['macro', 'parse', 'include', 'evaluate', 'literal']);
/** Directives whose escaped form `\#name` renders as `#name` (Velocity's escapedDirective). */
const ESCAPABLE_DIRECTIVES = new Set([
  'if',
  'elseif',
  'else',
  'end',
  'set',
  'foreach',
  'define',
  'break',
  'stop',
  ...UNSUPPORTED_DIRECTIVES,
]);
const WORD_OPERATORS: Record<string, BinaryOperator> = {
  or: '||',
  and: '&&',
  eq: '==',
  ne: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

type BlockEnd = { word: 'elseif' | 'else' | 'end'; at: number };

class Parser {
  readonly #source: string;
  /** Added to every offset: the position of this text inside the template (for string literals). */
  readonly #base: number;
  #position = 0;
  #nesting = 0;

  constructor(source: string, base: number) {
    this.#source = source;
    this.#base = base;
  }

  parse(): TemplateNode[] {
    const { nodes, end } = this.#block();
    if (end) this.#fail(end.at, `#${end.word} without a matching #if${end.word === 'end' ? ' or #foreach' : ''}`);
    return nodes;
  }

  #fail(offset: number, message: string): never {
    throw new TemplateSyntaxError(message, this.#base + offset);
  }

  #enter(at: number): void {
    if (++this.#nesting > MAX_NESTING) this.#fail(at, `nests deeper than ${MAX_NESTING} levels`);
  }

  /** Nodes up to the end of the text, or up to an `#elseif`, `#else` or `#end` (returned as `end`). */
  #block(): { nodes: TemplateNode[]; end: BlockEnd | undefined } {
    const source = this.#source;
    const nodes: TemplateNode[] = [];
    let text = '';
    // Where the text token being read began, and whether the last thing read was plain text:
    // #set takes the blanks before it only when they are a token of their own.
    let tokenStart = 0;
    let lastWasPlain = false;
    const flush = () => {
      if (text) nodes.push({ kind: 'text', text });
      text = '';
      lastWasPlain = false;
    };
    const special = (literal: string) => {
      text += literal;
      lastWasPlain = false;
    };

    while (this.#position < source.length) {
      const start = this.#position;
      const char = source[start];
      if (char === '$') {
        const reference = this.#textReference(start, '', false);
        if (reference) {
          flush();
          nodes.push(reference);
        } else {
          special('$');
          this.#position++;
        }
      } else if (char === '\\') {
        let end = start;
        while (source[end] === '\\') end++;
        const count = end - start;
        if (source[end] === '$') {
          const reference = this.#textReference(end, '\\'.repeat(Math.floor(count / 2)), count % 2 === 1);
          if (reference) {
            flush();
            nodes.push(reference);
            continue;
          }
          special(source.slice(start, end));
          this.#position = end;
          continue;
        }
        DIRECTIVE_WORD.lastIndex = end;
        const directive = source[end] === '#' ? DIRECTIVE_WORD.exec(source) : null;
        const word = directive ? (directive[1] ?? directive[2] ?? '') : '';
        if (directive && ESCAPABLE_DIRECTIVES.has(word)) {
          if (count % 2 === 1) {
            special(`${'\\'.repeat((count - 1) / 2)}${directive[0]}`);
            this.#position = DIRECTIVE_WORD.lastIndex;
          } else {
            special('\\'.repeat(count / 2));
            this.#position = end;
          }
          continue;
        }
        special(source.slice(start, end));
        this.#position = end;
      } else if (char === '#') {
        if (source.startsWith('#[[', start)) {
          const close = source.indexOf(']]#', start + 3);
          if (close === -1) this.#fail(start, '#[[ has no closing ]]#');
          special(source.slice(start + 3, close));
          this.#position = close + 3;
          continue;
        }
        if (source.startsWith('##', start)) {
          LINE_COMMENT.lastIndex = start;
          LINE_COMMENT.test(source);
          this.#position = LINE_COMMENT.lastIndex;
          lastWasPlain = false;
          continue;
        }
        if (source.startsWith('#*', start)) {
          const close = source.indexOf('*#', start + 2);
          if (close === -1) this.#fail(start, '#* comment has no closing *#');
          this.#position = close + 2;
          lastWasPlain = false;
          continue;
        }
        DIRECTIVE_WORD.lastIndex = start;
        const directive = DIRECTIVE_WORD.exec(source);
        if (!directive) {
          special('#');
          this.#position++;
          continue;
        }
        const word = directive[1] ?? directive[2] ?? '';
        const afterWord = DIRECTIVE_WORD.lastIndex;
        switch (word) {
          case 'set':
            if (lastWasPlain && BLANKS.test(text.slice(tokenStart))) text = text.slice(0, tokenStart);
            flush();
            this.#position = afterWord;
            nodes.push(this.#set(start));
            break;
          case 'if':
            flush();
            this.#position = afterWord;
            nodes.push(this.#if(start));
            break;
          case 'foreach':
            flush();
            this.#position = afterWord;
            nodes.push(this.#foreach(start));
            break;
          case 'define':
            flush();
            this.#position = afterWord;
            nodes.push(this.#define(start));
            break;
          case 'elseif':
          case 'else':
          case 'end':
            flush();
            this.#position = afterWord;
            if (word !== 'elseif') this.#eatLineBreak();
            return { nodes, end: { word, at: start } };
          case 'break':
          case 'stop':
            flush();
            this.#position = afterWord;
            if (word === 'break') this.#optionalBreakArgument();
            nodes.push({ kind: word, at: this.#base + start });
            break;
          default:
            if (UNSUPPORTED_DIRECTIVES.has(word)) {
              this.#fail(start, `#${word} is not supported in mapping templates (${unsupportedReason(word)})`);
            }
            // Not a directive: Velocity renders it as the text it is.
            special(directive[0]);
            this.#position = afterWord;
        }
      } else {
        PLAIN_TEXT.lastIndex = start;
        PLAIN_TEXT.exec(source);
        if (!lastWasPlain) tokenStart = text.length;
        text += source.slice(start, PLAIN_TEXT.lastIndex);
        lastWasPlain = true;
        this.#position = PLAIN_TEXT.lastIndex;
      }
    }
    flush();
    return { nodes, end: undefined };
  }

  #eatLineBreak(): void {
    TRAILING_LINE_BREAK.lastIndex = this.#position;
    if (TRAILING_LINE_BREAK.test(this.#source)) this.#position = TRAILING_LINE_BREAK.lastIndex;
  }

  /** `#break` may name the loop it ends: `#break($foreach)`. */
  #optionalBreakArgument(): void {
    const source = this.#source;
    const match = /\(\s*\$!?\{?foreach\}?\s*\)/y;
    match.lastIndex = this.#position;
    if (match.test(source)) this.#position = match.lastIndex;
    else if (source[this.#position] === '(') this.#fail(this.#position, '#break takes no argument but $foreach');
  }

  #set(at: number): TemplateNode {
    this.#openParenthesis('#set', at);
    this.#skipSpace();
    if (this.#source[this.#position] !== '$')
      this.#fail(this.#position, '#set needs a reference to assign, e.g. #set($x = 1)');
    const target = this.#reference(this.#position);
    const last = target.steps.at(-1);
    if (last?.kind === 'method') this.#fail(last.at - this.#base, '#set cannot assign to a method call');
    this.#skipSpace();
    if (this.#source[this.#position] !== '=') this.#fail(this.#position, "#set needs '=' after the reference");
    this.#position++;
    const value = this.#expression();
    this.#closeParenthesis('#set');
    return { kind: 'set', at: this.#base + at, target, value };
  }

  #if(at: number): TemplateNode {
    this.#enter(at);
    const branches: Array<{ condition: Expression; body: TemplateNode[] }> = [];
    let condition = this.#condition('#if', at);
    let otherwise: TemplateNode[] = [];
    for (;;) {
      const { nodes, end } = this.#block();
      branches.push({ condition, body: nodes });
      if (!end) this.#fail(at, '#if has no #end');
      if (end.word === 'elseif') {
        condition = this.#condition('#elseif', end.at);
        continue;
      }
      if (end.word === 'else') {
        const rest = this.#block();
        otherwise = rest.nodes;
        if (!rest.end) this.#fail(at, '#if has no #end');
        if (rest.end.word !== 'end') this.#fail(rest.end.at, `#${rest.end.word} after #else`);
      }
      break;
    }
    this.#nesting--;
    return { kind: 'if', at: this.#base + at, branches, otherwise };
  }

  #condition(directive: string, at: number): Expression {
    this.#openParenthesis(directive, at);
    const condition = this.#expression();
    this.#closeParenthesis(directive);
    return condition;
  }

  #foreach(at: number): TemplateNode {
    this.#enter(at);
    this.#openParenthesis('#foreach', at);
    const variable = this.#variableName('#foreach needs a loop variable, e.g. #foreach($item in $list)');
    this.#skipSpace();
    if (!this.#matchWord('in')) this.#fail(this.#position, "#foreach needs 'in' after the loop variable");
    const iterable = this.#expression();
    this.#closeParenthesis('#foreach');
    const body = this.#blockToEnd('#foreach', at);
    this.#nesting--;
    return { kind: 'foreach', at: this.#base + at, variable, iterable, body };
  }

  /** `#define($name) ... #end`: a block that `$name` renders where it is used. */
  #define(at: number): TemplateNode {
    this.#enter(at);
    this.#openParenthesis('#define', at);
    const name = this.#variableName('#define needs a reference to name the block, e.g. #define($block)');
    this.#closeParenthesis('#define');
    const body = this.#blockToEnd('#define', at);
    this.#nesting--;
    return { kind: 'define', at: this.#base + at, name, body };
  }

  /** A plain `$name` (the loop variable of #foreach, the name of #define). */
  #variableName(problem: string): string {
    this.#skipSpace();
    const variable = /\$!?(\{)?([a-zA-Z_][a-zA-Z0-9_-]*)(\})?/y;
    variable.lastIndex = this.#position;
    const match = variable.exec(this.#source);
    if (!match || Boolean(match[1]) !== Boolean(match[3])) this.#fail(this.#position, problem);
    this.#position = variable.lastIndex;
    return match[2] ?? '';
  }

  /** The body of a block directive up to its #end; #else or #elseif there belong to no #if. */
  #blockToEnd(directive: string, at: number): TemplateNode[] {
    const { nodes, end } = this.#block();
    if (!end) this.#fail(at, `${directive} has no #end`);
    if (end.word !== 'end') this.#fail(end.at, `#${end.word} inside ${directive} without an #if`);
    return nodes;
  }

  #openParenthesis(directive: string, at: number): void {
    const source = this.#source;
    while (source[this.#position] === ' ' || source[this.#position] === '\t') this.#position++;
    if (source[this.#position] !== '(') this.#fail(at, `${directive} needs its arguments in parentheses`);
    this.#position++;
  }

  #closeParenthesis(directive: string): void {
    this.#skipSpace();
    if (this.#source[this.#position] !== ')') this.#fail(this.#position, `${directive} has no closing ')' here`);
    this.#position++;
    this.#eatLineBreak();
  }

  /** A reference in text at `start` (a `$`), or `undefined` when `$` starts no reference. */
  #textReference(start: number, prefix: string, escaped: boolean): TemplateNode | undefined {
    IDENTIFIER.lastIndex = start + 1 + (this.#source[start + 1] === '!' ? 1 : 0);
    if (this.#source[IDENTIFIER.lastIndex] === '{') IDENTIFIER.lastIndex++;
    if (!IDENTIFIER.test(this.#source)) return undefined;
    const reference = this.#reference(start);
    return { kind: 'reference', at: this.#base + start, reference, escaped, prefix };
  }

  /**
   * A reference at `start` (a `$`). A `.` step needs a letter after it, so `$total.` ends
   * the reference before the dot, as in Velocity.
   */
  #reference(start: number): Reference {
    const source = this.#source;
    let position = start + 1;
    if (source[position] === '!') position++;
    const formal = source[position] === '{';
    if (formal) position++;
    IDENTIFIER.lastIndex = position;
    const root = IDENTIFIER.exec(source);
    if (!root) return this.#fail(start, `'$' must be followed by a name here`);
    this.#position = IDENTIFIER.lastIndex;
    const steps: Step[] = [];
    for (;;) {
      const char = source[this.#position];
      if (char === '.' && /[a-zA-Z]/.test(source[this.#position + 1] ?? '')) {
        const at = this.#position;
        IDENTIFIER.lastIndex = this.#position + 1;
        const name = IDENTIFIER.exec(source)?.[0] ?? '';
        this.#position = IDENTIFIER.lastIndex;
        if (source[this.#position] === '(') {
          this.#position++;
          steps.push({ kind: 'method', at: this.#base + at, name, args: this.#arguments(at) });
        } else {
          steps.push({ kind: 'property', at: this.#base + at, name });
        }
      } else if (char === '[') {
        const at = this.#position;
        this.#position++;
        this.#enter(at);
        const index = this.#expression();
        this.#nesting--;
        this.#skipSpace();
        if (source[this.#position] !== ']') this.#fail(at, "index has no closing ']'");
        this.#position++;
        steps.push({ kind: 'index', at: this.#base + at, index });
      } else {
        break;
      }
    }
    if (formal) {
      if (source[this.#position] !== '}') this.#fail(start, "'${' reference has no closing '}'");
      this.#position++;
    }
    return { at: this.#base + start, root: root[0], steps, literal: source.slice(start, this.#position) };
  }

  /** Method arguments after `(`, up to and including `)`. */
  #arguments(at: number): Expression[] {
    this.#enter(at);
    const args: Expression[] = [];
    this.#skipSpace();
    if (this.#source[this.#position] === ')') {
      this.#position++;
    } else {
      for (;;) {
        args.push(this.#expression());
        this.#skipSpace();
        const char = this.#source[this.#position++];
        if (char === ')') break;
        if (char !== ',') this.#fail(at, "method call has no closing ')'");
      }
    }
    this.#nesting--;
    return args;
  }

  #skipSpace(): void {
    const source = this.#source;
    for (;;) {
      const char = source[this.#position];
      if (char !== ' ' && char !== '\t' && char !== '\n' && char !== '\r') return;
      this.#position++;
    }
  }

  /** Consumes `word` when it stands alone (not the start of a longer name). */
  #matchWord(word: string): boolean {
    const source = this.#source;
    if (!source.startsWith(word, this.#position)) return false;
    if (/[a-zA-Z0-9_]/.test(source[this.#position + word.length] ?? '')) return false;
    this.#position += word.length;
    return true;
  }

  #expression(): Expression {
    this.#enter(this.#position);
    const expression = this.#binary(0);
    this.#nesting--;
    return expression;
  }

  /** Binary operators by precedence level, loosest first, as Velocity ranks them. */
  static readonly LEVELS: ReadonlyArray<ReadonlyArray<BinaryOperator>> = [
    ['||'],
    ['&&'],
    ['==', '!='],
    ['<=', '>=', '<', '>'],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  #binary(level: number): Expression {
    const operators = Parser.LEVELS[level];
    if (!operators) return this.#unary();
    const start = this.#skipSpaceAndMark();
    let left = this.#binary(level + 1);
    let leftEnd = this.#position;
    for (;;) {
      this.#skipSpace();
      const at = this.#position;
      const operator = this.#operator(operators);
      if (!operator) {
        this.#position = leftEnd;
        return left;
      }
      const rightStart = this.#skipSpaceAndMark();
      const right = this.#binary(level + 1);
      left = {
        kind: 'binary',
        at: this.#base + at,
        operator,
        left,
        right,
        leftText: this.#source.slice(start, leftEnd),
        rightText: this.#source.slice(rightStart, this.#position),
      };
      leftEnd = this.#position;
    }
  }

  #skipSpaceAndMark(): number {
    this.#skipSpace();
    return this.#position;
  }

  #operator(operators: ReadonlyArray<BinaryOperator>): BinaryOperator | undefined {
    const source = this.#source;
    for (const operator of operators) {
      if (!source.startsWith(operator, this.#position)) continue;
      // '<' must not take the start of '<=', nor '!' of '!=' (handled by order), nor '=' alone.
      this.#position += operator.length;
      return operator;
    }
    for (const [word, operator] of Object.entries(WORD_OPERATORS)) {
      if (operators.includes(operator) && this.#matchWord(word)) return operator;
    }
    return undefined;
  }

  #unary(): Expression {
    this.#skipSpace();
    const at = this.#position;
    const source = this.#source;
    if ((source[at] === '!' && source[at + 1] !== '=') || this.#matchWord('not')) {
      if (source[at] === '!') this.#position++;
      this.#enter(at);
      const operand = this.#unary();
      this.#nesting--;
      return { kind: 'not', at: this.#base + at, operand };
    }
    return this.#primary();
  }

  #primary(): Expression {
    const source = this.#source;
    const at = this.#position;
    const char = source[at];
    const base = this.#base + at;
    if (char === '(') {
      this.#position++;
      const inner = this.#expression();
      this.#skipSpace();
      if (source[this.#position] !== ')') this.#fail(at, "'(' has no closing ')'");
      this.#position++;
      return { kind: 'group', at: base, inner };
    }
    if (char === '$') return { kind: 'reference', at: base, reference: this.#reference(at) };
    if (char === '"' || char === "'") return this.#string(char);
    if (char === '[') return this.#listOrRange();
    if (char === '{') return this.#map();
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(source);
    if (number) {
      this.#position = NUMBER.lastIndex;
      return /[.eE]/.test(number[0])
        ? { kind: 'double', at: base, value: Number(number[0]) }
        : { kind: 'integer', at: base, value: BigInt(number[0]) };
    }
    if (this.#matchWord('true')) return { kind: 'boolean', at: base, value: true };
    if (this.#matchWord('false')) return { kind: 'boolean', at: base, value: false };
    if (char === undefined) return this.#fail(at, 'the template ends where a value is expected');
    return this.#fail(
      at,
      `expected a value (a $reference, "string", number, true, false, [list] or {map}), found '${char}'`,
    );
  }

  #string(quote: string): Expression {
    const source = this.#source;
    const at = this.#position;
    let raw = '';
    let position = at + 1;
    for (;;) {
      const char = source[position];
      if (char === undefined) this.#fail(at, `string has no closing ${quote}`);
      if (char === quote) {
        if (source[position + 1] !== quote) break;
        position++;
      }
      raw += char;
      position++;
    }
    this.#position = position + 1;
    if (quote === "'") return { kind: 'string', at: this.#base + at, value: raw };
    const value = raw.replace(/\\u([\s\S]{0,4})/g, (sequence, hex: string) => {
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.#fail(at, `string has an invalid escape '${sequence}'`);
      return String.fromCharCode(Number.parseInt(hex, 16));
    });
    if (!value.includes('$') && !value.includes('#')) return { kind: 'string', at: this.#base + at, value };
    this.#enter(at);
    const parts = new Parser(value, this.#base + at + 1).parse();
    this.#nesting--;
    return { kind: 'interpolated', at: this.#base + at, parts };
  }

  #listOrRange(): Expression {
    const source = this.#source;
    const at = this.#position;
    this.#position++;
    this.#skipSpace();
    const items: Expression[] = [];
    if (source[this.#position] === ']') {
      this.#position++;
      return { kind: 'list', at: this.#base + at, items };
    }
    const first = this.#expression();
    this.#skipSpace();
    if (source.startsWith('..', this.#position)) {
      this.#position += 2;
      const to = this.#expression();
      this.#skipSpace();
      if (source[this.#position] !== ']') this.#fail(at, "range has no closing ']'");
      this.#position++;
      return { kind: 'range', at: this.#base + at, from: first, to };
    }
    items.push(first);
    for (;;) {
      this.#skipSpace();
      const char = source[this.#position++];
      if (char === ']') return { kind: 'list', at: this.#base + at, items };
      if (char !== ',') this.#fail(at, "list has no closing ']'");
      items.push(this.#expression());
    }
  }

  #map(): Expression {
    const source = this.#source;
    const at = this.#position;
    this.#position++;
    this.#skipSpace();
    const entries: Array<[Expression, Expression]> = [];
    if (source[this.#position] === '}') {
      this.#position++;
      return { kind: 'map', at: this.#base + at, entries };
    }
    for (;;) {
      const key = this.#expression();
      this.#skipSpace();
      if (source[this.#position] !== ':') this.#fail(this.#position, "map needs ':' between a key and its value");
      this.#position++;
      entries.push([key, this.#expression()]);
      this.#skipSpace();
      const char = source[this.#position++];
      if (char === '}') return { kind: 'map', at: this.#base + at, entries };
      if (char !== ',') this.#fail(at, "map has no closing '}'");
    }
  }
}

function unsupportedReason(word: string): string {
  switch (word) {
    case 'parse':
    case 'include':
      return 'API Gateway templates cannot load other templates';
    default:
      return 'API Gateway templates use #set, #if, #foreach, #define, #break and #stop';
  }
}
