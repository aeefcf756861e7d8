/**
 * The chat's DynamoDB table, created from the store's single-table design
 * (`chatTable` in the chat's store/dynamodb/table-design.ts): keys, the `gsi1`
 * index and its projection, TTL and the stream all come from there.
 *
 * Grants are per action list rather than `grantReadWriteData`: the store never
 * scans or describes the table, so its functions may not either.
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
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { chatTable } from './chat-sources.ts';

export interface ChatTableProps {
  /** @default RemovalPolicy.DESTROY */
  removalPolicy?: RemovalPolicy;
}

/** What the chat's store does: item reads and queries, and (transactional) item writes. */
export const StoreActions = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  write: [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
    // TransactWriteItems is authorised per item by these actions.
    'dynamodb:ConditionCheckItem',
  ],
} as const;

export class ChatTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ChatTableProps = {}) {
    super(scope, id);
    const { partitionKey, sortKey, globalSecondaryIndexes, timeToLiveAttribute, stream, billingMode } = chatTable;
    this.table = new Table(this, 'Table', {
      partitionKey: attribute(partitionKey),
      sortKey: attribute(sortKey),
      billingMode: BillingMode[billingMode],
      timeToLiveAttribute,
      stream: StreamViewType[stream],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
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

  /** Allows `actions` on this table and its indexes, nothing else. */
  grant(grantee: IGrantable, actions: readonly string[]): void {
    this.table.grant(grantee, ...actions);
  }
}

const attributeTypes = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const;

function attribute(key: { name: string; type: keyof typeof attributeTypes }): Attribute {
  return { name: key.name, type: attributeTypes[key.type] };
}
