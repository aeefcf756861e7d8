/**
 * cdk-nag in the app: the AWS Solutions and Serverless rule packs run as CDK
 * validation plugins at every synth (`cdk synth`, `cdk deploy`, the tests), and
 * a finding that is neither fixed nor acknowledged fails the synth.
 *
 * Every acknowledgement is made next to the construct it is about, with the
 * reason, through `acknowledge` below; the cloud assembly's
 * `policy-validation-report.json` lists what was found.
 */
import { type App, Aspects, Stack, Validations } from 'aws-cdk-lib';
import { CfnPolicy } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** Runs both rule packs on every stack of `app`. */
export function addComplianceChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}

/**
 * Accepts one finding of a rule on `scope` and everything under it, for a
 * written `reason`. `rule` is the rule id (`AwsSolutions-APIG4`), or the rule
 * id with the finding (`AwsSolutions-IAM5[Resource::*]`) for rules that report
 * several findings per resource.
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: rule, reason });
}

/**
 * The finding id of a wildcard resource (`AwsSolutions-IAM5[Resource::...]`), in
 * cdk-nag's spelling of the resolved ARN (`<LogicalId>`, `<AWS::Partition>`).
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(arn))}]`;
}

/**
 * Accepts every wildcard finding (`AwsSolutions-IAM5[Action::...]` and
 * `[Resource::...]`) of the IAM policies under `scope`, found when the app is
 * synthesized: for constructs that aws-cdk-lib owns and words its own
 * policies for (a custom resource's handler), where the exact findings are the
 * library's to change.
 */
export function acknowledgeLibraryWildcards(scope: IConstruct, reason: string): void {
  Aspects.of(scope).add({
    visit(node) {
      if (!(node instanceof CfnPolicy)) return;
      const document = Stack.of(node).resolve(node.policyDocument) as { Statement: PolicyStatementJson[] };
      for (const statement of document.Statement) {
        for (const action of [statement.Action ?? []].flat()) {
          if (action.includes('*')) acknowledge(node, `AwsSolutions-IAM5[Action::${action}]`, reason);
        }
        for (const resource of [statement.Resource ?? []].flat()) {
          const flat = flattenCfnReference(resource);
          if (flat.includes('*')) acknowledge(node, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
        }
      }
    },
  });
}

interface PolicyStatementJson {
  Action?: string | string[];
  Resource?: unknown;
}
