/**
 * An IAM role that keeps every statement granted to it in the role itself (its
 * `Policies` property) instead of the separate `AWS::IAM::Policy` CDK adds for
 * grants. To IAM both are the role's inline policy, with the same size limit;
 * to CloudFormation it is one resource instead of two. The chat stack has a
 * role per function, in a stack CloudFormation caps at 500 resources.
 *
 * A grant's dependents then depend on the role, which holds the statement.
 */
import {
  type AddToPrincipalPolicyResult,
  PolicyDocument,
  type PolicyStatement,
  Role,
  type RoleProps,
} from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export class InlinePolicyRole extends Role {
  readonly #document: PolicyDocument;

  constructor(scope: Construct, id: string, props: Omit<RoleProps, 'inlinePolicies'>) {
    // Resolved at synthesis: the statements granted after construction are in it.
    const document = new PolicyDocument();
    super(scope, id, { ...props, inlinePolicies: { grants: document } });
    this.#document = document;
  }

  override addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult {
    this.#document.addStatements(statement);
    return { statementAdded: true, policyDependable: this };
  }
}
