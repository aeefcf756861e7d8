/**
 * The bucket of attached files (docs/operations.md, "Files"). Clients upload
 * and download with presigned URLs, so the bucket is private: public access
 * blocked, encrypted, TLS only, and CORS open to the web client's origin for
 * exactly the `PUT` of an upload and the `GET` of a link.
 *
 * Lifecycle: an incomplete multipart upload is aborted after a day, and an upload
 * never attached to a message (still under `uploads/`, where the chat moves it
 * out of when its message is stored) expires after a day. Versioning stays off:
 * deleting a message deletes its files, and a kept version would undo that.
 *
 * Each function gets only the actions of `functionAccess[name].files`, on the
 * prefixes named there (`grant`); the container stack's tasks, which run every
 * route, get the union of them (`grantTasks`).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods } from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { type FileAction, type FunctionAccess, functionAccess } from './chat-sources.ts';
import { acknowledge, wildcardResourceFinding } from './compliance.ts';

export interface ChatFilesProps {
  /**
   * The web client's origins (`https://<distribution>.cloudfront.net`): the only ones
   * CORS lets a page upload from. Each may hold one `*` (S3's CORS wildcard).
   */
  allowOrigins: readonly string[];
  /** `DESTROY` also empties the bucket on `cdk destroy`. @default RETAIN */
  removalPolicy?: RemovalPolicy;
  /** How long an upload that no message names is kept. @default 1 day */
  unattachedUploadExpiry?: Duration;
}

/** How long before an incomplete multipart upload is aborted (its parts are billed until then). */
const incompleteUploadExpiry = Duration.days(1);

export class ChatFiles extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ChatFilesProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: false,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
      cors: [
        {
          allowedOrigins: [...props.allowOrigins],
          allowedMethods: [HttpMethods.PUT, HttpMethods.GET],
          allowedHeaders: ['content-type'],
          maxAge: 3600,
        },
      ],
      lifecycleRules: [
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: incompleteUploadExpiry },
        {
          id: 'ExpireUnattachedUploads',
          prefix: 'uploads/',
          expiration: props.unattachedUploadExpiry ?? Duration.days(1),
        },
      ],
    });
    acknowledge(
      this.bucket,
      'AwsSolutions-S1',
      'Every read and write is made with a URL the chat presigned for a member of the room, after its own authorization, which its logs and traces record; S3 server access logs would only repeat them.',
    );
  }

  /** Grants `fn` the actions `access` names, each on its prefix only, and tells it the bucket. */
  grant(
    fn: IFunction & { addEnvironment(key: string, value: string): unknown },
    access: FunctionAccess['files'],
    variable: string,
  ): void {
    if (!access) return;
    fn.addEnvironment(variable, this.bucket.bucketName);
    // The finding is on the function's role, where the statement lands.
    this.#grantPrefixes(fn.role ?? fn, access, (statement) => fn.addToRolePolicy(statement));
  }

  /**
   * Grants a container task's role what every function's access adds up to: a task
   * serves every route, as the chat server does (the bucket's name reaches it as
   * `FILES_S3_BUCKET`, which the caller sets).
   */
  grantTasks(role: IRole): void {
    const all = new Map<string, Set<FileAction>>();
    for (const { files } of Object.values(functionAccess)) {
      for (const [prefix, actions] of Object.entries(files ?? {})) {
        all.set(prefix, new Set([...(all.get(prefix) ?? []), ...actions]));
      }
    }
    const access = Object.fromEntries([...all].map(([prefix, actions]) => [prefix, [...actions].sort()]));
    this.#grantPrefixes(role, access, (statement) => role.addToPrincipalPolicy(statement));
  }

  #grantPrefixes(
    principal: IConstruct,
    access: NonNullable<FunctionAccess['files']>,
    add: (statement: PolicyStatement) => unknown,
  ): void {
    for (const [prefix, actions] of Object.entries(access)) {
      const objects = this.bucket.arnForObjects(`${prefix}/*`);
      add(new PolicyStatement({ actions: actions.map((action) => `s3:${action}`), resources: [objects] }));
      acknowledge(
        principal,
        wildcardResourceFinding(principal, objects),
        `File keys are made at run time (room, user and file ids); the grant is limited to the ${prefix}/ prefix of this bucket and these actions.`,
      );
    }
  }
}
