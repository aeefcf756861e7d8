/**
 * The region's API Gateway CloudWatch role is an account-wide setting: the chat
 * stack never owns it; `-c apiGatewayCloudWatchRole=true` adds a stack of its own
 * that the chat depends on, with termination protection, whose role and setting
 * outlive it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Template } from 'aws-cdk-lib/assertions';
import { StackNames } from '../src/chat-app.ts';
import { buildTestApp, type Resource, resourcesOfType } from './infra-harness.ts';

describe('the API Gateway CloudWatch role', () => {
  it('is not part of the app by default, and never of the chat stack', () => {
    const { app, chat, apiGatewayAccount } = buildTestApp();
    assert.equal(apiGatewayAccount, undefined);
    assert.equal(app.node.tryFindChild(StackNames.apiGatewayAccount), undefined);
    const template = Template.fromStack(chat);
    assert.equal(resourcesOfType(template, 'AWS::ApiGateway::Account').length, 0);
    // The one role API Gateway assumes here invokes the routes' functions (chat-stack.test.ts), nothing about logs.
    for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      if (!/apigateway\.amazonaws\.com/.test(JSON.stringify(role.Properties.AssumeRolePolicyDocument))) continue;
      assert.match(id, /RouteInvocationRole/);
      assert.doesNotMatch(JSON.stringify(role.Properties), /CloudWatch|logs:/, id);
    }
  });

  it('is a separate, termination-protected stack whose role and setting are retained', () => {
    const { chat, apiGatewayAccount } = buildTestApp({ context: { apiGatewayCloudWatchRole: 'true' } });
    assert.ok(apiGatewayAccount);
    assert.equal(apiGatewayAccount.stackName, StackNames.apiGatewayAccount);
    assert.equal(apiGatewayAccount.terminationProtection, true);
    assert.ok(chat.dependencies.includes(apiGatewayAccount), 'the chat deploys after the role is set');
    const template = Template.fromStack(apiGatewayAccount);
    const [[, account]] = resourcesOfType(template, 'AWS::ApiGateway::Account') as [[string, Resource]];
    assert.equal(account.DeletionPolicy, 'Retain');
    const [roleId] = (account.Properties.CloudWatchRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    const roles = resourcesOfType(template, 'AWS::IAM::Role');
    assert.deepEqual(
      roles.map(([id]) => id),
      [roleId],
    );
    const [, role] = roles[0]!;
    assert.equal(role.DeletionPolicy, 'Retain');
    assert.equal(role.UpdateReplacePolicy, 'Retain');
    assert.match(JSON.stringify(role.Properties.AssumeRolePolicyDocument), /apigateway\.amazonaws\.com/);
    assert.match(JSON.stringify(role.Properties.ManagedPolicyArns), /AmazonAPIGatewayPushToCloudWatchLogs/);
  });
});
