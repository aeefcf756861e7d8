/**
 * cdk-nag's AWS Solutions and Serverless packs pass on the whole app (both
 * stacks), and every finding accepted instead of fixed carries a written reason
 * on the construct it is about.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Stack, Validations } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { buildTestApp } from './infra-harness.ts';

const ACKNOWLEDGED = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;

describe('cdk-nag', () => {
  it('passes the AWS Solutions and Serverless packs on both stacks', () => {
    const { app, apiGatewayAccount } = buildTestApp({ context: { apiGatewayCloudWatchRole: 'true' } });
    assert.ok(apiGatewayAccount);
    // Synthesizing first runs the validation plugins (a cached assembly would skip them).
    const assembly = app.synth();
    const report = JSON.parse(readFileSync(join(assembly.directory, 'policy-validation-report.json'), 'utf8')) as {
      pluginReports: unknown[];
    };
    assert.deepEqual(report.pluginReports, []);

    const acknowledgements = app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === ACKNOWLEDGED)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
        .map(([rule, reason]) => ({ construct, rule, reason })),
    );
    assert.ok(acknowledgements.length > 0);
    for (const { construct, rule, reason } of acknowledgements) {
      assert.match(rule, /^Annotation::(AwsSolutions|Serverless)-/, construct.node.path);
      assert.ok(reason.length >= 40, `${construct.node.path} ${rule}: "${reason}"`);
      // Accepted on the resource it is about, never for a whole stack.
      assert.ok(!(construct instanceof Stack), `${construct.node.path} ${rule}`);
    }
  });

  it('fails the synth on a finding nobody fixed or acknowledged', () => {
    const { app, chat } = buildTestApp();
    new Topic(chat, 'Unencrypted');
    assert.throws(() => app.synth(), /Validation failed/);
  });
});
