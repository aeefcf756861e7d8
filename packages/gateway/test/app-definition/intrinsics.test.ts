/**
 * CloudFormation's intrinsic functions evaluated as CloudFormation does, and the
 * parsers behind them holding for any input (property tests).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { parseParameterOverrides } from '../../src/app-definition/app-cli-options.ts';
import { INTRINSIC_TAGS } from '../../src/app-definition/cloudformation/intrinsic-tags.ts';
import { CloudFormationTemplate } from '../../src/app-definition/cloudformation/template.ts';
import { ConfigError } from '../../src/errors.ts';

const RUN = { region: 'eu-west-1', accountId: '000000000000', stackName: 'shop', parameterOverrides: {} };

function templateWith(value: unknown, extra: Record<string, unknown> = {}): CloudFormationTemplate {
  return new CloudFormationTemplate(
    {
      file: 'template.yaml',
      locate: () => undefined,
      data: {
        Parameters: { Env: { Type: 'String', Default: 'dev' }, Zones: { Type: 'CommaDelimitedList', Default: 'a, b' } },
        Conditions: { IsDev: { 'Fn::Equals': [{ Ref: 'Env' }, 'dev'] } },
        Mappings: { Sizes: { dev: { Memory: 128 } } },
        Resources: {
          Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'orders' } },
          Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
          Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'WEBSOCKET' } },
          Queue: { Type: 'AWS::SQS::Queue' },
          Probe: { Type: 'Custom::Probe', Properties: { Value: value } },
        },
        ...extra,
      },
    },
    RUN,
  );
}

const evaluate = (value: unknown): unknown => {
  const template = templateWith(value);
  return template.property(template.resources.get('Probe')!, 'Value');
};

const yamlValue = (text: string): unknown => parseDocument(`v: ${text}`, { customTags: INTRINSIC_TAGS }).toJS().v;

describe('intrinsic functions', () => {
  const expectations: [string, unknown][] = [
    ['!Ref Table', 'orders'],
    ['!Ref Fn', 'shop-Fn'],
    ['!GetAtt Fn.Arn', 'arn:aws:lambda:eu-west-1:000000000000:function:shop-Fn'],
    ['!GetAtt Table.Arn', 'arn:aws:dynamodb:eu-west-1:000000000000:table/orders'],
    ['!Ref Queue', 'https://sqs.eu-west-1.amazonaws.com/000000000000/shop-Queue'],
    ["!Sub '${AWS::StackName}-${Env}-${!Literal}'", 'shop-dev-${Literal}'],
    ["!Sub ['${A}/${Table}', { A: !Ref AWS::Region }]", 'eu-west-1/orders'],
    ["!Join [':', [a, !Ref Env, 3]]", 'a:dev:3'],
    ['!Select [1, !Ref Zones]', 'b'],
    ["!Split [',', 'x,y']", ['x', 'y']],
    ['!If [IsDev, small, big]', 'small'],
    ['!FindInMap [Sizes, !Ref Env, Memory]', 128],
    ['!Base64 hi', 'aGk='],
    ["!GetAZs ''", ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']],
    ['[a, !Ref AWS::NoValue, b]', ['a', 'b']],
    ['{ keep: 1, drop: !Ref AWS::NoValue }', { keep: 1 }],
  ];
  for (const [text, expected] of expectations) {
    it(`${text} is ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(evaluate(yamlValue(text)), expected);
    });
  }

  it('an API id is ten lower-case letters and digits, the same in every run', () => {
    const id = evaluate({ Ref: 'Api' });
    assert.match(String(id), /^[a-z0-9]{10}$/);
    assert.equal(evaluate({ Ref: 'Api' }), id);
    assert.equal(evaluate({ 'Fn::GetAtt': ['Api', 'ApiEndpoint'] }), `wss://${id}.execute-api.eu-west-1.amazonaws.com`);
  });

  it('any value, however malformed, resolves or fails with a ConfigError', () => {
    const intrinsic = fc.constantFrom(
      'Ref',
      'Fn::GetAtt',
      'Fn::Sub',
      'Fn::Join',
      'Fn::Select',
      'Fn::Split',
      'Fn::If',
      'Fn::FindInMap',
      'Fn::Base64',
      'Fn::Equals',
      'Fn::Not',
      'Condition',
      'Fn::ImportValue',
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 2 }),
        fc.record({ fn: intrinsic, argument: tie('node') }).map(({ fn, argument }) => ({ [fn]: argument })),
        fc.array(tie('node'), { maxLength: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (input) => {
        try {
          evaluate(input);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('Fn::Sub leaves text without ${ unchanged, and ${!X} stands for ${X}', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !text.includes('${')),
        fc.stringMatching(/^[A-Za-z0-9_]{1,10}$/),
        (text, name) => {
          assert.equal(evaluate({ 'Fn::Sub': text }), text);
          assert.equal(evaluate({ 'Fn::Sub': `${text}\${!${name}}` }), `${text}\${${name}}`);
        },
      ),
    );
  });
});

describe('--parameter-overrides', () => {
  const name = fc.stringMatching(/^[A-Za-z0-9]{1,12}$/);
  const value = fc.stringMatching(/^[^\s"]{0,12}$/);

  it('reads Name=Value pairs, in one argument or several, the last one winning', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 6 }), fc.boolean(), (pairs, separate) => {
        const tokens = pairs.map(([key, text]) => `${key}=${text}`);
        const parsed = parseParameterOverrides(separate ? tokens : [tokens.join(' ')]);
        assert.deepEqual(parsed, Object.fromEntries(pairs));
      }),
    );
  });

  it("reads SAM's ParameterKey=Name,ParameterValue=Value and quoted values with spaces", () => {
    assert.deepEqual(parseParameterOverrides(['ParameterKey=Stage,ParameterValue=prod Greeting="hello there"']), {
      Stage: 'prod',
      Greeting: 'hello there',
    });
  });

  for (const bad of ['NoEquals', '=value', 'bad-name=1', 'a.b=1']) {
    it(`refuses "${bad}"`, () => {
      assert.throws(() => parseParameterOverrides([bad]), /invalid --parameter-overrides .*use Name=Value/);
    });
  }
});
