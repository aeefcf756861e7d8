/**
 * What `cdk destroy` (or a replacement) does to the chat's data: by default the
 * table, the token secret and the files bucket are retained, the table has deletion protection
 * and point-in-time recovery; `-c destroyData=true` lets them go. The web bucket
 * (build output only) and the log groups always go.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Template } from 'aws-cdk-lib/assertions';
import { buildTestApp, type Resource, resourcesOfType } from './infra-harness.ts';

/** The bucket of attached files (chat-files.ts) and the web client's, told apart by the files' lifecycle rules. */
const buckets = (template: Template): { files: Resource; web: Resource } => {
  const all = resourcesOfType(template, 'AWS::S3::Bucket').map(([, bucket]) => bucket);
  assert.equal(all.length, 2, 'the web client’s bucket and the files bucket');
  const isFiles = (bucket: Resource) => JSON.stringify(bucket.Properties).includes('ExpireUnattachedUploads');
  return { files: all.find(isFiles)!, web: all.find((bucket) => !isFiles(bucket))! };
};

const only = (template: Template, type: string): Resource => {
  const found = resourcesOfType(template, type);
  assert.equal(found.length, 1, type);
  return found[0]![1];
};

describe('data safety', () => {
  describe('by default', () => {
    const template = Template.fromStack(buildTestApp().chat);

    it('retains the table on delete and on replacement, with deletion protection and point-in-time recovery', () => {
      const table = only(template, 'AWS::DynamoDB::Table');
      assert.equal(table.DeletionPolicy, 'Retain');
      assert.equal(table.UpdateReplacePolicy, 'Retain');
      assert.equal(table.Properties.DeletionProtectionEnabled, true);
      assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
    });

    it('retains the token secret', () => {
      const secret = only(template, 'AWS::SecretsManager::Secret');
      assert.equal(secret.DeletionPolicy, 'Retain');
      assert.equal(secret.UpdateReplacePolicy, 'Retain');
    });

    it('deletes the web bucket (build output, emptied first) and the log groups', () => {
      assert.equal(buckets(template).web.DeletionPolicy, 'Delete');
      assert.equal(resourcesOfType(template, 'Custom::S3AutoDeleteObjects').length, 1);
      for (const [id, group] of resourcesOfType(template, 'AWS::Logs::LogGroup')) {
        assert.equal(group.DeletionPolicy, 'Delete', id);
      }
    });

    it('retains the files bucket (people’s attachments)', () => {
      const { files } = buckets(template);
      assert.equal(files.DeletionPolicy, 'Retain');
      assert.equal(files.UpdateReplacePolicy, 'Retain');
    });
  });

  describe('with -c destroyData=true', () => {
    const template = Template.fromStack(buildTestApp({ context: { destroyData: 'true' } }).chat);

    it('deletes the table (protection off, recovery still on) and the secret', () => {
      const table = only(template, 'AWS::DynamoDB::Table');
      assert.equal(table.DeletionPolicy, 'Delete');
      assert.equal(table.Properties.DeletionProtectionEnabled, false);
      assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
      assert.equal(only(template, 'AWS::SecretsManager::Secret').DeletionPolicy, 'Delete');
    });

    it('deletes the files bucket, emptied first', () => {
      assert.equal(buckets(template).files.DeletionPolicy, 'Delete');
      assert.equal(resourcesOfType(template, 'Custom::S3AutoDeleteObjects').length, 2);
    });
  });

  it('refuses a context flag that is neither true nor false', () => {
    assert.throws(() => buildTestApp({ context: { destroyData: 'yes' } }), /destroyData must be true or false/);
  });
});
