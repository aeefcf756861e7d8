/**
 * The alarms of one stack and the SNS topic they notify, when they fire and when
 * they recover (subscribe an address with `-c alarmEmail=ops@example.com`, or
 * anything else to the topic). Missing data (no traffic) is not a breach.
 *
 * Not a construct of its own: the topic and the alarms are made in the scope
 * given, so they keep the logical ids they have always had.
 */
import { Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { acknowledge } from './compliance.ts';

export class AlarmNotifications {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly #scope: Construct;

  /** Adds `AlarmTopic` to `scope`, with `alarmEmail` subscribed (it must confirm) if given. */
  constructor(scope: Construct, alarmEmail: string | undefined) {
    this.#scope = scope;
    const stackName = Stack.of(scope).stackName;
    this.topic = new Topic(scope, 'AlarmTopic', { displayName: `${stackName} alarms`, enforceSSL: true });
    acknowledge(
      this.topic,
      'AwsSolutions-SNS2',
      'Alarm notifications carry alarm names and metric values, no chat data; CloudWatch can only publish to an encrypted topic through a customer managed KMS key, a monthly cost this deployment avoids.',
    );
    if (alarmEmail) {
      const subscription = this.topic.addSubscription(new EmailSubscription(alarmEmail));
      acknowledge(
        subscription,
        'Serverless-SNSRedrivePolicy',
        'An e-mail subscription that stops delivering shows in the SNS console; a dead-letter queue of missed alarm e-mails would itself need watching, and the alarms stay visible on the dashboard.',
      );
    }
  }

  /** An alarm named `name` when `metric` reaches `threshold` in one period. */
  alarm(name: string, metric: IMetric, threshold: number): Alarm {
    const alarm = new Alarm(this.#scope, alarmId(name), {
      alarmDescription: `${name} (Switchboard chat, ${Stack.of(this.#scope).stackName})`,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}

/** `sendMessage near timeout` -> `SendMessageNearTimeout`, `@connections throttled` -> `ConnectionsThrottled`. */
function alarmId(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`)
    .join('');
}
