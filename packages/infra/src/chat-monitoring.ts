/**
 * What an operator of the deployed chat watches: one CloudWatch dashboard and
 * the alarms below, all notifying one SNS topic (subscribe an address with
 * `-c alarmEmail=ops@example.com`, or anything else to the `AlarmTopic` output).
 *
 * | alarm                         | metric                                                    | fires at                     |
 * |-------------------------------|-----------------------------------------------------------|------------------------------|
 * | `<function> errors`           | AWS/Lambda Errors (timeouts and crashes included)         | any, in 5 minutes            |
 * | `<function> throttles`        | AWS/Lambda Throttles                                      | any, in 5 minutes            |
 * | `<function> near timeout`     | AWS/Lambda Duration, maximum                              | 80% of the function timeout  |
 * | WebSocket integration errors  | IntegrationError + ExecutionError of the stage            | 5 in 5 minutes               |
 * | WebSocket client errors       | ClientError (throttled messages, refused connections)     | 100 in 5 minutes             |
 * | HTTP API 5xx                  | 5xx of the HTTP stage                                     | any, in 5 minutes            |
 * | DynamoDB throttles            | Read/WriteThrottleEvents of the table and its indexes     | any, in 5 minutes            |
 * | `@connections` throttled      | Switchboard/Chat ConnectionPostsThrottled (429s)          | any, in 5 minutes            |
 * | `searchIndexer stream lag`    | AWS/Lambda IteratorAge, maximum (oldest record not done)  | 5 minutes                    |
 * | `searchIndexer failed batches`| AWS/SQS messages visible in its on-failure queue          | any                          |
 *
 * Every alarm notifies when it fires and when it recovers; missing data (no
 * traffic) is not a breach. API Gateway WebSocket and HTTP APIs have no X-Ray
 * tracing of their own: traces start at the functions (active tracing).
 *
 * It is a nested stack of the chat's: three alarms per function would take the
 * chat's stack past CloudFormation's 500 resources per stack, and a nested stack
 * counts as one (the functions, API and table reach it as its parameters).
 */
import { Duration, NestedStack, Stack } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { AlarmNotifications } from './alarm-notifications.ts';
import type { ChatFunction } from './chat-function.ts';
import { ChatMetrics, chatTable } from './chat-sources.ts';
import type { ChatWebSocketApi } from './websocket-api.ts';

export interface ChatMonitoringProps {
  /** The chat's functions by a readable name (`sendMessage`, `authorizer`). */
  functions: ReadonlyArray<{ name: string; fn: ChatFunction }>;
  webSocket: ChatWebSocketApi;
  httpStage: HttpStage;
  table: Table;
  /** The search indexer the table's stream invokes, with the queue its failed batches go to. */
  searchIndexer: { fn: ChatFunction; failedBatches: Queue };
  /** The `service` dimension the functions put on their metrics (`ChatMetrics`). */
  serviceName: string;
  /** An address that receives the alarm notifications (it must confirm the subscription). */
  alarmEmail?: string;
}

/** Thresholds of the alarms (see the file comment). */
export const AlarmThresholds = {
  /** Share of a function's timeout that its longest invocation may take. */
  durationShareOfTimeout: 0.8,
  webSocketIntegrationErrors: 5,
  /** Client errors also count refused connections and invalid frames, so some are normal. */
  webSocketClientErrors: 100,
  /** Age of the oldest stream record a consumer has not finished: how far behind search may be. */
  streamLag: Duration.minutes(5),
} as const;

const PERIOD = Duration.minutes(5);

export class ChatMonitoring extends NestedStack {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: ChatMonitoringProps) {
    super(scope, id, { description: 'The chat’s alarms, their topic and its dashboard' });
    const stackName = Stack.of(scope).stackName;
    const notifications = new AlarmNotifications(this, props.alarmEmail);
    this.topic = notifications.topic;
    this.alarms = notifications.alarms;
    const alarm = notifications.alarm.bind(notifications);

    const { webSocket, httpStage, table } = props;
    const chatMetric = (metricName: string, label: string): Metric =>
      new Metric({
        namespace: ChatMetrics.namespace,
        metricName,
        dimensionsMap: { [ChatMetrics.serviceDimension]: props.serviceName },
        statistic: Stats.SUM,
        period: PERIOD,
        label,
      });
    const sum = { statistic: Stats.SUM, period: PERIOD };

    for (const { name, fn } of props.functions) {
      alarm(`${name} errors`, fn.metricErrors(sum), 1);
      alarm(`${name} throttles`, fn.metricThrottles(sum), 1);
      alarm(
        `${name} near timeout`,
        fn.metricDuration({ statistic: Stats.MAXIMUM, period: PERIOD }),
        fn.timeoutDuration.toMilliseconds() * AlarmThresholds.durationShareOfTimeout,
      );
    }
    const streamLag = alarmOnSearchIndexing(notifications, props.searchIndexer);
    const integrationErrors = new MathExpression({
      expression: 'integration + execution',
      usingMetrics: {
        integration: webSocket.metric('IntegrationError', sum),
        execution: webSocket.metric('ExecutionError', sum),
      },
      label: 'WebSocket integration and execution errors',
      period: PERIOD,
    });
    alarm('WebSocket integration errors', integrationErrors, AlarmThresholds.webSocketIntegrationErrors);
    alarm('WebSocket client errors', webSocket.metric('ClientError', sum), AlarmThresholds.webSocketClientErrors);
    alarm('HTTP API 5xx', httpStage.metricServerError(sum), 1);
    const throttleMetrics: Record<string, IMetric> = {};
    for (const [index, indexName] of [
      undefined,
      ...chatTable.globalSecondaryIndexes.map((i) => i.indexName),
    ].entries()) {
      const dimensionsMap = { TableName: table.tableName, ...(indexName && { GlobalSecondaryIndexName: indexName }) };
      throttleMetrics[`read${index}`] = table.metric('ReadThrottleEvents', { ...sum, dimensionsMap });
      throttleMetrics[`write${index}`] = table.metric('WriteThrottleEvents', { ...sum, dimensionsMap });
    }
    const dynamoDbThrottles = new MathExpression({
      expression: Object.keys(throttleMetrics).join(' + '),
      usingMetrics: throttleMetrics,
      label: 'DynamoDB throttle events',
      period: PERIOD,
    });
    alarm('DynamoDB throttles', dynamoDbThrottles, 1);
    const postsThrottled = chatMetric(ChatMetrics.connectionPostsThrottled, '@connections 429s');
    alarm('@connections throttled', postsThrottled, 1);

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${stackName}-chat` });
    const perFunction = (metric: (fn: ChatFunction) => IMetric) => props.functions.map(({ fn }) => metric(fn));
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
      new GraphWidget({
        title: 'WebSocket API',
        left: [webSocket.metric('ConnectCount', sum), webSocket.metric('MessageCount', sum)],
        right: [webSocket.metric('ClientError', sum), integrationErrors],
        width: 12,
      }),
      new GraphWidget({
        title: 'HTTP API',
        left: [httpStage.metricCount(sum)],
        right: [httpStage.metricClientError(sum), httpStage.metricServerError(sum)],
        width: 12,
      }),
      new GraphWidget({
        title: '@connections posts',
        left: [chatMetric(ChatMetrics.connectionPosts, 'posts')],
        right: [chatMetric(ChatMetrics.connectionPostsGone, '410 Gone'), postsThrottled],
        width: 12,
      }),
      new GraphWidget({
        title: 'DynamoDB',
        left: [table.metricConsumedReadCapacityUnits(sum), table.metricConsumedWriteCapacityUnits(sum)],
        right: [dynamoDbThrottles],
        width: 12,
      }),
      new GraphWidget({
        title: 'Search indexing',
        left: [streamLag.with({ label: 'stream lag (ms)' })],
        right: [chatMetric(ChatMetrics.searchIndexWrites, 'index items written')],
        width: 12,
      }),
      new GraphWidget({ title: 'Invocations', left: perFunction((fn) => fn.metricInvocations(sum)), width: 12 }),
      new GraphWidget({
        title: 'Errors and throttles',
        left: perFunction((fn) => fn.metricErrors(sum)),
        right: perFunction((fn) => fn.metricThrottles(sum)),
        width: 12,
      }),
      new GraphWidget({
        title: 'Duration (p99)',
        left: perFunction((fn) => fn.metricDuration({ statistic: Stats.p(99), period: PERIOD })),
        width: 24,
      }),
    );
  }
}

/**
 * The search indexer's alarms: the stream's lag (how far behind search is) and
 * batches that failed every retry. Returns the lag metric, for a dashboard.
 */
export function alarmOnSearchIndexing(
  notifications: AlarmNotifications,
  { fn, failedBatches }: { fn: ChatFunction; failedBatches: Queue },
): Metric {
  const streamLag = fn.metric('IteratorAge', { statistic: Stats.MAXIMUM, period: PERIOD });
  notifications.alarm('searchIndexer stream lag', streamLag, AlarmThresholds.streamLag.toMilliseconds());
  notifications.alarm(
    'searchIndexer failed batches',
    failedBatches.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, period: PERIOD }),
    1,
  );
  return streamLag;
}
