/**
 * The opt-in OpenSearch Serverless search engine (`-c searchEngine=opensearch`),
 * synthesized: the collection and its encryption, network and data access
 * policies, which functions reach it and how, that cdk-nag passes with it, and
 * that the default deployment has none of it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Template } from 'aws-cdk-lib/assertions';
import { functionAccess, LambdaEnvironment, MESSAGES_INDEX } from '../src/chat-sources.ts';
import { collectionName } from '../src/opensearch-search.ts';
import { buildTestApp, type Resource, resourcesOfType, roleOf, roleStatements } from './infra-harness.ts';

type Statement = { Action: string | string[]; Resource: unknown };

describe('OpenSearch Serverless search (opt-in)', () => {
  const built = buildTestApp({ context: { searchEngine: 'opensearch' } });
  const template = Template.fromStack(built.chat);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const [[collectionId, collection]] = resourcesOfType(template, 'AWS::OpenSearchServerless::Collection') as [
    [string, Resource],
  ];
  const name = collection.Properties.Name as string;
  const policies = resourcesOfType(template, 'AWS::OpenSearchServerless::SecurityPolicy').map(([, p]) => p.Properties);
  const functions = resourcesOfType(template, 'AWS::Lambda::Function').filter(([, fn]) =>
    JSON.stringify(fn.Properties.Environment ?? {}).includes(LambdaEnvironment.serviceName),
  );
  const statementsOf = (fn: Resource): Statement[] => roleStatements(template, roleOf(fn)) as Statement[];
  /** The function of a `functionAccess` name: by its logical id's prefix. */
  const functionNamed = (prefix: string): Resource => functions.find(([id]) => id.slice(0, -8) === prefix)![1];
  const readers = ['search', 'httpApi'] as const;

  it('is a SEARCH collection with standby replicas, encrypted with an AWS owned key, its endpoint signed-only', () => {
    assert.equal(collection.Properties.Type, 'SEARCH');
    assert.equal(collection.Properties.StandbyReplicas, 'ENABLED');
    assert.equal(name, collectionName(built.chat.stackName));
    assert.match(name, /^[a-z][a-z0-9-]{2,26}$/);
    const encryption = policies.find((p) => p.Type === 'encryption')!;
    assert.deepEqual(JSON.parse(encryption.Policy as string), {
      Rules: [{ ResourceType: 'collection', Resource: [`collection/${name}`] }],
      AWSOwnedKey: true,
    });
    const network = policies.find((p) => p.Type === 'network')!;
    // The collection only: no dashboards rule, so the dashboards are not reachable.
    assert.deepEqual(JSON.parse(network.Policy as string), [
      { Rules: [{ ResourceType: 'collection', Resource: [`collection/${name}`] }], AllowFromPublic: true },
    ]);
    for (const policy of policies) assert.ok((policy.Name as string).length <= 32, String(policy.Name));
    const dependsOn = resources[collectionId]!.DependsOn ?? [];
    assert.equal(dependsOn.length, 2, 'the collection waits for its encryption and network policies');
    assert.equal(resources[collectionId]!.DeletionPolicy, 'Delete');
  });

  it('lets the search functions read and the indexer write the messages index, by their roles', () => {
    const [[, access]] = resourcesOfType(template, 'AWS::OpenSearchServerless::AccessPolicy') as [[string, Resource]];
    const text = JSON.stringify(access.Properties.Policy);
    for (const reader of readers) assert.ok(functionAccess[reader].searchEngine === 'read');
    assert.equal(functionAccess.searchIndexer.searchEngine, 'write');
    // The policy is a JSON string with the role ARNs joined in: read its parts.
    assert.match(text, new RegExp(`index/${name}/${MESSAGES_INDEX}`));
    assert.match(text, /aoss:ReadDocument/);
    assert.match(text, /aoss:WriteDocument/);
    assert.doesNotMatch(text, /aoss:DeleteIndex|aoss:\*/);
    const roles = [functionNamed('RouteSearch'), functionNamed('HttpApiFunction'), functionNamed('SearchIndexer')].map(
      roleOf,
    );
    for (const role of roles) assert.match(text, new RegExp(role), role);
  });

  it('gives the collection endpoint and aoss:APIAccessAll on it to exactly those functions', () => {
    const reaching = new Set<string>();
    for (const [id, fn] of functions) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const aoss = statementsOf(fn).filter((statement) => String(statement.Action).startsWith('aoss:'));
      if (!(LambdaEnvironment.searchEndpoint in variables)) {
        assert.deepEqual(aoss, [], id);
        continue;
      }
      reaching.add(id.slice(0, -8));
      assert.deepEqual(variables[LambdaEnvironment.searchEndpoint], {
        'Fn::GetAtt': [collectionId, 'CollectionEndpoint'],
      });
      assert.deepEqual(
        aoss.map((statement) => [statement.Action, statement.Resource]),
        [['aoss:APIAccessAll', { 'Fn::GetAtt': [collectionId, 'Arn'] }]],
        id,
      );
    }
    assert.deepEqual([...reaching].sort(), ['HttpApiFunction', 'RouteSearch', 'SearchIndexer']);
  });

  it('outputs the collection endpoint for the search backfill', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    assert.deepEqual(outputs.SearchCollectionEndpoint?.Value, { 'Fn::GetAtt': [collectionId, 'CollectionEndpoint'] });
  });

  it('keeps the indexer off the table: it writes the collection', () => {
    const indexer = functionNamed('SearchIndexer');
    const table = statementsOf(indexer).filter(
      (statement) => String(statement.Action).startsWith('dynamodb:') && !/Stream/.test(JSON.stringify(statement)),
    );
    assert.deepEqual(table, []);
    const variables = (indexer.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    assert.equal(variables[LambdaEnvironment.tableName], undefined);
  });

  it('passes cdk-nag', () => {
    // A fresh app: synthesizing it first runs the validation plugins (a cached assembly would skip them).
    const assembly = buildTestApp({ context: { searchEngine: 'opensearch' } }).app.synth();
    const report = JSON.parse(readFileSync(join(assembly.directory, 'policy-validation-report.json'), 'utf8')) as {
      pluginReports: unknown[];
    };
    assert.deepEqual(report.pluginReports, []);
  });

  it('can do without standby replicas, is absent by default, and refuses an unknown engine', () => {
    const development = Template.fromStack(
      buildTestApp({ context: { searchEngine: 'opensearch', openSearchRedundancy: 'false' } }).chat,
    );
    development.hasResourceProperties('AWS::OpenSearchServerless::Collection', { StandbyReplicas: 'DISABLED' });
    const standard = Template.fromStack(buildTestApp().chat);
    assert.equal(JSON.stringify(standard.toJSON()).includes('AWS::OpenSearchServerless'), false);
    assert.throws(
      () => buildTestApp({ context: { searchEngine: 'elastic' } }),
      /searchEngine must be dynamodb or opensearch/,
    );
  });

  it('names collections within the service’s rules whatever the stack is called', () => {
    for (const stack of ['SwitchboardChat', '1-Chat', 'A', 'a-very-long-stack-name-for-a-staging-copy']) {
      const collection = collectionName(stack);
      assert.match(collection, /^[a-z][a-z0-9-]{2,26}$/, stack);
    }
  });
});
