/**
 * The web client on a private S3 bucket behind CloudFront (origin access
 * control: only the distribution can read the bucket), with `config.json`
 * beside `index.html` telling the client where the WebSocket and HTTP APIs are
 * (packages/web/src/server-config.ts reads it).
 *
 * The bucket holds nothing but the build output, so it is emptied and deleted
 * with the stack whatever happens to the chat's data.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
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
import { Construct, type IConstruct } from 'constructs';
import { acknowledge, acknowledgeLibraryWildcards } from './compliance.ts';

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
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    acknowledge(
      this.bucket,
      'AwsSolutions-S1',
      'The bucket holds the built web client, readable by this distribution only (origin access control); it has no other reader whose access to log.',
    );
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
    acknowledgeDistribution(this.distribution);
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
    acknowledgeDeploymentHandler(Stack.of(this));
  }

  /** `https://<distribution>.cloudfront.net` */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}

function acknowledgeDistribution(distribution: Distribution): void {
  acknowledge(distribution, 'AwsSolutions-CFR1', 'The chat is for users anywhere: no country is excluded.');
  acknowledge(
    distribution,
    'AwsSolutions-CFR2',
    'The distribution serves public static files only; the APIs that take user input throttle per stage. A web ACL (from about $5 a month) can be attached where policy asks for one.',
  );
  acknowledge(
    distribution,
    'AwsSolutions-CFR3',
    'The distribution serves the static client only; every user action goes through the APIs, whose stages log each request. Standard logging would need an ACL-enabled log bucket.',
  );
  acknowledge(
    distribution,
    'AwsSolutions-CFR4',
    'The distribution uses the default *.cloudfront.net certificate, whose TLS policy CloudFront sets; a custom domain with its own certificate can require TLSv1.2_2021.',
  );
}

/**
 * The upload's handler is a singleton function that aws-cdk-lib adds to the
 * stack (`Custom::CDKBucketDeployment...`), with its runtime and policies.
 */
function acknowledgeDeploymentHandler(stack: Stack): void {
  const handlers = stack.node.children.filter((child: IConstruct) =>
    child.node.id.startsWith('Custom::CDKBucketDeployment'),
  );
  const owned = 'aws-cdk-lib owns this custom resource handler (it uploads the web client at deploy time)';
  for (const handler of handlers) {
    acknowledgeLibraryWildcards(handler, `${owned}: its policy lets it read the asset and write the web bucket.`);
    acknowledge(
      handler,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      `${owned}, with the basic execution role for its logs.`,
    );
    acknowledge(handler, 'AwsSolutions-L1', `${owned}, and pins the runtime it is tested on.`);
    acknowledge(handler, 'Serverless-LambdaLatestVersion', `${owned}, and pins the runtime it is tested on.`);
    acknowledge(handler, 'Serverless-LambdaDLQ', `${owned}; CloudFormation invokes it and reports its failures.`);
    acknowledge(
      handler,
      'Serverless-LambdaTracing',
      `${owned}; it runs once per deployment, outside the chat's requests.`,
    );
  }
}
