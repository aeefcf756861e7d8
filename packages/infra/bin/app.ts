/**
 * The CDK app: `npx cdk synth|deploy|destroy` in packages/infra. The stacks and
 * the context that chooses them are in src/chat-app.ts.
 */
import { App } from 'aws-cdk-lib';
import { buildChatApp } from '../src/chat-app.ts';

buildChatApp(new App());
