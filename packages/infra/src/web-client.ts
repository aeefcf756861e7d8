/**
 * The web client on a private S3 bucket behind CloudFront (origin access
 * control: only the distribution can read the bucket), with `config.json`
 * beside `index.html` telling the client where the WebSocket and HTTP APIs are
 * (packages/web/src/server-config.ts reads it).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/** `/config.json`: the shape packages/web/src/server-config.ts reads. */
export interface WebClientConfig {
  /** `wss://<api-id>.execute-api.<region>.amazonaws.com/<stage>` */
  webSocketUrl: string;
  /** `https://<api-id>.execute-api.<region>.amazonaws.com`, without a trailing slash. */
  httpApiUrl: string;
}

export interface WebClientProps {
  /** The built client (a directory with `index.html`). */
  webRoot: string;
  /** @default RemovalPolicy.DESTROY (the bucket is emptied first) */
  removalPolicy?: RemovalPolicy;
}

export class WebClient extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly #webRoot: string;

  constructor(scope: Construct, id: string, props: WebClientProps) {
    super(scope, id);
    if (!existsSync(join(props.webRoot, 'index.html'))) {
      throw new Error(
        `The web client is not built (no ${join(props.webRoot, 'index.html')}). Run npm run build --workspace @switchboard/web first.`,
      );
    }
    this.#webRoot = props.webRoot;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Switchboard chat web client',
      defaultRootObject: 'index.html',
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
      },
    });
  }

  /**
   * Uploads the client with its `config.json` (a separate step: the HTTP API's
   * CORS needs this distribution's URL before the config can name the HTTP API).
   */
  publish(config: WebClientConfig): void {
    new BucketDeployment(this, 'Deployment', {
      destinationBucket: this.bucket,
      sources: [Source.asset(this.#webRoot), Source.jsonData('config.json', config)],
      // A new deployment (and new endpoints in config.json) is visible at once.
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
  }

  /** `https://<distribution>.cloudfront.net` */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
