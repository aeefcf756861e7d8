import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { loadLambdaFunction } from '../../src/integrations/lambda.ts';
import { DEFAULT_CONCURRENCY } from '../../src/settings.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const example = join(fixtures, 'example', 'switchboard.yaml');
const modules = join(fixtures, 'modules');

async function invokeHandler(reference: string, baseDir: string, body: string): Promise<unknown> {
  const fn = await loadLambdaFunction({
    handler: reference,
    baseDir,
    functionName: 'test',
    region: 'us-east-1',
    accountId: '000000000000',
    concurrency: DEFAULT_CONCURRENCY,
  });
  try {
    return await fn.invoke({ body }, Date.now() + 5000);
  } finally {
    await fn.close();
  }
}

describe('loadConfigFile', () => {
  it('loads the example YAML config unchanged', async () => {
    const loaded = await loadConfigFile(example);
    assert.equal(loaded.file, example);
    assert.equal(loaded.baseDir, join(fixtures, 'example'));
    assert.deepEqual(loaded.definition, {
      stage: 'dev',
      routeSelectionExpression: '$request.body.action',
      environment: { GREETING: 'hello' },
      routes: {
        $connect: { handler: 'handlers.mjs#connect' },
        $disconnect: { handler: 'handlers.mjs#disconnect' },
        $default: { handler: 'handlers.mjs#echo', routeResponse: true },
        sendmessage: {
          handler: 'handlers.mjs#send',
          model: { type: 'object', required: ['action', 'data'], properties: { data: { type: 'string' } } },
        },
      },
    });
  });

  it('returns a deeply frozen definition', async () => {
    const { definition } = await loadConfigFile(example);
    assert.ok(Object.isFrozen(definition));
    assert.ok(Object.isFrozen(definition.routes.sendmessage?.model?.required));
  });

  it("resolves the example's handlers relative to the config file", async () => {
    const { definition, baseDir } = await loadConfigFile(example);
    const reference = definition.routes.$default?.handler;
    assert.equal(typeof reference, 'string');
    const result = await invokeHandler(reference as string, baseDir, '{"action":"x"}');
    assert.deepEqual(result, { statusCode: 200, body: '{"action":"x"}' });
  });

  it('loads a JSON config with every section', async () => {
    const { definition } = await loadConfigFile(join(modules, 'switchboard.json'));
    assert.equal(definition.stage, 'json');
    assert.equal(definition.management?.access, 'signed');
    assert.deepEqual(definition.authorizer?.identitySource, ['route.request.querystring.token']);
  });

  const moduleConfigs = [
    ['default-export.mjs', 'mjs', 'a default export'],
    ['named-export.js', 'js', 'a "definition" export from a .js module'],
    ['common.cjs', 'cjs', 'module.exports'],
    ['named-export.cjs', 'cjsnamed', 'exports.definition'],
    ['async-factory.mjs', 'factory', 'an async function export'],
    ['typed.ts', 'ts', 'a TypeScript default export with a handler function'],
    ['typed.mts', 'mts', 'a .mts function export'],
  ] as const;
  for (const [file, stage, how] of moduleConfigs) {
    it(`loads a module config from ${how} (${file})`, async () => {
      const { definition, baseDir } = await loadConfigFile(join(modules, file));
      assert.equal(definition.stage, stage);
      assert.equal(baseDir, modules);
    });
  }

  it('keeps handler functions of a definition built in code', async () => {
    const { definition } = await loadConfigFile(join(modules, 'typed.ts'));
    assert.equal(typeof definition.routes.$default?.handler, 'function');
  });

  for (const [extension, baseDir] of [
    ['mjs', join(fixtures, 'example')],
    ['cjs', modules],
    ['js', modules],
    ['ts', modules],
  ]) {
    it(`a handler reference to a .${extension} module loads relative to baseDir`, async () => {
      const result = await invokeHandler(`handlers.${extension}#echo`, baseDir as string, 'hi');
      assert.deepEqual(result, { statusCode: 200, body: 'hi' });
    });
  }
});

describe('bad config files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const routes = 'routes:\n  $default:\n    handler: h.mjs#echo\n';
  const cases: { name: string; file: string; text: string; line: number; path?: string; problem: RegExp }[] = [
    {
      name: 'an unclosed YAML flow mapping (found where the file ends)',
      file: 'unclosed.yaml',
      text: 'stage: dev\nroutes:\n  $default: { handler: h.mjs#echo\n',
      line: 4,
      problem: /YAML syntax error: .*must be sufficiently indented and end with a }/,
    },
    {
      name: 'a YAML syntax error',
      file: 'syntax.yaml',
      text: 'stage: dev\nroutes:\n  $default:\n    handler: h.mjs#echo\n   other: x\n',
      line: 5,
      problem: /YAML syntax error/,
    },
    {
      name: 'a duplicate YAML key',
      file: 'duplicate.yaml',
      text: `stage: dev\nstage: prod\n${routes}`,
      line: 2,
      problem: /YAML syntax error: Map keys must be unique/,
    },
    {
      name: 'a typo in a route key (handlr)',
      file: 'typo.yaml',
      text: 'routes:\n  $default:\n    handlr: h.mjs#echo\n',
      line: 3,
      path: 'routes.$default.handlr',
      problem: /unknown key "handlr": did you mean "handler"\?/,
    },
    {
      name: 'an unknown top-level key',
      file: 'top.yaml',
      text: `stages: dev\n${routes}`,
      line: 1,
      path: 'stages',
      problem: /unknown key "stages": did you mean "stage"\?/,
    },
    {
      name: 'missing routes',
      file: 'noroutes.yaml',
      text: 'stage: dev\n',
      line: 1,
      path: 'routes',
      problem: /is required; a definition is a mapping with at least a routes key/,
    },
    {
      name: 'empty routes',
      file: 'empty.yaml',
      text: 'stage: dev\nroutes: {}\n',
      line: 2,
      path: 'routes',
      problem: /must not be empty/,
    },
    {
      name: 'a reserved route key',
      file: 'reserved.yaml',
      text: `${routes}  $message:\n    handler: h.mjs#echo\n`,
      line: 4,
      path: 'routes.$message',
      problem: /reserved for \$connect, \$disconnect and \$default/,
    },
    {
      name: 'a route with neither handler nor integration',
      file: 'neither.yaml',
      text: `${routes}  send:\n    routeResponse: true\n`,
      line: 4,
      path: 'routes.send',
      problem: /needs a handler .* or an integration/,
    },
    {
      name: 'a route with both handler and integration',
      file: 'both.yaml',
      text: `${routes}    integration: { type: HTTP_PROXY, uri: "http://127.0.0.1:1/x" }\n`,
      line: 4,
      path: 'routes.$default.integration',
      problem: /either handler or integration, not both/,
    },
    {
      name: 'a handler reference without a module path',
      file: 'handler.yaml',
      text: 'routes:\n  $default:\n    handler: "#echo"\n',
      line: 3,
      path: 'routes.$default.handler',
      problem: /a handler is "path\/to\/module\.mjs#exportName"/,
    },
    {
      name: 'a timeout below 50 ms',
      file: 'timeout.yaml',
      text: `${routes}    timeoutInMillis: 40\n`,
      line: 4,
      path: 'routes.$default.timeoutInMillis',
      problem: /must be >= 50; use whole milliseconds from 50 to 29000/,
    },
    {
      name: 'a fractional timeout',
      file: 'fraction.yaml',
      text: `${routes}    timeoutInMillis: 100.5\n`,
      line: 4,
      path: 'routes.$default.timeoutInMillis',
      problem: /must be an integer/,
    },
    {
      name: 'a negative burst limit',
      file: 'burst.yaml',
      text: `${routes}throttling:\n  burstLimit: -1\n  rateLimit: 5\n`,
      line: 5,
      path: 'throttling.burstLimit',
      problem: /must be >= 0/,
    },
    {
      name: 'a throttle without rateLimit',
      file: 'rate.yaml',
      text: `${routes}throttling:\n  burstLimit: 1\n`,
      line: 4,
      path: 'throttling.rateLimit',
      problem: /is required; give both burstLimit and rateLimit/,
    },
    {
      name: 'a zero frame limit',
      file: 'limits.yaml',
      text: `${routes}limits:\n  maxFrameBytes: 0\n`,
      line: 5,
      path: 'limits.maxFrameBytes',
      problem: /must be > 0/,
    },
    {
      name: 'a non-boolean routeResponse',
      file: 'response.yaml',
      text: `${routes}    routeResponse: "yes"\n`,
      line: 4,
      path: 'routes.$default.routeResponse',
      problem: /must be a boolean, not the string "yes"/,
    },
    {
      name: 'model and models together',
      file: 'models.yaml',
      text: `${routes}    model: { type: object }\n    models: { $default: { type: object } }\n    modelSelectionExpression: $request.body.kind\n`,
      line: 5,
      path: 'routes.$default.models',
      problem: /either model or models, not both/,
    },
    {
      name: 'models without a selection expression',
      file: 'noexpr.yaml',
      text: `${routes}    models:\n      $default: { type: object }\n`,
      line: 4,
      path: 'routes.$default.models',
      problem: /models needs a modelSelectionExpression/,
    },
    {
      name: 'an unsupported route selection expression',
      file: 'expr.yaml',
      text: `routeSelectionExpression: $request.header.x\n${routes}`,
      line: 1,
      path: 'routeSelectionExpression',
      problem: /is not supported/,
    },
    {
      name: 'a model that is not valid draft 4',
      file: 'schema.yaml',
      text: `${routes}    model:\n      type: strang\n`,
      line: 4,
      path: 'routes.$default.model',
      problem: /not a valid JSON Schema draft 4 model/,
    },
    {
      name: 'an unknown identity source',
      file: 'identity.yaml',
      text: `${routes}authorizer:\n  handler: h.mjs#auth\n  identitySource:\n    - route.request.header.Authorization\n    - route.request.cookie.sid\n`,
      line: 8,
      path: 'authorizer.identitySource[1]',
      problem: /use route\.request\.header\.<Name>, route\.request\.querystring\.<name>/,
    },
    {
      name: 'a stage name with a space',
      file: 'stage.yaml',
      text: `stage: my stage\n${routes}`,
      line: 1,
      path: 'stage',
      problem: /"my stage" is not allowed; use letters, digits/,
    },
    {
      name: 'an apiId of the wrong length',
      file: 'apiid.yaml',
      text: `apiId: ABC\n${routes}`,
      line: 1,
      path: 'apiId',
      problem: /10 lowercase letters or digits/,
    },
    {
      name: 'a number as an environment value',
      file: 'env.yaml',
      text: `environment:\n  PORT: 8080\n${routes}`,
      line: 2,
      path: 'environment.PORT',
      problem: /must be a string, not number 8080; quote numbers/,
    },
    {
      name: 'an unknown management access mode',
      file: 'access.yaml',
      text: `${routes}management:\n  access: public\n`,
      line: 5,
      path: 'management.access',
      problem: /must be one of "loopback", "signed"/,
    },
    {
      name: 'signed management access without credentials',
      file: 'signed.yaml',
      text: `${routes}management:\n  access: signed\n`,
      line: 5,
      path: 'management.access',
      problem: /needs management\.credentials/,
    },
    {
      name: 'a non-string access log format',
      file: 'log.yaml',
      text: `${routes}accessLog:\n  format: 3\n`,
      line: 5,
      path: 'accessLog.format',
      problem: /must be a string, not number 3; use clf, json/,
    },
    {
      name: 'a JSON syntax error',
      file: 'syntax.json',
      text: '{\n  "routes": {\n    "$default": { "handler": "h.mjs#echo", }\n  }\n}\n',
      line: 3,
      problem: /JSON syntax error: expected a quoted key, found "}"/,
    },
    {
      name: 'an unterminated JSON string',
      file: 'string.json',
      text: '{\n  "stage": "dev\n}\n',
      line: 2,
      problem: /JSON syntax error: unterminated string/,
    },
    {
      name: 'a typo in a JSON config',
      file: 'typo.json',
      text: '{\n  "routes": {\n    "$default": {\n      "handlr": "h.mjs#echo"\n    }\n  }\n}\n',
      line: 4,
      path: 'routes.$default.handlr',
      problem: /unknown key "handlr": did you mean "handler"\?/,
    },
    {
      name: 'a syntax error in a TypeScript config',
      file: 'syntax.ts',
      text: 'const stage: string = ;\nexport default { stage, routes: {} };\n',
      line: 1,
      problem: /cannot load the config module: Unexpected ";"/,
    },
  ];

  for (const { name, file, text, line, path, problem } of cases) {
    it(`reports ${name} with the file, line and problem`, async () => {
      const full = join(dir, file);
      await writeFile(full, text);
      const error = await loadConfigFile(full).then(
        () => assert.fail('expected a ConfigError'),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.code, 'SB_ERR_CONFIG');
      assert.equal(error.location.file, full);
      assert.equal(error.location.line, line, error.message);
      assert.equal(error.location.path, path);
      assert.ok(error.message.startsWith(`${full}:${line}: `), error.message);
      assert.match(error.message, problem);
    });
  }

  const lineless = [
    {
      // Node's ESM loader gives no position for a syntax error in a JavaScript module.
      name: 'a syntax error in a JavaScript module config',
      file: 'syntax.mjs',
      text: 'export default {\n  routes: {}\n  }\n};\n',
      problem: /cannot load the config module: Unexpected token/,
    },
    { name: 'a missing file', file: 'absent.yaml', text: undefined, problem: /config file not found/ },
    {
      name: 'an unsupported extension',
      file: 'config.toml',
      text: 'x',
      problem: /unsupported config file type ".toml"/,
    },
    {
      name: 'a module without a definition export',
      file: 'nothing.mjs',
      text: 'export const other = 1;\n',
      problem: /exports no definition: export it as default or as "definition"/,
    },
    {
      name: 'a module whose factory throws',
      file: 'throws.mjs',
      text: 'export default () => { throw new Error("no database"); };\n',
      problem: /exported function failed: no database/,
    },
  ];
  for (const { name, file, text, problem } of lineless) {
    it(`reports ${name} with the file and problem`, async () => {
      const full = join(dir, file);
      if (text !== undefined) await writeFile(full, text);
      const error = await loadConfigFile(full).then(
        () => assert.fail('expected a ConfigError'),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof ConfigError, String(error));
      assert.ok(error.message.startsWith(`${full}: `), error.message);
      assert.match(error.message, problem);
    });
  }
});
