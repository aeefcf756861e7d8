/**
 * The bucket of attached files in the chat stack (chat-files.ts): private,
 * encrypted, TLS only, CORS for the web client alone, lifecycle rules for what
 * no message holds, and grants to exactly the functions that `functionAccess`
 * says handle files, each on its prefixes only.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { type ChatFunctionName, functionAccess, LambdaEnvironment } from '../src/chat-sources.ts';
import { fileLinkPath } from '../src/http-api.ts';
import { allStatements, buildTestApp, type Resource, resourcesOfType } from './infra-harness.ts';

describe('ChatStack: the files bucket', () => {
  let template: Template;
  let bucketId: string;
  const built = buildTestApp();

  before(() => {
    template = Template.fromStack(built.chat);
    const buckets = resourcesOfType(template, 'AWS::S3::Bucket').filter(([, bucket]) =>
      JSON.stringify(bucket.Properties).includes('ExpireUnattachedUploads'),
    );
    assert.equal(buckets.length, 1, 'one bucket for files');
    bucketId = buckets[0]![0];
  });

  it('blocks public access, encrypts, is not versioned and is kept with the data', () => {
    const bucket = template.toJSON().Resources[bucketId] as Resource & { DeletionPolicy?: string };
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.deepEqual(bucket.Properties.BucketEncryption, {
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    assert.equal(bucket.Properties.VersioningConfiguration, undefined);
    assert.equal(bucket.DeletionPolicy, 'Retain');
  });

  it('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('aborts incomplete multipart uploads and expires uploads no message holds, after a day', () => {
    const bucket = template.toJSON().Resources[bucketId] as Resource;
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
    assert.deepEqual(
      rules.find((rule) => rule.Id === 'AbortIncompleteMultipartUploads'),
      {
        Id: 'AbortIncompleteMultipartUploads',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      },
    );
    assert.deepEqual(
      rules.find((rule) => rule.Id === 'ExpireUnattachedUploads'),
      {
        Id: 'ExpireUnattachedUploads',
        Prefix: 'uploads/',
        ExpirationInDays: 1,
        Status: 'Enabled',
      },
    );
  });

  it('lets only the web client’s origin PUT uploads and GET files from a browser', () => {
    const bucket = template.toJSON().Resources[bucketId] as Resource;
    const [rule, ...others] = (bucket.Properties.CorsConfiguration as { CorsRules: Array<Record<string, unknown>> })
      .CorsRules;
    assert.equal(others.length, 0);
    assert.deepEqual(rule!.AllowedMethods, ['PUT', 'GET']);
    assert.deepEqual(rule!.AllowedHeaders, ['content-type']);
    assert.equal((rule!.AllowedOrigins as unknown[]).length, 1);
    assert.match(JSON.stringify(rule!.AllowedOrigins), /Distribution/);
  });

  it('grants each function exactly the file actions of functionAccess, on its prefixes, and names the bucket', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    const withBucket = functions.filter(([, fn]) =>
      JSON.stringify(fn.Properties.Environment ?? {}).includes(LambdaEnvironment.filesBucket),
    );
    const expected = (Object.keys(functionAccess) as ChatFunctionName[]).filter((name) => functionAccess[name].files);
    assert.deepEqual(expected.sort(), ['deleteMessage', 'httpApi', 'sendMessage']);
    assert.equal(withBucket.length, expected.length, 'FILES_BUCKET on exactly the functions that handle files');

    // Every S3 statement in the stack's own policies: the prefixes and actions of the three functions, nothing wider.
    const statements = allStatements(template);
    const onFiles = statements.filter((statement) => JSON.stringify(statement.Resource).includes(bucketId));
    const granted = new Set(
      onFiles.flatMap((statement) => {
        const prefix = /\/(uploads|files)\/\*/.exec(JSON.stringify(statement.Resource))?.[1];
        assert.ok(prefix, `scoped to a prefix: ${JSON.stringify(statement.Resource)}`);
        return [statement.Action].flat().map((action) => `${prefix}:${action}`);
      }),
    );
    const wanted = new Set(
      expected.flatMap((name) =>
        Object.entries(functionAccess[name].files!).flatMap(([prefix, actions]) =>
          actions.map((action) => `${prefix}:s3:${action}`),
        ),
      ),
    );
    assert.deepEqual([...granted].sort(), [...wanted].sort());
  });

  it('routes GET file links to the HTTP API’s function', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `GET ${fileLinkPath}` });
  });
});
