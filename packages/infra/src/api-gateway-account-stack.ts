/**
 * The region's API Gateway account setting: the IAM role API Gateway uses to
 * write WebSocket (and REST) API logs to CloudWatch Logs. It is one setting per
 * account and region, shared by every API there, so it lives in its own stack
 * that is deployed once, on request (`-c apiGatewayCloudWatchRole=true`), and is
 * never deleted with the chat:
 *
 * - the stack has termination protection, so `cdk destroy --all` stops at it;
 * - the role and the setting are retained even when the stack is deleted, so
 *   no API in the region loses its logs because a chat was removed.
 *
 * Accounts that already have the role (any API Gateway logging set up before)
 * skip this stack; the README shows the one-time CLI alternative.
 */
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledge } from './compliance.ts';

/** The AWS managed policy API Gateway documents for its CloudWatch role. */
export const PUSH_TO_CLOUDWATCH_POLICY = 'service-role/AmazonAPIGatewayPushToCloudWatchLogs';

export class ApiGatewayAccountStack extends Stack {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { terminationProtection: true, ...props });
    this.role = new Role(this, 'CloudWatchRole', {
      description: 'API Gateway writes API logs to CloudWatch Logs with this role (region-wide account setting)',
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName(PUSH_TO_CLOUDWATCH_POLICY)],
    });
    this.role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const account = new CfnAccount(this, 'Account', { cloudWatchRoleArn: this.role.roleArn });
    account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    acknowledge(
      this.role,
      `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${PUSH_TO_CLOUDWATCH_POLICY}]`,
      'The policy API Gateway documents for this role; AWS keeps it in step with what API Gateway needs to write logs.',
    );
  }
}
