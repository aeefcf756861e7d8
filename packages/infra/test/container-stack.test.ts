/**
 * The container stack (`-c container=true`), synthesized as `cdk synth` builds it
 * (cdk-nag's packs included), on DynamoDB and on Aurora, with and without a
 * certificate: the load balancer reaches only the public port and answers the
 * management paths itself, health checks are `/readyz` (load balancer) and
 * `/healthz` (ECS, the Dockerfile's), Redis requires TLS and AUTH, secrets come
 * from Secrets Manager, data is retained, the service scales on CPU and on
 * connections per task; and the environment it gives the tasks is one the
 * chat's own configuration reader accepts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CHAT_ENVIRONMENT, readChatConfig } from '@switchboard/chat/config';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ChatContainerStack } from '../src/container-stack.ts';
import { CHAT_PORT, LIVENESS_CHECK, MANAGEMENT_PATH_PATTERNS } from '../src/container-stack.ts';
import { buildTestApp, type Resource, resourcesOfType } from './infra-harness.ts';

const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000';

/** The container stack synthesized with cdk-nag, and its nag report. */
function synthContainer(context: Record<string, string> = {}): {
  stack: ChatContainerStack;
  template: Template;
  findings: unknown[];
} {
  // The image's build context is the repository: not copied into the assembly for a test.
  const { app, container } = buildTestApp({
    context: { container: 'true', 'aws:cdk:disable-asset-staging': 'true', ...context },
  });
  assert.ok(container);
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(join(assembly.directory, 'policy-validation-report.json'), 'utf8')) as {
    pluginReports: unknown[];
  };
  return { stack: container, template: Template.fromStack(container), findings: report.pluginReports };
}

const only = (template: Template, type: string): Resource => {
  const found = resourcesOfType(template, type);
  assert.equal(found.length, 1, type);
  return found[0]![1];
};

interface ContainerDefinition {
  Environment: Array<{ Name: string; Value: unknown }>;
  Secrets: Array<{ Name: string; ValueFrom: unknown }>;
  PortMappings: Array<{ ContainerPort: number }>;
  HealthCheck: { Command: string[] };
  ReadonlyRootFilesystem: boolean;
  StopTimeout: number;
}

function chatContainer(template: Template): ContainerDefinition {
  const task = only(template, 'AWS::ECS::TaskDefinition');
  const definitions = task.Properties.ContainerDefinitions as ContainerDefinition[];
  assert.equal(definitions.length, 1);
  return definitions[0]!;
}

/** Every token in a value replaced by a placeholder, as CloudFormation would fill it in. */
function sampleValue(value: unknown): string {
  if (typeof value === 'string') return value;
  const text = JSON.stringify(value);
  if (text.includes('CidrBlock')) return '10.0.0.0/16';
  if (text.includes('TokenSecret')) return 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token-AbCdEf';
  // Fn::Join of literal parts and references: the references become a host-like word.
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map((part) => (typeof part === 'string' ? part : 'resolved-host')).join(join[0]);
  return 'resolved-name';
}

const dockerHealthCheck = (): string[] => {
  const dockerfile = readFileSync(fileURLToPath(new URL('../../../Dockerfile', import.meta.url)), 'utf8');
  const line = /^\s*CMD (\[.*\])\s*$/m.exec(dockerfile.slice(dockerfile.indexOf('HEALTHCHECK')))?.[1];
  assert.ok(line);
  return JSON.parse(line) as string[];
};

describe('the container stack on DynamoDB, without a certificate', () => {
  const { template, findings, stack } = synthContainer();
  const container = chatContainer(template);
  const environment = Object.fromEntries(container.Environment.map(({ Name, Value }) => [Name, Value]));

  it('passes cdk-nag’s AWS Solutions and Serverless packs, every acknowledgement with a reason', () => {
    assert.deepEqual(findings, []);
    for (const construct of stack.node.findAll()) {
      for (const entry of construct.node.metadata.filter(
        (m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY,
      )) {
        for (const [rule, reason] of Object.entries(entry.data as Record<string, string>)) {
          assert.ok(reason.length >= 40, `${construct.node.path} ${rule}`);
        }
      }
    }
  });

  it('forwards only to the public port, refuses the management paths at the listener, with a WebSocket idle timeout', () => {
    const loadBalancer = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const attributes = loadBalancer.Properties.LoadBalancerAttributes as Array<{ Key: string; Value: string }>;
    const attribute = (key: string) => attributes.find((a) => a.Key === key)?.Value;
    assert.equal(attribute('idle_timeout.timeout_seconds'), '660');
    assert.equal(attribute('routing.http.drop_invalid_header_fields.enabled'), 'true');
    assert.equal(attribute('access_logs.s3.enabled'), 'true');
    assert.equal(loadBalancer.Properties.Scheme, 'internet-facing');

    const targetGroup = only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    assert.equal(targetGroup.Properties.Port, CHAT_PORT);
    assert.equal(targetGroup.Properties.HealthCheckPath, '/readyz');
    assert.equal(targetGroup.Properties.TargetType, 'ip');
    assert.deepEqual(
      container.PortMappings.map((mapping) => mapping.ContainerPort),
      [CHAT_PORT],
    );
    // The tasks accept the load balancer on the public port, and nothing else.
    const serviceGroup = resourcesOfType(template, 'AWS::EC2::SecurityGroup').find(([id]) =>
      id.startsWith('ServiceSecurityGroup'),
    );
    const [loadBalancerGroup] = resourcesOfType(template, 'AWS::EC2::SecurityGroup')
      .map(([id]) => id)
      .filter((id) => id.startsWith('LoadBalancerSecurityGroup'));
    assert.ok(serviceGroup && loadBalancerGroup);
    assert.equal(serviceGroup[1].Properties.SecurityGroupIngress, undefined);
    const ingress = resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')
      .map(([, rule]) => rule.Properties)
      .filter((rule) => JSON.stringify(rule.GroupId).includes(serviceGroup[0]));
    assert.deepEqual(
      ingress.map((rule) => [rule.FromPort, rule.ToPort, JSON.stringify(rule.SourceSecurityGroupId)]),
      [[CHAT_PORT, CHAT_PORT, JSON.stringify({ 'Fn::GetAtt': [loadBalancerGroup, 'GroupId'] })]],
    );
    // The management listener's port appears nowhere: no mapping, no variable that moves it off loopback.
    assert.equal(environment.MANAGEMENT_PORT, undefined);
    assert.equal(environment.HOST, undefined);

    const listener = only(template, 'AWS::ElasticLoadBalancingV2::Listener');
    assert.deepEqual([listener.Properties.Port, listener.Properties.Protocol], [80, 'HTTP']);
    const rule = only(template, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    assert.equal(rule.Properties.Priority, 1);
    assert.deepEqual(rule.Properties.Conditions, [
      { Field: 'path-pattern', PathPatternConfig: { Values: MANAGEMENT_PATH_PATTERNS } },
    ]);
    const [action] = rule.Properties.Actions as Array<{ Type: string; FixedResponseConfig: { StatusCode: string } }>;
    assert.deepEqual([action!.Type, action!.FixedResponseConfig.StatusCode], ['fixed-response', '403']);
    for (const path of ['/ws/@connections/abc', '/@connections', '/ws/%40channels/room', '/metrics']) {
      assert.ok(
        MANAGEMENT_PATH_PATTERNS.some((pattern) => globMatches(pattern, path)),
        `${path} is refused`,
      );
    }
    for (const path of ['/ws', '/api/login', '/readyz', '/']) {
      assert.ok(!MANAGEMENT_PATH_PATTERNS.some((pattern) => globMatches(pattern, path)), `${path} is forwarded`);
    }
  });

  it('checks liveness as the Dockerfile does, read-only root, and drains within the stop timeout', () => {
    assert.deepEqual(container.HealthCheck.Command, ['CMD', ...LIVENESS_CHECK]);
    assert.deepEqual(LIVENESS_CHECK, dockerHealthCheck());
    assert.equal(container.ReadonlyRootFilesystem, true);
    assert.equal(container.StopTimeout, 60);
    const service = only(template, 'AWS::ECS::Service');
    assert.equal(service.Properties.LaunchType, 'FARGATE');
    const deployment = service.Properties.DeploymentConfiguration as Record<string, unknown>;
    assert.deepEqual(deployment.DeploymentCircuitBreaker, { Enable: true, Rollback: true });
    assert.deepEqual([deployment.MinimumHealthyPercent, deployment.MaximumPercent], [100, 200]);
  });

  it('gives the tasks a configuration the chat accepts, with no secret in the environment', () => {
    assert.deepEqual(Object.keys(environment).sort(), [
      'CHAT_TOKEN_SECRET_ARN',
      'DYNAMODB_TABLE',
      'FILES_S3_BUCKET',
      'REDIS_URL',
      'TRUSTED_PROXIES',
    ]);
    assert.deepEqual(
      container.Secrets.map((secret) => secret.Name),
      ['REDIS_PASSWORD'],
    );
    for (const name of [...Object.keys(environment), ...container.Secrets.map((s) => s.Name)]) {
      assert.ok((CHAT_ENVIRONMENT as readonly string[]).includes(name), `${name} is a chat setting`);
    }
    const env = Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, sampleValue(value)]));
    const { server } = readChatConfig({}, { ...env, REDIS_PASSWORD: 'from-secrets-manager' }, '/app');
    assert.equal(server.dynamodb?.tableName, 'resolved-name');
    assert.match(server.cluster?.redisUrl ?? '', /^rediss:\/\/:from-secrets-manager@resolved-host:6379/);
    assert.equal(server.tokenSecretArn, env.CHAT_TOKEN_SECRET_ARN);
    assert.deepEqual(server.files, { s3: { bucket: 'resolved-name' } });
  });

  it('keeps attached files in a private bucket the tasks reach in the VPC, with uploads from the load balancer only', () => {
    const [[bucketId, bucket]] = resourcesOfType(template, 'AWS::S3::Bucket').filter(([, b]) =>
      JSON.stringify(b.Properties.LifecycleConfiguration).includes('ExpireUnattachedUploads'),
    ) as [[string, Resource]];
    assert.deepEqual(environment.FILES_S3_BUCKET, { Ref: bucketId });
    assert.equal(bucket.DeletionPolicy, 'Retain');
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const [rule] = (bucket.Properties.CorsConfiguration as { CorsRules: Array<Record<string, unknown>> }).CorsRules;
    assert.deepEqual(rule!.AllowedMethods, ['PUT', 'GET']);
    assert.deepEqual(rule!.AllowedOrigins, [
      { 'Fn::Join': ['', ['http://*.eu-west-1.elb.', { Ref: 'AWS::URLSuffix' }]] },
    ]);
    const endpoints = resourcesOfType(template, 'AWS::EC2::VPCEndpoint').map(([, e]) => JSON.stringify(e.Properties));
    assert.ok(
      endpoints.some((endpoint) => endpoint.includes('.s3')),
      endpoints.join('\n'),
    );
    // The task role: every route's file actions (as the functions have them, added up), on the two prefixes only.
    const statements = resourcesOfType(template, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('TaskTaskRole'))
      .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('s3:')));
    const granted = Object.fromEntries(
      statements.map((statement) => [
        /(uploads|files)\/\*/.exec(JSON.stringify(statement.Resource))?.[1],
        [statement.Action].flat().sort(),
      ]),
    );
    assert.deepEqual(granted, {
      uploads: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
      files: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
    });
    for (const statement of statements) assert.match(JSON.stringify(statement.Resource), new RegExp(bucketId));
  });

  it('runs Redis with TLS, AUTH from Secrets Manager, encryption at rest and a replica in another zone', () => {
    const redis = only(template, 'AWS::ElastiCache::ReplicationGroup');
    assert.equal(redis.Properties.TransitEncryptionEnabled, true);
    assert.equal(redis.Properties.TransitEncryptionMode, 'required');
    assert.equal(redis.Properties.AtRestEncryptionEnabled, true);
    assert.equal(redis.Properties.MultiAZEnabled, true);
    assert.equal(redis.Properties.AutomaticFailoverEnabled, true);
    assert.match(JSON.stringify(redis.Properties.AuthToken), /\{\{resolve:secretsmanager:/);
  });

  it('retains the table (deletion protection, point-in-time recovery) and the token secret, which rotates', () => {
    const table = only(template, 'AWS::DynamoDB::Table');
    assert.equal(table.DeletionPolicy, 'Retain');
    assert.equal(table.Properties.DeletionProtectionEnabled, true);
    assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
    const secrets = resourcesOfType(template, 'AWS::SecretsManager::Secret');
    const token = secrets.find(([id]) => id.startsWith('TokenSecret'));
    assert.ok(token);
    assert.equal(token[1].DeletionPolicy, 'Retain');
    assert.equal(resourcesOfType(template, 'AWS::SecretsManager::RotationSchedule').length, 1);
  });

  it('indexes the table for search from its stream, as the serverless stack does', () => {
    const mapping = only(template, 'AWS::Lambda::EventSourceMapping');
    assert.match(JSON.stringify(mapping.Properties.EventSourceArn), /ChatTable.*StreamArn/);
    assert.match(JSON.stringify(mapping.Properties.FunctionName), /SearchIndexer/);
  });

  it('lets the tasks use the table, its indexes and the token secret, and nothing wider', () => {
    const policies = resourcesOfType(template, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('TaskTaskRole'));
    const statements = policies.flatMap(
      ([, policy]) =>
        (policy.Properties.PolicyDocument as { Statement: Array<{ Action: string[] | string }> }).Statement,
    );
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    assert.ok(actions.includes('dynamodb:TransactWriteItems') === false);
    assert.ok(actions.includes('dynamodb:ConditionCheckItem'));
    assert.ok(actions.includes('secretsmanager:GetSecretValue'));
    assert.ok(!actions.some((action) => action.includes('*')), JSON.stringify(actions));
    assert.ok(!actions.includes('dynamodb:Scan'));
  });

  it('alarms on the load balancer, the tasks, Redis and the search indexer, notifying one topic', () => {
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    assert.deepEqual(alarms.map((alarm) => String(alarm.AlarmDescription).replace(/ \(.*$/, '')).sort(), [
      'Redis CPU',
      'load balancer 5xx',
      'searchIndexer failed batches',
      'searchIndexer stream lag',
      'tasks 5xx',
      'tasks CPU',
      'unhealthy tasks',
    ]);
    const [topic] = resourcesOfType(template, 'AWS::SNS::Topic');
    assert.ok(topic);
    for (const alarm of alarms) {
      assert.deepEqual(alarm.AlarmActions, [{ Ref: topic[0] }]);
      assert.deepEqual(alarm.OKActions, [{ Ref: topic[0] }]);
    }
  });

  it('scales between 2 and 10 tasks on CPU and on WebSocket connections per task', () => {
    const target = only(template, 'AWS::ApplicationAutoScaling::ScalableTarget');
    assert.deepEqual([target.Properties.MinCapacity, target.Properties.MaxCapacity], [2, 10]);
    const policies = resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalingPolicy').map(
      ([, policy]) => policy.Properties.TargetTrackingScalingPolicyConfiguration as TargetTracking,
    );
    assert.equal(policies.length, 2);
    const cpu = policies.find((p) => p.PredefinedMetricSpecification);
    assert.equal(cpu?.PredefinedMetricSpecification?.PredefinedMetricType, 'ECSServiceAverageCPUUtilization');
    const connections = policies.find((p) => p.CustomizedMetricSpecification);
    assert.equal(connections?.TargetValue, 5000);
    assert.deepEqual(
      connections?.CustomizedMetricSpecification?.Metrics.map((m) => [
        m.Id,
        m.MetricStat?.Metric.MetricName ?? m.Expression,
      ]),
      [
        ['connections', 'ActiveConnectionCount'],
        ['tasks', 'RunningTaskCount'],
        ['perTask', 'connections / 2 / tasks'],
      ],
    );
  });
});

describe('the container stack with a certificate', () => {
  const { template, findings } = synthContainer({ certificateArn: CERTIFICATE, webOrigin: 'https://chat.example.com' });

  it('lets pages upload files from the chat’s origin only', () => {
    const cors = resourcesOfType(template, 'AWS::S3::Bucket').flatMap(([, bucket]) =>
      bucket.Properties.CorsConfiguration ? [bucket.Properties.CorsConfiguration] : [],
    );
    assert.deepEqual(cors, [
      {
        CorsRules: [
          {
            AllowedHeaders: ['content-type'],
            AllowedMethods: ['PUT', 'GET'],
            AllowedOrigins: ['https://chat.example.com'],
            MaxAge: 3600,
          },
        ],
      },
    ]);
  });

  it('refuses a certificate without the origin users open the chat at, and an origin that is not one', () => {
    assert.throws(() => synthContainer({ certificateArn: CERTIFICATE }), /give the origin users open the chat at/);
    for (const webOrigin of [
      'https://chat.example.com/',
      'https://Chat.example.com',
      'chat.example.com',
      'ftp://x.y',
    ]) {
      assert.throws(
        () => synthContainer({ certificateArn: CERTIFICATE, webOrigin }),
        new RegExp(`webOrigin must be an origin.*${JSON.stringify(webOrigin).replace(/[./]/g, '\\$&')}`),
      );
    }
  });

  it('serves HTTPS on 443 with the recommended TLS policy, redirects 80, and refuses management paths on 443', () => {
    assert.deepEqual(findings, []);
    const listeners = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => l.Properties);
    const https = listeners.find((listener) => listener.Port === 443);
    assert.equal(https?.Protocol, 'HTTPS');
    assert.equal(https?.SslPolicy, 'ELBSecurityPolicy-TLS13-1-2-2021-06');
    assert.deepEqual(https?.Certificates, [{ CertificateArn: CERTIFICATE }]);
    const redirect = listeners.find((listener) => listener.Port === 80);
    assert.ok(redirect);
    assert.equal((redirect.DefaultActions as Array<{ Type: string }>)[0]!.Type, 'redirect');
    const rule = only(template, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    assert.ok(JSON.stringify(rule.Properties.ListenerArn).includes('Https'));
  });
});

describe('the container stack on Aurora PostgreSQL (-c containerDatabase=aurora)', () => {
  const { template, findings } = synthContainer({ containerDatabase: 'aurora' });
  const container = chatContainer(template);
  const environment = Object.fromEntries(container.Environment.map(({ Name, Value }) => [Name, Value]));

  it('runs Aurora Serverless v2 encrypted, protected and snapshotted on delete, instead of the table', () => {
    assert.deepEqual(findings, []);
    assert.equal(resourcesOfType(template, 'AWS::DynamoDB::Table').length, 0);
    assert.equal(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').length, 0);
    const database = only(template, 'AWS::RDS::DBCluster');
    assert.equal(database.Properties.Engine, 'aurora-postgresql');
    assert.equal(database.Properties.StorageEncrypted, true);
    assert.equal(database.Properties.DeletionProtection, true);
    assert.equal(database.DeletionPolicy, 'Snapshot');
    assert.deepEqual(database.Properties.ServerlessV2ScalingConfiguration, { MinCapacity: 0.5, MaxCapacity: 16 });
    const instances = resourcesOfType(template, 'AWS::RDS::DBInstance');
    assert.equal(instances.length, 2);
    for (const [, instance] of instances) assert.equal(instance.Properties.DBInstanceClass, 'db.serverless');
  });

  it('connects with verified TLS and the password from Secrets Manager', () => {
    assert.equal(environment.DYNAMODB_TABLE, undefined);
    assert.match(sampleValue(environment.DATABASE_URL), /^postgres:\/\/chat@.*\/chat\?sslmode=verify-full$/);
    assert.equal(environment.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/rds-global-bundle.pem');
    assert.deepEqual(container.Secrets.map((secret) => secret.Name).sort(), ['DATABASE_PASSWORD', 'REDIS_PASSWORD']);
    const env = Object.fromEntries(
      Object.entries(environment)
        .filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS')
        .map(([name, value]) => [name, sampleValue(value)]),
    );
    const { server } = readChatConfig({}, { ...env, DATABASE_PASSWORD: 'pw', REDIS_PASSWORD: 'x' }, '/app');
    assert.match(server.database?.url ?? '', /^postgres:\/\/chat:pw@/);
  });
});

interface Statement {
  Action: string[] | string;
  Resource: unknown;
}

interface TargetTracking {
  TargetValue: number;
  PredefinedMetricSpecification?: { PredefinedMetricType: string };
  CustomizedMetricSpecification?: {
    Metrics: Array<{ Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string } } }>;
  };
}

/** ALB path-pattern matching: `*` any characters (also none), `?` one, case-sensitive. */
function globMatches(pattern: string, path: string): boolean {
  const expression = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${expression}$`).test(path);
}
