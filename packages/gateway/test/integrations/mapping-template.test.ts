import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, TemplateError } from '../../src/errors.ts';
import { compileMappingTemplate } from '../../src/integrations/mapping-template.ts';
import { messageInput } from './vtl/fixtures.ts';

function render(template: string, body = '{}'): string {
  return compileMappingTemplate(template, 'template').render(messageInput(body));
}

describe('compileMappingTemplate', () => {
  it('11.108 renders $context variables in plain, formal and quiet form', () => {
    assert.equal(
      render(`$context.connectionId|\${context.stage}|$!context.authorizer.principalId|$context.identity.sourceIp.`),
      'Abc123=|prod|user-1|10.0.0.1.',
    );
    assert.equal(render('[$context.noSuchVariable]'), '[]');
  });

  it('11.108 renders $input.body, $input.json and $input.path', () => {
    const body = '{"x":{"y":[1,"two"]},"s":"text","n":null}';
    assert.equal(render('$input.body', body), body);
    assert.equal(render("$input.json('$')", body), '{"x":{"y":[1,"two"]},"s":"text","n":null}');
    assert.equal(render("$input.json('$.x.y[1]')|$input.json(\"$['s']\")", body), '"two"|"text"');
    assert.equal(render("$input.json('$.missing')", body), '""');
    assert.equal(render("$input.path('$.s')|$input.path('$.x')|$input.path('$.x.y[0]')", body), 'text|{y=[1,"two"]}|1');
    assert.equal(render("[$input.path('$.missing')][$input.path('$.n')]", body), '[][]');
    assert.equal(render("$input.json('$.x')", 'not json'), '""');
  });

  it('renders $stageVariables, and nothing for references that have no value (as API Gateway does)', () => {
    assert.equal(render(`$stageVariables.env \${stageVariables.none}.`), 'test .');
    assert.equal(render('costs $5, $price(approx) and $foo.bar'), 'costs $5, (approx) and ');
  });

  it('applies $util functions', () => {
    const body = '{"q":"a b&c/d\'\\"é\\n"}';
    assert.equal(render("$util.urlEncode($input.path('$.q'))", body), 'a+b%26c%2Fd%27%22%C3%A9%0A');
    assert.equal(render("$util.escapeJavaScript($input.path('$.q'))", body), 'a b&c\\/d\\\'\\"\\u00E9\\n');
    assert.equal(
      render("$util.base64Encode('hi')|$util.base64Decode('aGk=')|$util.urlDecode('a+b%21')"),
      'aGk=|hi|a b!',
    );
    assert.equal(render('$util.urlEncode($context.connectionId)'), 'Abc123%3D');
  });

  it('runs directives: the TTL idiom', () => {
    assert.equal(
      render('#set($ttl = $context.requestTimeEpoch / 1000 + 86400){"ttl":{"N":"$ttl"}}'),
      '{"ttl":{"N":"1700086400"}}',
    );
  });

  it('rejects what API Gateway does not have with a ConfigError naming the line and column', () => {
    const cases: Array<[string, RegExp]> = [
      ['#macro(x)#end', /^mapping template line 1, column 1: #macro is not supported/],
      ['ok\n  $util.toJson($x)', /^mapping template line 2, column 8: \$util\.toJson is not one of/],
      ['$input.headers', /^mapping template line 1, column 7: \$input\.headers is not one of/],
      ["$input.json('$.a[?(@.b)]')", /^mapping template line 1, column 13: JSONPath .* not supported/],
      ["$input.json('$.x'", /^mapping template line 1, column 7: method call has no closing/],
      ['#if($a)', /^mapping template line 1, column 1: #if has no #end/],
    ];
    for (const [source, problem] of cases) {
      assert.throws(
        () => compileMappingTemplate(source, 'routes.a.integration.requestTemplates.$default'),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.code === 'SB_ERR_CONFIG' &&
          error.location.path === 'routes.a.integration.requestTemplates.$default' &&
          error.cause instanceof TemplateError &&
          problem.test(error.problem),
        `${source} should be rejected with ${problem}`,
      );
    }
  });

  it('throws TemplateError when rendering fails', () => {
    const template = compileMappingTemplate(
      '#set($s = "abc")\n$s.substring(9)',
      'routes.a.integration.requestTemplates.$default',
    );
    assert.throws(
      () => template.render(messageInput('{}')),
      (error: unknown) =>
        error instanceof TemplateError &&
        error.code === 'SB_ERR_TEMPLATE' &&
        error.message.startsWith('routes.a.integration.requestTemplates.$default line 2, column 3: substring(9)'),
    );
  });

  it('keeps text that only looks like a directive', () => {
    assert.equal(render('#general #endgame'), '#general #endgame');
  });
});
