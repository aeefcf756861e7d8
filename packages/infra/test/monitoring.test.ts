/**
 * The deployed chat's observability: X-Ray tracing on every function, access
 * logs on both APIs, one dashboard, and the alarms of chat-monitoring.ts, each
 * notifying the SNS topic when it fires and when it recovers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Template } from 'aws-cdk-lib/assertions';
import { AlarmThresholds } from '../src/chat-monitoring.ts';
import { ChatMetrics, chatTable, LambdaEnvironment } from '../src/chat-sources.ts';
import { buildTestApp, isRef, nestedTemplate, type Resource, resourcesOfType } from './infra-harness.ts';

type MetricStat = {
  Metric: { Namespace: string; MetricName: string; Dimensions: Array<{ Name: string; Value: unknown }> };
};
type AlarmMetric = { Id: string; Expression?: string; MetricStat?: MetricStat };

describe('monitoring', () => {
  const { chat } = buildTestApp({ context: { alarmEmail: 'ops@example.com' } });
  const template = Template.fromStack(chat);
  // The alarms, their topic and the dashboard are a nested stack of the chat's (chat-monitoring.ts).
  const monitoring = nestedTemplate(chat, chat.monitoring);
  const alarms = resourcesOfType(monitoring, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
  const topicId = resourcesOfType(monitoring, 'AWS::SNS::Topic')[0]![0];
  const chatFunctions = resourcesOfType(template, 'AWS::Lambda::Function').filter(([, fn]) =>
    JSON.stringify(fn.Properties.Environment ?? {}).includes(LambdaEnvironment.serviceName),
  );
  /** What an alarm reads: its metric, or the metrics of its math expression. */
  const metricsOf = (alarm: Resource['Properties']): Array<MetricStat['Metric']> =>
    alarm.Metrics
      ? (alarm.Metrics as AlarmMetric[]).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []))
      : [alarm as unknown as MetricStat['Metric']];
  /** The alarms that read `metricName` of `namespace`. */
  const reading = (namespace: string, metricName: string) =>
    alarms.filter((alarm) => metricsOf(alarm).some((m) => m.Namespace === namespace && m.MetricName === metricName));
  const dimension = (dimensions: unknown, name: string) =>
    (dimensions as Array<{ Name: string; Value: unknown }>).find((d) => d.Name === name)?.Value;

  it('notifies the topic on alarm and on recovery, treating no data as fine', () => {
    assert.ok(alarms.length > 0);
    for (const alarm of alarms) {
      assert.ok(
        (alarm.AlarmActions as unknown[]).some((action) => isRef(action, topicId)),
        String(alarm.AlarmDescription),
      );
      assert.ok(
        (alarm.OKActions as unknown[]).some((action) => isRef(action, topicId)),
        String(alarm.AlarmDescription),
      );
      assert.equal(alarm.TreatMissingData, 'notBreaching');
      assert.equal(alarm.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    }
  });

  it('subscribes the alarm e-mail address and accepts only TLS publishers', () => {
    monitoring.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    const [, policy] = resourcesOfType(monitoring, 'AWS::SNS::TopicPolicy')[0]!;
    assert.match(JSON.stringify(policy.Properties.PolicyDocument), /"aws:SecureTransport":"false"/);
  });

  it('alarms on errors, throttles and near-timeout duration of every function', () => {
    assert.ok(chatFunctions.length > 2);
    for (const [id, fn] of chatFunctions) {
      const ofFunction = (alarm: Resource['Properties']) => isRef(dimension(alarm.Dimensions, 'FunctionName'), id);
      const errors = reading('AWS/Lambda', 'Errors').filter(ofFunction);
      const throttles = reading('AWS/Lambda', 'Throttles').filter(ofFunction);
      const duration = reading('AWS/Lambda', 'Duration').filter(ofFunction);
      assert.deepEqual([errors.length, throttles.length, duration.length], [1, 1, 1], id);
      assert.equal(errors[0]!.Threshold, 1, id);
      assert.equal(throttles[0]!.Threshold, 1, id);
      assert.equal(duration[0]!.Statistic, 'Maximum', id);
      assert.equal(
        duration[0]!.Threshold,
        (fn.Properties.Timeout as number) * 1000 * AlarmThresholds.durationShareOfTimeout,
        id,
      );
    }
  });

  it('alarms on WebSocket integration failures and client errors (throttled messages)', () => {
    const [integration] = reading('AWS/ApiGateway', 'ExecutionError');
    const names = metricsOf(integration!).map((m) => m.MetricName);
    assert.deepEqual(names.sort(), ['ExecutionError', 'IntegrationError']);
    assert.equal(integration!.Threshold, AlarmThresholds.webSocketIntegrationErrors);
    const [client] = reading('AWS/ApiGateway', 'ClientError');
    assert.equal(client!.Threshold, AlarmThresholds.webSocketClientErrors);
    assert.ok(dimension(client!.Dimensions, 'ApiId') && dimension(client!.Dimensions, 'Stage'));
  });

  it('alarms when the search indexer falls behind the stream or a batch fails every retry', () => {
    const [[indexerId]] = chatFunctions.filter(([id]) => id.startsWith('SearchIndexer')) as [[string, Resource]];
    const [lag] = reading('AWS/Lambda', 'IteratorAge');
    assert.ok(isRef(dimension(lag!.Dimensions, 'FunctionName'), indexerId));
    assert.equal(lag!.Statistic, 'Maximum');
    assert.equal(lag!.Threshold, AlarmThresholds.streamLag.toMilliseconds());
    const [[queueId]] = resourcesOfType(template, 'AWS::SQS::Queue') as [[string, Resource]];
    const [failed] = reading('AWS/SQS', 'ApproximateNumberOfMessagesVisible');
    assert.deepEqual(dimension(failed!.Dimensions, 'QueueName'), { 'Fn::GetAtt': [queueId, 'QueueName'] });
    assert.equal(failed!.Threshold, 1);
  });

  it('alarms on HTTP API 5xx answers', () => {
    const [serverErrors] = reading('AWS/ApiGateway', '5xx');
    assert.equal(serverErrors!.Threshold, 1);
    assert.equal(dimension(serverErrors!.Dimensions, 'Stage'), '$default');
  });

  it('alarms on DynamoDB throttling of the table and of each index', () => {
    const [throttles] = reading('AWS/DynamoDB', 'ReadThrottleEvents');
    const stats = metricsOf(throttles!);
    const indexes = [undefined, ...chatTable.globalSecondaryIndexes.map((index) => index.indexName)];
    for (const metricName of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
      assert.deepEqual(
        stats
          .filter((m) => m.MetricName === metricName)
          .map((m) => dimension(m.Dimensions, 'GlobalSecondaryIndexName')),
        indexes,
        metricName,
      );
    }
  });

  it('alarms on @connections 429s, from the metric the functions emit under the stack’s service name', () => {
    const [throttled] = reading(ChatMetrics.namespace, ChatMetrics.connectionPostsThrottled);
    assert.equal(throttled!.Threshold, 1);
    const [metric] = metricsOf(throttled!);
    assert.equal(dimension(metric!.Dimensions, ChatMetrics.serviceDimension), chat.stackName);
    for (const [id, fn] of chatFunctions) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      assert.equal(variables[LambdaEnvironment.serviceName], chat.stackName, id);
    }
  });

  it('traces every function with X-Ray', () => {
    for (const [id, fn] of chatFunctions) assert.deepEqual(fn.Properties.TracingConfig, { Mode: 'Active' }, id);
  });

  it('writes JSON access logs for the HTTP API', () => {
    const [, stage] = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage').find(
      ([, s]) => s.Properties.StageName === '$default',
    )!;
    const logs = stage.Properties.AccessLogSettings as {
      DestinationArn: { 'Fn::GetAtt': [string, string] };
      Format: string;
    };
    const format = JSON.parse(logs.Format) as Record<string, string>;
    assert.equal(format.requestId, '$context.requestId');
    assert.equal(format.routeKey, '$context.routeKey');
    assert.equal(format.status, '$context.status');
    assert.equal(format.integrationError, '$context.integrationErrorMessage');
    assert.ok(
      resourcesOfType(template, 'AWS::Logs::LogGroup').some(([id]) => id === logs.DestinationArn['Fn::GetAtt'][0]),
    );
  });

  it('has one dashboard with the alarms, both APIs, @connections, DynamoDB, search indexing and every function', () => {
    const [, dashboard] = resourcesOfType(monitoring, 'AWS::CloudWatch::Dashboard')[0]!;
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    for (const title of [
      'Alarms',
      'WebSocket API',
      'HTTP API',
      '@connections posts',
      'DynamoDB',
      'Search indexing',
      'Invocations',
    ]) {
      assert.ok(body.includes(`\\"title\\":\\"${title}\\"`), title);
    }
    for (const [id] of chatFunctions) assert.ok(body.includes(`"Ref":"${id}"`), id);
  });
});
