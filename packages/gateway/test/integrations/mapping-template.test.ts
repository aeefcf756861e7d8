import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import type { ConnectionFacts } from '../../src/events.ts';
import { messageEvent } from '../../src/events.ts';
import type { TemplateInput } from '../../src/integrations/mapping-template.ts';
import { compileJsonPath, compileMappingTemplate } from '../../src/integrations/mapping-template.ts';

const facts: ConnectionFacts = {
  connectionId: 'Abc123=',
  connectedAt: 1_700_000_000_000,
  sourceIp: '10.0.0.1',
  stage: 'prod',
  domainName: 'example.test',
  apiId: 'local00000',
  stageVariables: undefined,
  authorizer: { principalId: 'user-1' },
};

function input(body: string): TemplateInput {
  const event = messageEvent(facts, 'chat', body, 'req-1', 'msg-1', 0);
  return { body, requestContext: event.requestContext, stageVariables: { env: 'test' } };
}

function render(template: string, body = '{}'): string {
  return compileMappingTemplate(template, 'template').render(input(body));
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
    assert.equal(render("$input.json('$.missing')", body), 'null');
    assert.equal(
      render("$input.path('$.s')|$input.path('$.x')|$input.path('$.x.y[0]')", body),
      'text|{"y":[1,"two"]}|1',
    );
    assert.equal(render("[$input.path('$.missing')][$input.path('$.n')]", body), '[][]');
    assert.equal(render("$input.json('$.x')", 'not json'), 'null');
  });

  it('renders $stageVariables and leaves other references as written', () => {
    assert.equal(render(`$stageVariables.env \${stageVariables.none}.`), 'test .');
    assert.equal(render('costs $5, $price(approx) and $foo.bar'), 'costs $5, $price(approx) and $foo.bar');
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

  it('rejects unsupported constructs with a ConfigError at compile time', () => {
    const cases: Array<[string, RegExp]> = [
      ['#set($x = 1)', /directive "#set"/],
      ['#if($input.body)x#end', /directive "#if"/],
      ['#foreach($i in $input.path("$"))#end', /directive "#foreach"/],
      ['$input.params()', /unsupported \$input member/],
      ["$util.parseJson('{}')", /unsupported \$util call/],
      ['$input.json(x)', /neither a quoted string nor a reference/],
      ['$input.json($.x)', /not a supported reference/],
      ["$input.json('x')", /needs one quoted JSONPath/],
      ["$input.json('$.x'", /unterminated argument list/],
      ['$context', /needs a variable name/],
    ];
    for (const [source, problem] of cases) {
      assert.throws(
        () => compileMappingTemplate(source, 'routes.a.integration.requestTemplates.$default'),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.code === 'SB_ERR_CONFIG' &&
          error.location.path === 'routes.a.integration.requestTemplates.$default' &&
          problem.test(error.message),
        `${source} should be rejected with ${problem}`,
      );
    }
  });

  it('keeps text that only looks like a directive', () => {
    assert.equal(render('#general #endgame'), '#general #endgame');
  });
});

describe('compileJsonPath', () => {
  it('accepts the simple forms and rejects the rest', () => {
    assert.deepEqual(compileJsonPath('$'), []);
    assert.deepEqual(compileJsonPath('$.a.b[2]'), ['a', 'b', 2]);
    assert.deepEqual(compileJsonPath("$['a b'].c"), ['a b', 'c']);
    for (const path of ['a.b', '$..a', '$.a[*]', '$.', '$[?(@.a)]'])
      assert.equal(compileJsonPath(path), undefined, path);
  });
});
