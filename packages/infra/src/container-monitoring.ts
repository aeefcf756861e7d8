/**
 * What an operator of the container deployment watches: alarms on the load
 * balancer, the tasks, Redis and (on DynamoDB) the search indexer, notifying one
 * SNS topic (`-c alarmEmail=ops@example.com` subscribes an address).
 *
 * | alarm                          | metric                                                        | fires at             |
 * |--------------------------------|---------------------------------------------------------------|----------------------|
 * | load balancer 5xx              | AWS/ApplicationELB HTTPCode_ELB_5XX_Count (no healthy task)   | 10 in 5 minutes      |
 * | tasks 5xx                      | AWS/ApplicationELB HTTPCode_Target_5XX_Count                  | 10 in 5 minutes      |
 * | unhealthy tasks                | AWS/ApplicationELB UnHealthyHostCount, maximum (`/readyz`)    | any, for 5 minutes   |
 * | tasks CPU                      | AWS/ECS CPUUtilization, average (autoscaling at its maximum)  | 85%                  |
 * | Redis CPU                      | AWS/ElastiCache EngineCPUUtilization of either node           | 80%                  |
 * | `searchIndexer stream lag`, `searchIndexer failed batches` | as in the serverless stack (chat-monitoring.ts) |  |
 */
import { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { FargateService } from 'aws-cdk-lib/aws-ecs';
import type { CfnReplicationGroup } from 'aws-cdk-lib/aws-elasticache';
import {
  type ApplicationLoadBalancer,
  type ApplicationTargetGroup,
  HttpCodeElb,
  HttpCodeTarget,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AlarmNotifications } from './alarm-notifications.ts';
import type { ChatFunction } from './chat-function.ts';
import { alarmOnSearchIndexing } from './chat-monitoring.ts';

export interface ContainerMonitoringProps {
  loadBalancer: ApplicationLoadBalancer;
  targets: ApplicationTargetGroup;
  service: FargateService;
  redis: CfnReplicationGroup;
  /** The search indexer and its failed-batch queue, on DynamoDB. */
  searchIndexer?: { fn: ChatFunction; failedBatches: Queue };
  alarmEmail?: string;
}

/** Thresholds of the alarms (see the file comment). */
export const ContainerAlarmThresholds = {
  loadBalancer5xx: 10,
  target5xx: 10,
  cpuPercent: 85,
  redisCpuPercent: 80,
} as const;

const PERIOD = Duration.minutes(5);

export class ContainerMonitoring extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: ContainerMonitoringProps) {
    super(scope, id);
    const notifications = new AlarmNotifications(this, props.alarmEmail);
    this.topic = notifications.topic;
    const sum = { statistic: Stats.SUM, period: PERIOD };
    const { loadBalancer, targets, service, redis } = props;

    notifications.alarm(
      'load balancer 5xx',
      loadBalancer.metrics.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT, sum),
      ContainerAlarmThresholds.loadBalancer5xx,
    );
    notifications.alarm(
      'tasks 5xx',
      loadBalancer.metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, sum),
      ContainerAlarmThresholds.target5xx,
    );
    notifications.alarm(
      'unhealthy tasks',
      targets.metrics.unhealthyHostCount({ statistic: Stats.MAXIMUM, period: PERIOD }),
      1,
    );
    notifications.alarm(
      'tasks CPU',
      service.metricCpuUtilization({ statistic: Stats.AVERAGE, period: PERIOD }),
      ContainerAlarmThresholds.cpuPercent,
    );
    // A replication group's nodes are its member clusters `<id>-001` and `<id>-002`; either may be the primary.
    const redisCpu = (node: string) =>
      new Metric({
        namespace: 'AWS/ElastiCache',
        metricName: 'EngineCPUUtilization',
        dimensionsMap: { CacheClusterId: `${redis.ref}-${node}` },
        statistic: Stats.AVERAGE,
        period: PERIOD,
      });
    notifications.alarm(
      'Redis CPU',
      new MathExpression({
        expression: 'MAX([first, second])',
        usingMetrics: { first: redisCpu('001'), second: redisCpu('002') },
        label: 'Redis engine CPU, busiest node',
        period: PERIOD,
      }),
      ContainerAlarmThresholds.redisCpuPercent,
    );
    if (props.searchIndexer) alarmOnSearchIndexing(notifications, props.searchIndexer);
  }
}
