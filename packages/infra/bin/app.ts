/**
 * The CDK app: `npx cdk synth|deploy|destroy` in packages/infra. Deploys to the
 * account and region of the current AWS credentials (CDK_DEFAULT_*); without
 * credentials `cdk synth` still works and produces an environment-agnostic template.
 *
 * Context: `-c webRoot=<dir>` deploys a client built elsewhere (default packages/web/dist).
 */
import { App } from 'aws-cdk-lib';
import { ChatStack } from '../src/chat-stack.ts';

const app = new App();
new ChatStack(app, 'SwitchboardChat', {
  description: 'Switchboard chat: API Gateway WebSocket + Lambda + DynamoDB, web client on S3 + CloudFront',
  webRoot: app.node.tryGetContext('webRoot'),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
