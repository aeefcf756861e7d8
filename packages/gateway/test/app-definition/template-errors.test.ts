/**
 * Every way a template can be malformed or unresolvable ends in one ConfigError
 * naming the file, the line, the path of the offending value and the problem.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadApp } from '../../src/app-definition/load-app.ts';
import { type DefinitionErrorCase, itRejectsEachCase } from '../support/app-definition-errors.ts';
import { oneRouteTemplate } from '../support/one-route-template.ts';
import { temporaryFolder } from '../support/temp-folder.ts';

/** A valid template: one $default route to one function; each case changes one thing. */
const BASE = oneRouteTemplate('src');

const change = (from: string, to: string): string => {
  assert.ok(BASE.includes(from), `the base template lacks ${from}`);
  return BASE.replace(from, to);
};
const add = (yaml: string): string => `${BASE}${yaml}`;
const WITH_AUTHORIZER = change(
  'RouteKey: $default,',
  'RouteKey: $connect, AuthorizationType: CUSTOM, AuthorizerId: !Ref Auth,',
);

const cases: DefinitionErrorCase[] = [
  { name: 'a YAML syntax error', text: 'Resources:\n  Api: [\n', line: 3, problem: /YAML syntax error/ },
  {
    name: 'an unknown intrinsic tag',
    text: change('!GetAtt Fn.Arn', '!GetAttr Fn.Arn'),
    line: 11,
    problem: /unknown YAML tag !GetAttr/,
  },
  {
    name: 'a JSON syntax error',
    file: 'template.json',
    text: '{ "Resources": { "Api": { "Type": "AWS::ApiGatewayV2::Api", } } }',
    line: 1,
    problem: /JSON syntax error: expected a quoted key, found "}"/,
  },
  {
    name: 'no Resources',
    text: "AWSTemplateFormatVersion: '2010-09-09'\n",
    path: 'Resources',
    problem: /needs a Resources section/,
  },
  {
    name: 'a resource without a Type',
    text: add('  Broken:\n    Properties: {}\n'),
    line: 15,
    path: 'Resources.Broken',
    problem: /a resource needs a Type/,
  },
  {
    name: 'a Ref to nothing',
    text: change('ApiId: !Ref Api, RouteKey', 'ApiId: !Ref Apii, RouteKey'),
    line: 8,
    path: 'Resources.Route.Properties.ApiId.Ref',
    problem: /Ref to "Apii", which is neither a parameter nor a resource/,
  },
  {
    name: 'an attribute that is not known locally',
    text: change('!GetAtt Fn.Arn', '!GetAtt Fn.Nope'),
    path: 'Resources.Integration.Properties.IntegrationUri.Fn::GetAtt',
    problem: /Fn::GetAtt Fn\.Nope: the Nope of a AWS::Serverless::Function is not known locally/,
  },
  {
    name: 'a parameter without a value',
    text: `Parameters:\n  Size:\n    Type: String\n${change('Handler: app.handler }', 'Handler: app.handler, MemorySize: !Ref Size, Environment: { Variables: { SIZE: !Ref Size } } }')}`,
    line: 2,
    path: 'Parameters.Size',
    problem: /parameter Size has no Default: pass --parameter-overrides Size=<value>/,
  },
  {
    name: 'an override outside AllowedValues',
    text: `Parameters:\n  Size:\n    Type: String\n    Default: small\n    AllowedValues: [small, big]\n${change('Handler: app.handler }', 'Handler: app.handler, Environment: { Variables: { SIZE: !Ref Size } } }')}`,
    options: { parameterOverrides: { Size: 'huge' } },
    path: 'Parameters.Size',
    problem: /parameter Size is "huge", not one of its AllowedValues \(small, big\)/,
  },
  {
    name: 'an override of a parameter the template lacks',
    text: BASE,
    options: { parameterOverrides: { Nope: '1' } },
    problem: /--parameter-overrides names Nope, which the template does not declare/,
  },
  {
    name: 'an SSM parameter',
    text: `Parameters:\n  Secret:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /app/secret\n${change('Handler: app.handler }', 'Handler: app.handler, Environment: { Variables: { SECRET: !Ref Secret } } }')}`,
    path: 'Parameters.Secret',
    problem: /reads the SSM parameter "\/app\/secret", which cannot be read locally/,
  },
  {
    name: 'no WebSocket API',
    text: change('ProtocolType: WEBSOCKET', 'ProtocolType: HTTP'),
    path: 'Resources',
    problem: /the template defines no WebSocket API/,
  },
  {
    name: 'two WebSocket APIs',
    text: add('  Api2:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: { ProtocolType: WEBSOCKET }\n'),
    problem: /several WebSocket APIs \(Api, Api2\): choose one with --api/,
  },
  {
    name: 'an --api that is not there',
    text: BASE,
    options: { api: 'Other' },
    problem: /--api Other: the template's WebSocket APIs are Api/,
  },
  {
    name: 'a Target that is not an integration',
    text: change("Target: !Sub 'integrations/${Integration}'", 'Target: integrations/Nope'),
    path: 'Resources.Route.Properties.Target',
    problem: /Target "integrations\/Nope" is not an integration of this API/,
  },
  {
    name: 'an integration invoking a function from elsewhere',
    text: change('!GetAtt Fn.Arn', 'arn:aws:lambda:us-east-1:000000000000:function:elsewhere'),
    path: 'Resources.Integration.Properties.IntegrationUri',
    problem:
      /invokes arn:aws:lambda:us-east-1:000000000000:function:elsewhere, which is not a function of this template/,
  },
  {
    name: 'a Python function',
    text: change('Runtime: nodejs20.x', 'Runtime: python3.12'),
    path: 'Resources.Fn.Properties.Runtime',
    problem: /runtime python3\.12 cannot run here: only Node\.js functions/,
  },
  {
    name: 'a container image function',
    text: change('Runtime: nodejs20.x,', 'PackageType: Image, ImageUri: repo/app:1,'),
    path: 'Resources.Fn.Properties.PackageType',
    problem: /container image functions cannot run here/,
  },
  {
    name: 'a handler file that does not exist',
    text: change('Handler: app.handler', 'Handler: missing.handler'),
    path: 'Resources.Fn.Properties.Handler',
    problem: /Handler "missing\.handler": none of missing\.js, missing\.mjs, missing\.cjs, missing\.ts/,
  },
  {
    name: 'a handler without an export',
    text: change('Handler: app.handler', 'Handler: app'),
    path: 'Resources.Fn.Properties.Handler',
    problem: /Handler "app" is not file\.export/,
  },
  {
    name: 'a CodeUri in S3',
    text: change('CodeUri: src', 'CodeUri: s3://bucket/code.zip'),
    path: 'Resources.Fn.Properties.CodeUri',
    problem: /CodeUri points at S3/,
  },
  {
    name: 'a CodeUri folder that does not exist',
    text: change('CodeUri: src', 'CodeUri: nowhere'),
    path: 'Resources.Fn.Properties.CodeUri',
    problem: /CodeUri nowhere: no such folder/,
  },
  {
    name: 'a Lambda function with its code in S3',
    text: change(
      'Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, CodeUri: src,',
      'Type: AWS::Lambda::Function\n    Properties: { Runtime: nodejs20.x, Code: { S3Bucket: b, S3Key: k },',
    ),
    path: 'Resources.Fn.Properties.Code',
    problem: /the function's code is in S3/,
  },
  {
    name: 'a request model that is not defined',
    text: change('RouteKey: $default,', 'RouteKey: $default, RequestModels: { $default: Nope },'),
    path: 'Resources.Route.Properties.RequestModels.$default',
    problem: /model "Nope" is not an AWS::ApiGatewayV2::Model of this API/,
  },
  {
    name: 'a model schema that is not JSON',
    text: add(
      "  Model:\n    Type: AWS::ApiGatewayV2::Model\n    Properties: { ApiId: !Ref Api, Name: M, Schema: '{not json' }\n",
    ).replace('RouteKey: $default,', 'RouteKey: $default, RequestModels: { $default: M },'),
    path: 'Resources.Model.Properties.Schema',
    problem: /Schema is not valid JSON/,
  },
  {
    name: 'a model schema the gateway refuses',
    text: add(
      '  Model:\n    Type: AWS::ApiGatewayV2::Model\n    Properties: { ApiId: !Ref Api, Name: M, Schema: { type: 12 } }\n',
    ).replace('RouteKey: $default,', 'RouteKey: $default, RequestModels: { $default: M },'),
    path: 'Resources.Route',
    problem: /model/,
  },
  {
    name: 'an invalid route selection expression',
    text: change('RouteSelectionExpression: $request.body.action', 'RouteSelectionExpression: $request.foo.bar'),
    path: 'Resources.Api.Properties.RouteSelectionExpression',
    problem: /selection expression/i,
  },
  {
    name: 'several stages and no --stage',
    text: add(
      '  A:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties: { ApiId: !Ref Api, StageName: a }\n  B:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties: { ApiId: !Ref Api, StageName: b }\n',
    ),
    path: 'Resources.Api',
    problem: /several stages \(a, b\): choose one with --stage/,
  },
  {
    name: 'a --stage that is not there',
    text: add('  A:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties: { ApiId: !Ref Api, StageName: a }\n'),
    options: { stage: 'prod' },
    problem: /--stage prod: the API's stages are a/,
  },
  {
    name: 'a JWT authorizer',
    text: `${WITH_AUTHORIZER}  Auth:\n    Type: AWS::ApiGatewayV2::Authorizer\n    Properties: { ApiId: !Ref Api, Name: a, AuthorizerType: JWT }\n`,
    path: 'Resources.Auth.Properties.AuthorizerType',
    problem: /authorizer is REQUEST, not JWT/,
  },
  {
    name: 'an authorizer on a message route',
    text: change('RouteKey: $default,', 'RouteKey: $default, AuthorizationType: CUSTOM,'),
    path: 'Resources.Route.Properties.AuthorizationType',
    problem: /only the \$connect route can have an authorizer/,
  },
  {
    name: 'Fn::Cidr',
    text: change(
      'Handler: app.handler }',
      "Handler: app.handler, Environment: { Variables: { NET: !Cidr ['10.0.0.0/16', 2, 8] } } }",
    ),
    problem: /Fn::Cidr .* has no meaning locally/,
  },
  {
    name: 'an import no stack exports',
    text: change(
      'Handler: app.handler }',
      'Handler: app.handler, Environment: { Variables: { X: !ImportValue Shared } } }',
    ),
    problem: /Fn::ImportValue "Shared": no stack served here exports it/,
  },
  {
    name: 'an undefined condition',
    text: change(
      'Handler: app.handler }',
      'Handler: app.handler, Environment: { Variables: { X: !If [Nope, a, b] } } }',
    ),
    problem: /condition "Nope" is not defined in the Conditions section/,
  },
  {
    name: 'Fn::Select out of range',
    text: change(
      'Handler: app.handler }',
      'Handler: app.handler, Environment: { Variables: { X: !Select [5, [a, b]] } } }',
    ),
    problem: /Fn::Select index 5 is outside the list of 2/,
  },
  {
    name: 'Fn::FindInMap of a missing key',
    text: `Mappings:\n  M: { dev: { size: 1 } }\n${change('Handler: app.handler }', 'Handler: app.handler, Environment: { Variables: { X: !FindInMap [M, prod, size] } } }')}`,
    problem: /Fn::FindInMap: Mappings\.M\.prod\.size does not exist/,
  },
  {
    name: 'Fn::Sub of something that is not a name',
    text: change(
      'Handler: app.handler }',
      "Handler: app.handler, Environment: { Variables: { X: !Sub '${not a name}' } } }",
    ),
    problem: /Fn::Sub cannot read \$\{not a name\}/,
  },
  {
    name: 'a circular reference',
    text: change('Handler: app.handler }', "Handler: app.handler, FunctionName: !Sub '${Fn.Arn}-x' }"),
    problem: /refers back to itself/,
  },
  {
    name: 'Fn::ForEach',
    text: add('  Fn::ForEach::Topics:\n    - Name\n    - [A, B]\n    - {}\n'),
    problem: /Fn::ForEach .* is not supported/,
  },
];

describe('template errors', () => {
  const folder = temporaryFolder('switchboard-template-errors-', {
    'src/app.mjs': 'export const handler = async () => ({ statusCode: 200 });\n',
  });

  itRejectsEachCase(folder, 'template.yaml', BASE, cases);

  it('a route with no Target is left out and named', async () => {
    const target = join(folder(), 'no-target.yaml');
    await writeFile(
      target,
      add('  LooseRoute:\n    Type: AWS::ApiGatewayV2::Route\n    Properties: { ApiId: !Ref Api, RouteKey: loose }\n'),
    );
    const app = await loadApp(target);
    assert.deepEqual(Object.keys(app.definition.routes), ['$default']);
    assert.ok(
      app.notices.includes('route loose (LooseRoute) has no Target integration: it is not served'),
      app.notices.join('\n'),
    );
  });

  it('an API none of whose routes can be served is an error that says so', async () => {
    const target = join(folder(), 'no-targets.yaml');
    await writeFile(target, change("Target: !Sub 'integrations/${Integration}'", 'AuthorizationType: NONE'));
    await assert.rejects(
      loadApp(target),
      /no-targets\.yaml:3: Resources\.Api: the WebSocket API has no route the gateway can serve: .*route \$default \(\w+\) has no Target/,
    );
  });
});
