/** A DynamoDB table an app defines, as the requests that create it locally. */
export interface TableSpec {
  /** The template resource it comes from. */
  logicalId: string;
  /** Its name: what `!Ref` gives the functions. */
  name: string;
  /** DynamoDB's CreateTable input, without `TableName`. */
  create: Record<string, unknown>;
  /** The attribute time to live is enabled on, if any. */
  timeToLiveAttribute?: string;
}
