/**
 * A CDK app served from its cloud assembly, synthesized by the test through
 * `--synth` (no AWS credentials): the same chat as the SAM fixture, built with
 * the CDK's WebSocket constructs.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadApp } from '../../src/app-definition/load-app.ts';
import { prepareApp } from '../../src/app-definition/serve-app.ts';
import type { ServedApp } from '../../src/app-definition/served-app.ts';
import { exerciseChatApp } from '../support/chat-app-flow.ts';
import { startGateway } from '../support/gateway-harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const cdkApp = join(here, '..', 'fixtures', 'apps', 'cdk-chat');

describe('a CDK app', { timeout: 180_000 }, () => {
  let app: ServedApp;
  before(async () => {
    app = await loadApp(cdkApp, { synth: true });
  });

  it('is synthesized and served from its cloud assembly, with the asset folders as code', () => {
    const { definition } = app;
    assert.equal(app.kind, 'CDK cloud assembly');
    assert.equal(definition.stage, 'dev');
    assert.deepEqual(Object.keys(definition.routes).sort(), ['$connect', '$disconnect', 'sendmessage']);
    assert.match(String(definition.routes.$connect?.handler), /cdk\.out\/asset\.[0-9a-f]+\/connect\.mjs#handler$/);
    assert.match(
      String(definition.routes.$connect?.environment?.CONNECTIONS_TABLE),
      /^CdkChat-Connections[0-9A-F]{8}$/,
    );
    assert.equal(definition.routes.sendmessage?.routeResponse, true);
    assert.deepEqual(definition.routes.sendmessage?.model?.required, ['action', 'text']);
    assert.deepEqual(definition.authorizer?.identitySource, ['route.request.querystring.token']);
    assert.deepEqual(definition.throttling, { burstLimit: 50, rateLimit: 100 });
  });

  it('serves the chat with its table in DynamoDB Local, end to end', { timeout: 120_000 }, async () => {
    const prepared = await prepareApp(cdkApp, { inMemory: true });
    after(() => prepared.close());
    const { url } = await startGateway(prepared.definition, { baseDir: prepared.app.baseDir });
    const [table] = prepared.app.tables;
    assert.ok(table);
    await exerciseChatApp(url, String(prepared.definition.environment?.AWS_ENDPOINT_URL_DYNAMODB), table.name);
  });

  it('is read from cdk.out, cdk.json or manifest.json alike, without synthesizing again', async () => {
    for (const target of [
      join(cdkApp, 'cdk.out'),
      join(cdkApp, 'cdk.json'),
      join(cdkApp, 'cdk.out', 'manifest.json'),
    ]) {
      const again = await loadApp(target);
      assert.deepEqual(again.definition, app.definition, target);
    }
  });
});
