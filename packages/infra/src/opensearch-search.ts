/**
 * The opt-in search engine of the chat (`-c searchEngine=opensearch`): an
 * Amazon OpenSearch Serverless collection of type SEARCH, for teams whose
 * histories outgrow the word index in the table (its per-room queries, its
 * read budget per word). The search indexer keeps one document per message in
 * it from the same table stream; the functions that search query it and check
 * the hits against the table (the chat's store/opensearch/).
 *
 * It has a monthly floor the default does not: OpenSearch Serverless bills
 * its OCUs by the hour, used or not, at least 2 OCUs with standby replicas in a
 * second Availability Zone (1 for indexing, 1 for search) and 1 OCU without
 * (`-c openSearchRedundancy=false`, for development). README.md "Search on AWS"
 * has the figures.
 *
 * - Encryption at rest with an AWS owned key (a customer managed key would give
 *   the collection OCUs of its own, a second floor).
 * - Network: the collection endpoint is public, the dashboards are not; every
 *   request must be SigV4-signed by a principal of the data access policy
 *   (the functions' roles) that IAM also allows (`aoss:APIAccessAll` on this
 *   collection). A VPC endpoint would bill by the hour too.
 * - Data access: the search functions may read documents of the `messages`
 *   index, the indexer may create that index and write documents; nobody else.
 * - The collection holds folded words and keys, no message text. It is derived
 *   from the table, so it is deleted with the stack (it bills while it exists).
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnAccessPolicy, CfnCollection, CfnSecurityPolicy } from 'aws-cdk-lib/aws-opensearchserverless';
import { Construct } from 'constructs';
import type { ChatFunction } from './chat-function.ts';
import { LambdaEnvironment, MESSAGES_INDEX } from './chat-sources.ts';

export interface OpenSearchSearchProps {
  /** The functions that search: they may read the message documents. */
  readers: readonly ChatFunction[];
  /** The search indexer: it may create the index and write documents. */
  writer: ChatFunction;
  /**
   * Standby replicas in a second Availability Zone. Off halves the floor (1 OCU
   * instead of 2) and suits development only: an AZ outage stops search.
   * @default true
   */
  redundancy?: boolean;
}

export class OpenSearchSearch extends Construct {
  readonly collection: CfnCollection;

  constructor(scope: Construct, id: string, props: OpenSearchSearchProps) {
    super(scope, id);
    const name = collectionName(Stack.of(this).stackName);
    const collectionResource = [`collection/${name}`];
    const encryption = new CfnSecurityPolicy(this, 'Encryption', {
      name: `${name}-enc`,
      type: 'encryption',
      description: 'Encrypts the chat search collection with an AWS owned key',
      policy: JSON.stringify({
        Rules: [{ ResourceType: 'collection', Resource: collectionResource }],
        AWSOwnedKey: true,
      }),
    });
    const network = new CfnSecurityPolicy(this, 'Network', {
      name: `${name}-net`,
      type: 'network',
      description: 'The collection endpoint is reachable with signed requests; the dashboards are not',
      policy: JSON.stringify([
        { Rules: [{ ResourceType: 'collection', Resource: collectionResource }], AllowFromPublic: true },
      ]),
    });
    this.collection = new CfnCollection(this, 'Collection', {
      name,
      type: 'SEARCH',
      description: 'Switchboard chat message search (derived from the table; rebuilt from its stream)',
      standbyReplicas: (props.redundancy ?? true) ? 'ENABLED' : 'DISABLED',
    });
    this.collection.addDependency(encryption);
    this.collection.addDependency(network);
    this.collection.applyRemovalPolicy(RemovalPolicy.DESTROY);

    const index = [`index/${name}/${MESSAGES_INDEX}`];
    new CfnAccessPolicy(this, 'DataAccess', {
      name: `${name}-data`,
      type: 'data',
      description: 'The search functions read message documents; the search indexer writes them',
      policy: Stack.of(this).toJsonString([
        {
          Rules: [{ ResourceType: 'index', Resource: index, Permission: ['aoss:ReadDocument', 'aoss:DescribeIndex'] }],
          Principal: props.readers.map((fn) => fn.role!.roleArn),
        },
        {
          Rules: [
            {
              ResourceType: 'index',
              Resource: index,
              Permission: ['aoss:CreateIndex', 'aoss:DescribeIndex', 'aoss:UpdateIndex', 'aoss:WriteDocument'],
            },
          ],
          Principal: [props.writer.role!.roleArn],
        },
      ]),
    });
    for (const fn of [...props.readers, props.writer]) {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['aoss:APIAccessAll'], resources: [this.collection.attrArn] }));
      fn.addEnvironment(LambdaEnvironment.searchEndpoint, this.collection.attrCollectionEndpoint);
    }
  }
}

/**
 * A collection name from the stack's: lower-case letters, digits and hyphens,
 * starting with a letter, short enough that `<name>-data` fits the 32
 * characters of a policy name.
 */
export function collectionName(stackName: string): string {
  const base = stackName
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')
    .replace(/^[^a-z]+/, '');
  return (base.length >= 3 ? base : `chat-${base}search`).slice(0, 27);
}
