/**
 * The CDK app's stacks, from its context (`-c name=value` on the command line, or
 * `context` in cdk.json):
 *
 * | context                         | effect                                                                   |
 * |---------------------------------|--------------------------------------------------------------------------|
 * | `webRoot=<dir>`                 | deploy a web client built elsewhere (default packages/web/dist)          |
 * | `destroyData=true`              | `cdk destroy` deletes the table and the token secret too                 |
 * | `alarmEmail=<address>`          | subscribe that address to the alarm topic                                |
 * | `chatAdmins=<user>,<user>`      | the chat's server admins (`CHAT_ADMINS`: deactivate accounts, read every log) |
 * | `apiGatewayCloudWatchRole=true` | add the region's API Gateway CloudWatch role stack (once per region)     |
 * | `searchEngine=opensearch`       | search with an OpenSearch Serverless collection (billed hourly; default `dynamodb`) |
 * | `openSearchRedundancy=false`    | with OpenSearch: no standby replicas (development; halves its floor)     |
 * | `container=true`                | add the container stack: Fargate + ALB + Redis (container-stack.ts)      |
 * | `containerDatabase=aurora`      | the container stack on Aurora PostgreSQL instead of DynamoDB             |
 * | `certificateArn=<arn>`          | the container stack's load balancer on HTTPS with this ACM certificate   |
 * | `webOrigin=https://<domain>`    | where users open the container stack's chat (required with a certificate) |
 *
 * The stacks deploy to the account and region of the current AWS credentials
 * (CDK_DEFAULT_*); without credentials `cdk synth` still works and produces
 * environment-agnostic templates.
 */
import type { App, Environment } from 'aws-cdk-lib';
import { ApiGatewayAccountStack } from './api-gateway-account-stack.ts';
import { ChatStack } from './chat-stack.ts';
import { addComplianceChecks } from './compliance.ts';
import { ChatContainerStack } from './container-stack.ts';

/** Stack names, as `cdk deploy <name>` takes them. */
export const StackNames = {
  chat: 'SwitchboardChat',
  apiGatewayAccount: 'SwitchboardApiGatewayAccount',
  container: 'SwitchboardChatContainer',
} as const;

export interface ChatAppStacks {
  chat: ChatStack;
  apiGatewayAccount?: ApiGatewayAccountStack;
  container?: ChatContainerStack;
}

/** Adds the stacks the context asks for to `app`, with cdk-nag's checks. */
export function buildChatApp(app: App, env: Environment = defaultEnvironment()): ChatAppStacks {
  let apiGatewayAccount: ApiGatewayAccountStack | undefined;
  if (contextFlag(app, 'apiGatewayCloudWatchRole')) {
    apiGatewayAccount = new ApiGatewayAccountStack(app, StackNames.apiGatewayAccount, {
      description: "The region's API Gateway CloudWatch role (account-wide; never deleted with an app)",
      env,
    });
  }
  const chat = new ChatStack(app, StackNames.chat, {
    description: 'Switchboard chat: API Gateway WebSocket + Lambda + DynamoDB, web client on S3 + CloudFront',
    webRoot: contextString(app, 'webRoot'),
    destroyData: contextFlag(app, 'destroyData'),
    alarmEmail: contextString(app, 'alarmEmail'),
    serverAdmins: serverAdmins(app),
    searchEngine: searchEngine(app),
    openSearchRedundancy: contextFlag(app, 'openSearchRedundancy', true),
    env,
  });
  // The WebSocket stage's access logs need the role in place first.
  if (apiGatewayAccount) chat.addStackDependency(apiGatewayAccount);
  let container: ChatContainerStack | undefined;
  if (contextFlag(app, 'container')) {
    const database = contextString(app, 'containerDatabase') ?? 'dynamodb';
    if (database !== 'dynamodb' && database !== 'aurora') {
      throw new Error(`Context containerDatabase must be dynamodb or aurora, got ${JSON.stringify(database)}.`);
    }
    container = new ChatContainerStack(app, StackNames.container, {
      description:
        'Switchboard chat server on ECS Fargate behind an ALB, with ElastiCache Redis and DynamoDB or Aurora',
      database,
      destroyData: contextFlag(app, 'destroyData'),
      certificateArn: contextString(app, 'certificateArn'),
      webOrigin: contextString(app, 'webOrigin'),
      alarmEmail: contextString(app, 'alarmEmail'),
      serverAdmins: serverAdmins(app),
      env,
    });
  }
  addComplianceChecks(app);
  return { chat, apiGatewayAccount, container };
}

function defaultEnvironment(): Environment {
  return { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
}

/** `-c name=true` arrives as the string 'true'; cdk.json may hold a boolean. */
function contextFlag(app: App, name: string, fallback = false): boolean {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined) return fallback;
  if (value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new Error(`Context ${name} must be true or false, got ${JSON.stringify(value)}.`);
}

function searchEngine(app: App): 'dynamodb' | 'opensearch' {
  const value = contextString(app, 'searchEngine') ?? 'dynamodb';
  if (value !== 'dynamodb' && value !== 'opensearch') {
    throw new Error(`Context searchEngine must be dynamodb or opensearch, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** `-c chatAdmins=alice,bob`: usernames, comma-separated. */
function serverAdmins(app: App): string[] | undefined {
  return contextString(app, 'chatAdmins')
    ?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

function contextString(app: App, name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`Context ${name} must be a string, got ${JSON.stringify(value)}.`);
  return value;
}
