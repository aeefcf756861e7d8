/**
 * What a template cannot do fails loudly with the template's name, line and column:
 * at load time for syntax and for what API Gateway lacks, at render time for what fails
 * on AWS too (a Java exception) and for the render limits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TemplateError } from '../../../src/errors.ts';
import { compileTemplate, MAX_TEMPLATE_SIZE } from '../../../src/integrations/vtl/index.ts';
import { messageInput } from './fixtures.ts';

const NAME = 'routes.a.integration.requestTemplates.$default';

function assertTemplateError(action: () => unknown, line: number, column: number, problem: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof TemplateError, `expected a TemplateError, got ${String(error)}`);
    assert.equal(error.code, 'SB_ERR_TEMPLATE');
    assert.equal(error.template, NAME);
    assert.deepEqual(error.position, { line, column }, error.message);
    assert.match(error.problem, problem);
    assert.equal(error.message, `${NAME} line ${line}, column ${column}: ${error.problem}`);
    return true;
  });
}

describe('compileTemplate refuses', () => {
  const cases: Array<[template: string, line: number, column: number, problem: RegExp]> = [
    ['#macro(greet $name)hi#end', 1, 1, /#macro is not supported/],
    ['ok\n  #literal()x#end', 2, 3, /#literal is not supported/],
    ['#define(block)x#end', 1, 9, /#define needs a reference to name the block/],
    ['#define($b)x', 1, 1, /#define has no #end/],
    ['#parse("other.vm")', 1, 1, /cannot load other templates/],
    ['#include("x")', 1, 1, /cannot load other templates/],
    ['#evaluate("$x")', 1, 1, /#evaluate is not supported/],
    [
      '{"a": $util.toJson($input.path(\'$\'))}',
      1,
      12,
      /\$util\.toJson is not one of API Gateway's \$util functions.*AppSync/,
    ],
    ['$util.qr($x)', 1, 6, /\$util\.qr is not one of/],
    ['$util.escapeJavaScript', 1, 6, /\$util\.escapeJavaScript is not one of/],
    ['$util.urlEncode("a", "b")', 1, 6, /takes one argument, not 2/],
    ['$input', 1, 1, /\$input is not one of API Gateway's \$input members/],
    ['$input.headers', 1, 7, /\$input\.headers is not one of API Gateway's \$input members/],
    ['$input.path.size()', 1, 7, /\$input\.path is a method: write \$input\.path\(\.\.\.\)/],
    ['$input.json()', 1, 7, /\$input\.json takes 1 argument\(s\), not 0/],
    [
      "x\n$input.json('$.items[?(@.id)]')",
      2,
      13,
      /JSONPath "\$\.items\[\?\(@\.id\)\]" uses a bracket form that is not supported/,
    ],
    ["$input.path('items')", 1, 13, /must start with \$/],
    ['#if($a', 1, 7, /#if has no closing '\)' here/],
    ['#if($a)x', 1, 1, /#if has no #end/],
    ['#foreach($i in $l)x', 1, 1, /#foreach has no #end/],
    ['a\n#end', 2, 1, /#end without a matching #if or #foreach/],
    ['#else', 1, 1, /#else without a matching #if/],
    ['#if(true)a#else b#else c#end', 1, 18, /#else after #else/],
    ['#foreach($i)x#end', 1, 12, /'in' after the loop variable/],
    ['#foreach(i in $l)x#end', 1, 10, /needs a loop variable/],
    ['#set $x = 1', 1, 1, /#set needs its arguments in parentheses/],
    ['#set($x.size() = 1)', 1, 8, /cannot assign to a method call/],
    ['#set($x 1)', 1, 9, /needs '=' after the reference/],
    ['$a.b(1, 2', 1, 3, /method call has no closing '\)'/],
    ['${a.b', 1, 1, /'\$\{' reference has no closing '\}'/],
    ['#set($x = "abc)', 1, 11, /string has no closing "/],
    ['#set($x = [1, 2)', 1, 11, /list has no closing '\]'/],
    ['#set($x = {"a" 1})', 1, 16, /needs ':' between a key and its value/],
    ['#set($x = -$y)', 1, 11, /expected a value.*found '-'/],
    ['#set($x = "\\u12")', 1, 11, /invalid escape/],
    ['#* never closed', 1, 1, /#\* comment has no closing \*#/],
    ['#[[ never closed', 1, 1, /#\[\[ has no closing \]\]#/],
    ['$a[0', 1, 3, /index has no closing '\]'/],
    [`#if(${'('.repeat(300)}true${')'.repeat(300)})#end`, 1, 204, /nests deeper than 200 levels/],
  ];
  for (const [template, line, column, problem] of cases) {
    it(JSON.stringify(template.length > 60 ? `${template.slice(0, 60)}...` : template), () => {
      assertTemplateError(() => compileTemplate(template, NAME), line, column, problem);
    });
  }

  it(`a template larger than API Gateway's ${MAX_TEMPLATE_SIZE / 1024} KB`, () => {
    assertTemplateError(
      () => compileTemplate('x'.repeat(MAX_TEMPLATE_SIZE + 1), NAME),
      1,
      1,
      /larger than API Gateway's limit of 300 KB/,
    );
  });
});

describe('rendering fails', () => {
  const render =
    (template: string, body = '{}', limits = {}) =>
    () =>
      compileTemplate(template, NAME, limits).render(messageInput(body));
  const cases: Array<[template: string, line: number, column: number, problem: RegExp, body?: string]> = [
    ['#set($s = "abc")\n$s.substring(5)', 2, 3, /substring\(5\): begin 5, end 3, length 3/],
    ['#set($l = [1])$l.get(3)', 1, 17, /index 3 out of bounds for length 1/],
    ['#set($l = [1])$l[-2]', 1, 17, /index -1 out of bounds for length 1/],
    ['$util.urlDecode("%ZZ")', 1, 6, /illegal hex characters/],
    ['$util.parseJson("{nope")', 1, 6, /\$util\.parseJson: the text is not JSON/],
    ['#set($s = "aaa")$s.replaceAll("a++", "b")', 1, 19, /possessive quantifier/],
    ['#set($s = "aaa")$s.matches("\\p{Alpha}+")', 1, 19, /character property/],
    ['#set($s = "a")$s.replaceAll("a", "$2")', 1, 17, /refers to group 2, but the pattern has 0/],
    ['#set($s = "a b")$s.split(" ")', 1, 17, /Java array/],
    ['#set($zero = 0)$zero.parseInt("12x")', 1, 21, /For input string: "12x"/],
    ['#set($s = "x")$s.codePointAt(0)', 1, 17, /String\.codePointAt\(\) is not supported/],
    ['#set($l = [1, 2])#foreach($i in $l)#set($ok = $l.add(3))#end', 1, 18, /changed while #foreach iterated/],
    [
      "#set($name = $input.path('$.name'))\n#if($name.matches('(a+)+b'))yes#end",
      2,
      10,
      /regular expression "\(a\+\)\+b" was stopped after 101 ms on a text of 40 characters: a regular expression backtracks/,
      JSON.stringify({ name: 'a'.repeat(40) }),
    ],
  ];
  for (const [template, line, column, problem, body] of cases) {
    it(JSON.stringify(template), () => assertTemplateError(render(template, body), line, column, problem));
  }

  it('when loops and method calls exceed maxSteps', () => {
    const items = JSON.stringify({ items: Array.from({ length: 100 }, (_, index) => index) });
    assertTemplateError(
      render("#foreach($i in $input.path('$.items'))$i#end", items, { maxSteps: 50 }),
      1,
      1,
      /more than 50 loop iterations and method calls/,
    );
    assertTemplateError(
      render('#foreach($i in [1..10])#foreach($j in [1..10])x#end#end', '{}', { maxSteps: 50 }),
      1,
      39,
      /more items than rendering may iterate over/,
    );
    assertTemplateError(
      render("#foreach($i in [0..$input.path('$.n')])#end", '{"n":2147483000}'),
      1,
      16,
      /more items than rendering may iterate over/,
    );
  });

  it('when the output or a string grows past maxOutputLength', () => {
    assertTemplateError(
      render('#foreach($i in [1..100])0123456789#end', '{}', { maxOutputLength: 500 }),
      1,
      1,
      /output grows past 500 characters/,
    );
    assertTemplateError(
      render('#set($s = "ab")#foreach($i in [1..40])#set($s = "$s$s")#end', '{}', { maxOutputLength: 1000 }),
      1,
      52,
      /output grows past 1000/,
    );
    assertTemplateError(
      render('#set($s = "ab")$s.repeat(1000000000)', '{}', { maxOutputLength: 1000 }),
      1,
      18,
      /past the limit of 1000 characters/,
    );
  });

  it('when a #define block renders itself', () => {
    assertTemplateError(
      render('#define($loop)x$loop#end$loop'),
      1,
      1,
      /#define\(\$loop\) renders itself more than 100 levels deep/,
    );
  });

  it('never for a payload with a huge integer or deep nesting: it is not JSON to the template', () => {
    const render = (body: string) =>
      compileTemplate("$input.json('$')|[$input.path('$.n')]", NAME).render(messageInput(body));
    const longest = '9'.repeat(4096);
    assert.ok(render(`{"n":-${longest}}`) === `{"n":-${longest}}|[-${longest}]`, 'an integer of 4096 digits is read');
    assert.ok(render(`{"n":${longest}9}`) === '""|[]', 'an integer of 4097 digits is refused');
    assert.equal(render(`${'['.repeat(600)}${']'.repeat(600)}`), '""|[]');
  });

  it('when a number grows without bound', () => {
    assertTemplateError(render('#set($n = 2)#foreach($i in [1..20])#set($n = $n * $n)#end'), 1, 49, /too large/);
  });
});
