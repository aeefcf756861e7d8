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
 * prefixes named there (`grant`).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { FunctionAccess } from './chat-sources.ts';
import { acknowledge, wildcardResourceFinding } from './compliance.ts';

export interface ChatFilesProps {
  /** The web client's origin (`https://<distribution>.cloudfront.net`): the only one CORS allows. */
  allowOrigin: string;
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
          allowedOrigins: [props.allowOrigin],
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
    for (const [prefix, actions] of Object.entries(access)) {
      const objects = this.bucket.arnForObjects(`${prefix}/*`);
      fn.addToRolePolicy(
        new PolicyStatement({ actions: actions.map((action) => `s3:${action}`), resources: [objects] }),
      );
      // The finding is on the function's role, where the statement lands.
      acknowledge(
        fn.role ?? fn,
        wildcardResourceFinding(fn, objects),
        `File keys are made at run time (room, user and file ids); the grant is limited to the ${prefix}/ prefix of this bucket and these actions.`,
      );
    }
  }
}
