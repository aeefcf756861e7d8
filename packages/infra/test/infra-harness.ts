/**
 * Builds the CDK app the way bin/app.ts does (buildChatApp, with cdk-nag's
 * checks), in-process, for a fixed account and region, with a stand-in web
 * client. Bundling the functions is skipped: the templates do not depend on it,
 * it is the slow part of a synth, and function-bundles.test.ts builds the same
 * bundles in one esbuild run. So is aws-cdk-lib's built-in CloudFormation
 * template validation (a WASM linter, most of a synth's time): the real
 * `cdk synth` in cdk-cli.test.ts runs it. cdk-nag's checks always run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { App, type NestedStack, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildChatApp, type ChatAppStacks } from '../src/chat-app.ts';

export type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

export const testEnvironment = { account: '123456789012', region: 'eu-west-1' } as const;

export interface TestApp extends ChatAppStacks {
  app: App;
  /** The stand-in web client's directory. */
  webRoot: string;
  /** A scratch directory removed after the test file. */
  workDir: string;
}

/** `context` as `-c name=value` would give it. */
export function buildTestApp(options: { context?: Record<string, string> } = {}): TestApp {
  const { workDir, webRoot } = scratchWebClient();
  const app = new App({
    outdir: join(workDir, 'cdk.out'),
    builtinCloudFormationValidation: false,
    context: {
      webRoot,
      '@aws-cdk/core:validationReportJson': true,
      'aws:cdk:bundling-stacks': [],
      ...options.context,
    },
  });
  return { app, webRoot, workDir, ...buildChatApp(app, testEnvironment) };
}

/** The template's resources of one type, with their logical ids. */
export function resourcesOfType(stack: Stack | Template, type: string): Array<[string, Resource]> {
  const template = stack instanceof Template ? stack : Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/**
 * A nested stack's template, each of its parameters replaced by what the parent
 * passes it (a `Ref` or `Fn::GetAtt` of the parent's resources), so assertions
 * name the parent's logical ids as they would in the parent's own template.
 */
export function nestedTemplate(parent: Stack, nested: NestedStack): Template {
  const stackId = parent.resolve(nested.nestedStackResource!.logicalId) as string;
  const stackResource = (Template.fromStack(parent).toJSON().Resources as Record<string, Resource>)[stackId]!;
  const passed = (stackResource.Properties.Parameters ?? {}) as Record<string, unknown>;
  const replace = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(replace);
    if (!value || typeof value !== 'object') return value;
    const ref = (value as { Ref?: unknown }).Ref;
    if (typeof ref === 'string' && Object.keys(value).length === 1 && ref in passed) return passed[ref];
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, replace(inner)]));
  };
  return Template.fromJSON(replace(Template.fromStack(nested).toJSON()) as Record<string, unknown>);
}

/** A statement of an IAM policy document, as synthesized. */
export type PolicyStatementJson = Record<string, unknown> & { Action?: string | string[]; Resource?: unknown };

/**
 * The statements a role holds: those in its own `Policies` (the chat's function
 * roles keep their grants there) and in the `AWS::IAM::Policy` resources attached to it.
 */
export function roleStatements(template: Template, roleId: string): PolicyStatementJson[] {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const documents = [
    ...((resources[roleId]?.Properties.Policies ?? []) as Array<{ PolicyDocument: unknown }>).map(
      (policy) => policy.PolicyDocument,
    ),
    ...resourcesOfType(template, 'AWS::IAM::Policy')
      .filter(([, policy]) => (policy.Properties.Roles as unknown[]).some((ref) => isRef(ref, roleId)))
      .map(([, policy]) => policy.Properties.PolicyDocument),
  ];
  return documents.flatMap((document) => (document as { Statement: PolicyStatementJson[] }).Statement);
}

/** The statements of every role and policy of the template. */
export function allStatements(template: Template): PolicyStatementJson[] {
  return resourcesOfType(template, 'AWS::IAM::Role').flatMap(([roleId]) => roleStatements(template, roleId));
}

/** The logical id of a function's role. */
export function roleOf(fn: Resource): string {
  return (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

export function isRef(value: unknown, logicalId: string): boolean {
  return JSON.stringify(value) === JSON.stringify({ Ref: logicalId });
}

/** A scratch directory (removed after the test file) holding a stand-in web client in `web/`. */
export function scratchWebClient(): { workDir: string; webRoot: string } {
  const workDir = mkdtempSync(join(tmpdir(), 'infra-'));
  after(() => rmSync(workDir, { recursive: true, force: true }));
  const webRoot = join(workDir, 'web');
  mkdirSync(webRoot);
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>chat</title>');
  return { workDir, webRoot };
}
