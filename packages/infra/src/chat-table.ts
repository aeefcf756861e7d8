/**
 * The chat's DynamoDB table, created from the store's single-table design
 * (`chatTable` in the chat's store/dynamodb/table-design.ts): keys, the indexes
 * and their projections, TTL and the stream all come from there.
 *
 * The table holds every account and message, so by default it outlives the
 * stack: it is retained on delete and on replacement, deletion protection is on,
 * and point-in-time recovery keeps 35 days of continuous backups. Only a stack
 * built with `removalPolicy: DESTROY` (the app's `-c destroyData=true`) lets
 * `cdk destroy` delete it.
 *
 * Grants are per action list and per index rather than `grantReadWriteData`:
 * the store never scans or describes the table, so its functions may not either.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
} from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { chatTable } from './chat-sources.ts';

export interface ChatTableProps {
  /**
   * What deleting the stack (or replacing the table) does to the data. With
   * `DESTROY`, deletion protection is off too, so `cdk destroy` can delete it.
   * @default RemovalPolicy.RETAIN
   */
  removalPolicy?: RemovalPolicy;
}

export class ChatTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ChatTableProps = {}) {
    super(scope, id);
    const { partitionKey, sortKey, globalSecondaryIndexes, timeToLiveAttribute, stream, billingMode } = chatTable;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new Table(this, 'Table', {
      partitionKey: attribute(partitionKey),
      sortKey: attribute(sortKey),
      billingMode: BillingMode[billingMode],
      timeToLiveAttribute,
      stream: StreamViewType[stream],
      removalPolicy,
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });
    for (const index of globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: ProjectionType[index.projection.type],
        nonKeyAttributes: [...index.projection.nonKeyAttributes],
      });
    }
  }

  /**
   * Allows `actions` (`GetItem`, ...) on this table and, with `indexes`, on the
   * indexes the store's design names (by name, not `index/*`); nothing else.
   */
  grant(grantee: IGrantable, actions: readonly string[], options: { indexes?: boolean } = {}): void {
    if (actions.length === 0) return;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [
          this.table.tableArn,
          ...(options.indexes
            ? chatTable.globalSecondaryIndexes.map(({ indexName }) => `${this.table.tableArn}/index/${indexName}`)
            : []),
        ],
      }),
    );
  }
}

const attributeTypes = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const;

function attribute(key: { name: string; type: keyof typeof attributeTypes }): Attribute {
  return { name: key.name, type: attributeTypes[key.type] };
}
