/**
 * The Switchboard chat as containers: the chat server (the repository's
 * Dockerfile, the same program as `npm start`) on ECS Fargate behind an
 * Application Load Balancer, as a cluster of nodes over ElastiCache Redis, on
 * the DynamoDB table of the serverless stack's design (or Aurora PostgreSQL
 * Serverless v2 with `database: 'aurora'`).
 *
 *   browser ──https/wss──▶ ALB (public subnets) ──▶ tasks :8080 (private subnets) ─┬─▶ DynamoDB (gateway endpoint) | Aurora
 *                                                                                 ├─▶ ElastiCache Redis, TLS + AUTH (isolated subnets)
 *                                                                                 ├─▶ S3 files bucket (gateway endpoint)
 *                                                                                 └─▶ Secrets Manager (token keys)
 *   browser ──https──▶ S3 files bucket, with URLs the tasks presigned (chat-files.ts; CORS: `webOrigin`)
 *   table stream ──▶ search indexer (Lambda, as in the serverless stack) ──▶ the table's word index
 *
 * The management plane stays in the task: each node serves `@connections`,
 * `@channels` and `/metrics` on 127.0.0.1 only (MANAGEMENT_PORT, bound to loopback
 * whatever the settings say), and the load balancer forwards to the public port
 * 8080 alone, so no request from outside can reach it. The listener also answers
 * those paths itself (403), before any target sees them. Nodes reach each other's
 * connections over Redis, not over the network: no sticky sessions are needed.
 *
 * Health: the load balancer checks `/readyz` (the store and Redis answer), ECS
 * restarts a task whose `/healthz` fails (the process no longer serves). A task
 * being replaced drains on SIGTERM: it stops taking connections, closes the open
 * ones with 1001 (clients reconnect through the load balancer to another task)
 * and finishes running handlers within the stop timeout.
 *
 * Secrets: the token keys are a rotated Secrets Manager secret the tasks read
 * (CHAT_TOKEN_SECRET_ARN), never an environment value; the Redis AUTH token and
 * the database password reach the container from Secrets Manager through ECS.
 * Data outlives the stack as in the serverless one unless `destroyData` is set.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnScalingPolicy, type ScalableTarget } from 'aws-cdk-lib/aws-applicationautoscaling';
import { GatewayVpcEndpointAwsService, Port, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  Secret as ContainerSecret,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import { CfnReplicationGroup, CfnSubnetGroup } from 'aws-cdk-lib/aws-elasticache';
import {
  ApplicationLoadBalancer,
  ApplicationProtocol,
  ApplicationTargetGroup,
  type IApplicationListener,
  ListenerAction,
  ListenerCertificate,
  ListenerCondition,
  SslPolicy,
  TargetType,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  AuroraPostgresEngineVersion,
  ClusterInstance,
  Credentials,
  DatabaseCluster,
  DatabaseClusterEngine,
} from 'aws-cdk-lib/aws-rds';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ChatFiles } from './chat-files.ts';
import { ChatFunction } from './chat-function.ts';
import {
  functionAccess,
  LambdaEnvironment,
  lambdaEntryPoints,
  repositoryRoot,
  type TableAction,
} from './chat-sources.ts';
import { ChatTable } from './chat-table.ts';
import { acknowledge, acknowledgeLibraryWildcards } from './compliance.ts';
import { ContainerMonitoring } from './container-monitoring.ts';
import { SearchIndexing, searchIndexerFunctionProps } from './search-indexing.ts';
import { addTokenKeySecret } from './token-key-secret.ts';

/** Where the chat keeps its data. */
export type ContainerDatabase = 'dynamodb' | 'aurora';

export interface ChatContainerStackProps extends StackProps {
  /** @default 'dynamodb' (the serverless stack's table design, with its stream-fed search index) */
  database?: ContainerDatabase;
  /**
   * Let `cdk destroy` delete the table or the database, and the token secret: for
   * throwaway stacks. @default false: they are retained (Aurora: a final snapshot)
   */
  destroyData?: boolean;
  /**
   * An ACM certificate for the load balancer's domain: HTTPS (and WSS) on 443, and
   * port 80 redirects there. Without it the listener is plain HTTP on port 80, for
   * trials only (tokens and passwords would cross the internet in clear text).
   * @default none: HTTP on 80
   */
  certificateArn?: string;
  /**
   * The origin users open the chat at (`https://chat.example.com`, the certificate's
   * domain): the files bucket lets pages upload from this origin only. Required with
   * `certificateArn`. @default without a certificate, the load balancer's own address
   * (`http://*.<region>.elb.amazonaws.com`: S3's CORS matches one wildcard, and the
   * generated name is only known once deployed)
   */
  webOrigin?: string;
  /** Tasks the service keeps running, whatever the load. @default 2 (one per Availability Zone) */
  minTasks?: number;
  /** @default 10 */
  maxTasks?: number;
  /** Open WebSocket connections per task that autoscaling aims at. @default 5000 */
  connectionsPerTask?: number;
  /** An address subscribed to the alarm topic (it must confirm). @default none */
  alarmEmail?: string;
  /**
   * Usernames of the chat's server admins (`CHAT_ADMINS`): they deactivate
   * accounts and read every room's moderation log. Not a secret: an admin still
   * signs in with their own password. @default none
   */
  serverAdmins?: readonly string[];
  /** The directory with the Dockerfile (the image's build context). @default the repository root */
  imageDirectory?: string;
  /** How often the token secret rotates (more than 7 days). @default 30 days */
  tokenKeyRotation?: Duration;
}

/** The container's public port: the web client, /api, /ws, /healthz, /readyz. */
export const CHAT_PORT = 8080;
/** ElastiCache Redis with TLS listens here. */
const REDIS_PORT = 6379;
/** Aurora PostgreSQL listens here. */
const DATABASE_PORT = 5432;
/** Where the image keeps the RDS certificate authorities (Dockerfile), for `sslmode=verify-full`. */
const RDS_CA_BUNDLE = '/etc/ssl/certs/rds-global-bundle.pem';

/**
 * The image's liveness check (the Dockerfile's HEALTHCHECK, which ECS does not
 * read from the image): `/healthz` answers while the process serves HTTP.
 */
export const LIVENESS_CHECK = [
  'node',
  '-e',
  "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
];

/**
 * Management paths the listener refuses itself (ALB path patterns are
 * case-sensitive and match the path as sent, so the percent-encoded `@` too).
 * The tasks would refuse them as well (403 on the public port); this keeps them
 * off the targets altogether.
 */
export const MANAGEMENT_PATH_PATTERNS = [
  '*/@connections*',
  '*/%40connections*',
  '*/@channels*',
  '*/%40channels*',
  '/metrics*',
];

/**
 * Above the gateway's 10-minute idle timeout (API Gateway's, spec section 4), so
 * an idle client is closed by the gateway with a close frame the client
 * understands rather than cut by the load balancer.
 */
const LOAD_BALANCER_IDLE_TIMEOUT = Duration.minutes(11);

/** Every action the DynamoDB store performs (a task runs all of the chat, not one route). */
const STORE_ACTIONS = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'ConditionCheckItem',
] as const satisfies readonly TableAction[];

export class ChatContainerStack extends Stack {
  readonly vpc: Vpc;
  readonly loadBalancer: ApplicationLoadBalancer;
  readonly listener: IApplicationListener;
  readonly service: FargateService;
  /** The DynamoDB table, unless `database` is `aurora`. */
  readonly table?: ChatTable;
  /** The stream indexer of the table's search index, unless `database` is `aurora`. */
  readonly searchIndexing?: SearchIndexing;
  /** The Aurora cluster, with `database: 'aurora'`. */
  readonly database?: DatabaseCluster;
  readonly redis: CfnReplicationGroup;
  /** The bucket of attached files (chat-files.ts). */
  readonly files: ChatFiles;

  constructor(scope: Construct, id: string, props: ChatContainerStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.destroyData ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const webOrigins = [webOriginOf(props, this)];
    const minTasks = props.minTasks ?? 2;
    const maxTasks = props.maxTasks ?? 10;
    if (!(Number.isInteger(minTasks) && minTasks >= 1 && maxTasks >= minTasks)) {
      throw new Error(`minTasks must be at least 1 and at most maxTasks, got ${minTasks} and ${maxTasks}.`);
    }

    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      // One NAT gateway: the tasks reach ECR, CloudWatch Logs and Secrets Manager through it.
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'tasks', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: { all: {} },
    });
    // DynamoDB and S3 traffic stays in the VPC (and costs no NAT data processing).
    this.vpc.addGatewayEndpoint('DynamoDb', { service: GatewayVpcEndpointAwsService.DYNAMODB });
    this.vpc.addGatewayEndpoint('S3', { service: GatewayVpcEndpointAwsService.S3 });

    const { secret: tokenSecret } = addTokenKeySecret(this, {
      removalPolicy,
      rotation: props.tokenKeyRotation,
      serviceName: this.stackName,
    });

    // Redis: the gateway's cluster (channels, the connection directory, node liveness). Nothing in
    // it outlives a restart of every node, so it is not backed up.
    const redisAuth = new Secret(this, 'RedisAuthToken', {
      description: 'AUTH token of the Switchboard chat cluster Redis',
      // ElastiCache takes 16 to 128 printable characters without @, " or /.
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledge(
      redisAuth,
      'AwsSolutions-SMG4',
      'Rotating an ElastiCache AUTH token is a two-step ModifyReplicationGroup (ROTATE, then SET) with a task restart in between, which Secrets Manager rotation cannot order; docs/operations.md gives the procedure.',
    );
    const redisSecurityGroup = new SecurityGroup(this, 'RedisSecurityGroup', {
      vpc: this.vpc,
      description: 'Switchboard chat Redis: the chat tasks only',
      allowAllOutbound: false,
    });
    const redisSubnets = new CfnSubnetGroup(this, 'RedisSubnets', {
      description: 'Switchboard chat Redis (isolated subnets)',
      subnetIds: this.vpc.selectSubnets({ subnetType: SubnetType.PRIVATE_ISOLATED }).subnetIds,
    });
    this.redis = new CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: 'Switchboard chat cluster: channels, connection directory, node liveness',
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: 'cache.t4g.small',
      numNodeGroups: 1,
      replicasPerNodeGroup: 1,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      // A dynamic reference, resolved by CloudFormation: the token is in no template.
      authToken: redisAuth.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: redisSubnets.ref,
      securityGroupIds: [redisSecurityGroup.securityGroupId],
      port: REDIS_PORT,
    });
    acknowledge(
      this.redis,
      'AwsSolutions-AEC5',
      'The default port is kept: only the chat tasks security group may connect, and TLS with AUTH is required.',
    );

    const cluster = new Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ContainerInsights.ENABLED,
    });
    const logGroup = new LogGroup(this, 'ChatLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const task = new FargateTaskDefinition(this, 'Task', {
      cpu: 1024,
      memoryLimitMiB: 2048,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.ARM64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
      // The root file system is read-only; these are the only writable places.
      volumes: [{ name: 'tmp' }, { name: 'data' }],
    });

    const environment: Record<string, string> = {
      REDIS_URL: `rediss://${this.redis.attrPrimaryEndPointAddress}:${REDIS_PORT}`,
      CHAT_TOKEN_SECRET_ARN: tokenSecret.secretArn,
      // The load balancer's X-Forwarded-For names the client, for the per-address rate limits.
      TRUSTED_PROXIES: this.vpc.vpcCidrBlock,
      ...(props.serverAdmins?.length && { CHAT_ADMINS: props.serverAdmins.join(',') }),
    };
    // Attached files: a cluster needs one place every task reaches (docs/operations.md, "Files").
    this.files = new ChatFiles(this, 'Files', { allowOrigins: webOrigins, removalPolicy });
    environment.FILES_S3_BUCKET = this.files.bucket.bucketName;
    const secrets: Record<string, ContainerSecret> = { REDIS_PASSWORD: ContainerSecret.fromSecretsManager(redisAuth) };
    let databaseSecurityGroup: SecurityGroup | undefined;
    let searchIndexer: ChatFunction | undefined;
    if (props.database === 'aurora') {
      databaseSecurityGroup = new SecurityGroup(this, 'DatabaseSecurityGroup', {
        vpc: this.vpc,
        description: 'Switchboard chat database: the chat tasks only',
        allowAllOutbound: false,
      });
      this.database = new DatabaseCluster(this, 'Database', {
        engine: DatabaseClusterEngine.auroraPostgres({ version: AuroraPostgresEngineVersion.VER_17_6 }),
        writer: ClusterInstance.serverlessV2('Writer'),
        // A reader in the other zone takes over within a minute if the writer's zone fails.
        readers: [ClusterInstance.serverlessV2('Reader', { scaleWithWriter: true })],
        serverlessV2MinCapacity: 0.5,
        serverlessV2MaxCapacity: 16,
        vpc: this.vpc,
        vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
        securityGroups: [databaseSecurityGroup],
        port: DATABASE_PORT,
        credentials: Credentials.fromGeneratedSecret('chat'),
        defaultDatabaseName: 'chat',
        storageEncrypted: true,
        deletionProtection: !props.destroyData,
        removalPolicy: props.destroyData ? RemovalPolicy.DESTROY : RemovalPolicy.SNAPSHOT,
        backup: { retention: Duration.days(14) },
        cloudwatchLogsExports: ['postgresql'],
        cloudwatchLogsRetention: RetentionDays.ONE_MONTH,
      });
      acknowledge(
        this.database,
        'AwsSolutions-RDS6',
        'The chat connects with a password from Secrets Manager (a pool of long-lived connections); IAM tokens expire every 15 minutes, which its pool does not renew.',
      );
      acknowledge(
        this.database,
        'AwsSolutions-RDS11',
        'The default port is kept: only the chat tasks security group may connect, and TLS is verified (sslmode=verify-full).',
      );
      acknowledge(
        this.database.node.findChild('Secret'),
        'AwsSolutions-SMG4',
        'ECS injects the password at task start, so a rotation takes effect only with new tasks: rotate with a forced new deployment right after (docs/operations.md).',
      );
      acknowledgeLogRetentionHandler(this);
      Object.assign(environment, {
        DATABASE_URL: `postgres://chat@${this.database.clusterEndpoint.hostname}:${DATABASE_PORT}/chat?sslmode=verify-full`,
        // Node trusts the RDS certificate authorities the image carries, for verify-full.
        NODE_EXTRA_CA_CERTS: RDS_CA_BUNDLE,
      });
      secrets.DATABASE_PASSWORD = ContainerSecret.fromSecretsManager(this.database.secret!, 'password');
    } else {
      this.table = new ChatTable(this, 'Chat', { removalPolicy });
      environment.DYNAMODB_TABLE = this.table.table.tableName;
      // Search reads the word index the serverless stack's indexer writes from the table's stream.
      searchIndexer = new ChatFunction(this, 'SearchIndexer', {
        entry: lambdaEntryPoints.searchIndexer,
        environment: {
          [LambdaEnvironment.serviceName]: this.stackName,
          [LambdaEnvironment.tableName]: this.table.table.tableName,
        },
        ...searchIndexerFunctionProps,
      });
      this.table.grant(searchIndexer, functionAccess.searchIndexer.table, {
        indexes: functionAccess.searchIndexer.indexes,
      });
      this.searchIndexing = new SearchIndexing(this, 'SearchIndexing', {
        table: this.table.table,
        indexer: searchIndexer,
      });
    }

    const container = task.addContainer('Chat', {
      image: ContainerImage.fromAsset(props.imageDirectory ?? repositoryRoot, {
        file: 'Dockerfile',
        platform: Platform.LINUX_ARM64,
      }),
      environment,
      secrets,
      portMappings: [{ containerPort: CHAT_PORT, name: 'public' }],
      logging: LogDrivers.awsLogs({ logGroup, streamPrefix: 'chat' }),
      readonlyRootFilesystem: true,
      healthCheck: {
        command: ['CMD', ...LIVENESS_CHECK],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      // Room for the drain: handlers finish (10 s by default) after the clients are told to reconnect.
      stopTimeout: Duration.seconds(60),
    });
    container.addMountPoints(
      { sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false },
      { sourceVolume: 'data', containerPath: '/data', readOnly: false },
    );
    acknowledge(
      task,
      'AwsSolutions-ECS2',
      'The environment holds only names and addresses (table, Redis endpoint, secret ARN, VPC range); the Redis AUTH token and the database password are ECS secrets from Secrets Manager.',
    );
    acknowledge(
      task.obtainExecutionRole(),
      'AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken, which ECS needs to pull the image, supports no resource-level permissions (the pull itself is limited to the asset repository).',
    );
    this.table?.grant(task.taskRole, STORE_ACTIONS, { indexes: true });
    this.files.grantTasks(task.taskRole);
    // Reading a version's value is all the key ring does (lambda/token-key-ring.ts).
    task.taskRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [tokenSecret.secretArn] }),
    );

    this.service = new FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount: minTasks,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
    });
    this.service.connections.allowTo(redisSecurityGroup, Port.tcp(REDIS_PORT), 'the chat tasks to Redis');
    if (databaseSecurityGroup) {
      this.service.connections.allowTo(databaseSecurityGroup, Port.tcp(DATABASE_PORT), 'the chat tasks to Aurora');
    }

    const accessLogs = new Bucket(this, 'LoadBalancerLogs', {
      // Load balancer access logs support only S3-managed keys.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      accessLogs,
      'AwsSolutions-S1',
      'This bucket receives the load balancer access logs; logging access to it would log those writes again.',
    );
    this.loadBalancer = new ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      idleTimeout: LOAD_BALANCER_IDLE_TIMEOUT,
      dropInvalidHeaderFields: true,
    });
    this.loadBalancer.logAccessLogs(accessLogs, 'load-balancer');
    acknowledge(
      this.loadBalancer.connections.securityGroups[0]!,
      'AwsSolutions-EC23',
      'The public load balancer takes connections from any client address on its listener ports; the tasks accept only the load balancer.',
    );

    const targets = new ApplicationTargetGroup(this, 'Targets', {
      vpc: this.vpc,
      port: CHAT_PORT,
      protocol: ApplicationProtocol.HTTP,
      targetType: TargetType.IP,
      targets: [this.service.loadBalancerTarget({ containerName: container.containerName, containerPort: CHAT_PORT })],
      healthCheck: {
        path: '/readyz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      // The tasks close their connections themselves on SIGTERM; new ones stop at deregistration.
      deregistrationDelay: Duration.seconds(30),
    });
    this.listener = props.certificateArn
      ? this.loadBalancer.addListener('Https', {
          port: 443,
          protocol: ApplicationProtocol.HTTPS,
          certificates: [ListenerCertificate.fromArn(props.certificateArn)],
          sslPolicy: SslPolicy.RECOMMENDED_TLS,
          defaultAction: ListenerAction.forward([targets]),
        })
      : this.loadBalancer.addListener('Http', {
          port: 80,
          protocol: ApplicationProtocol.HTTP,
          defaultAction: ListenerAction.forward([targets]),
        });
    if (props.certificateArn) this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    this.listener.addAction('ManagementPaths', {
      priority: 1,
      conditions: [ListenerCondition.pathPatterns(MANAGEMENT_PATH_PATTERNS)],
      action: ListenerAction.fixedResponse(403, {
        contentType: 'application/json',
        messageBody: '{"message":"Forbidden"}',
      }),
    });

    const scaling = this.service.autoScaleTaskCount({ minCapacity: minTasks, maxCapacity: maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleOutCooldown: Duration.minutes(2),
      scaleInCooldown: Duration.minutes(10),
    });
    // Target tracking on connections per task: a metric-math expression, which CloudFormation
    // takes (CustomizedMetricSpecification.Metrics) and the L2 construct does not yet.
    const scalableTarget = scaling.node.findChild('Target') as ScalableTarget;
    const metric = (namespace: string, metricName: string, dimensions: Record<string, string>, stat: string) => ({
      metric: {
        namespace,
        metricName,
        dimensions: Object.entries(dimensions).map(([name, value]) => ({ name, value })),
      },
      stat,
    });
    new CfnScalingPolicy(this, 'ConnectionsScaling', {
      policyName: 'connections-per-task',
      policyType: 'TargetTrackingScaling',
      scalingTargetId: scalableTarget.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.connectionsPerTask ?? 5000,
        scaleOutCooldown: 120,
        // Scaling in closes a task's connections (they reconnect elsewhere): slowly.
        scaleInCooldown: 900,
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'connections',
              metricStat: metric(
                'AWS/ApplicationELB',
                'ActiveConnectionCount',
                { LoadBalancer: this.loadBalancer.loadBalancerFullName },
                'Sum',
              ),
              returnData: false,
            },
            {
              id: 'tasks',
              metricStat: metric(
                'ECS/ContainerInsights',
                'RunningTaskCount',
                { ClusterName: cluster.clusterName, ServiceName: this.service.serviceName },
                'Average',
              ),
              returnData: false,
            },
            {
              id: 'perTask',
              // ActiveConnectionCount counts both halves of each proxied connection (client and target side).
              expression: 'connections / 2 / tasks',
              label: 'WebSocket connections per task',
              returnData: true,
            },
          ],
        },
      },
    });

    const monitoring = new ContainerMonitoring(this, 'Monitoring', {
      loadBalancer: this.loadBalancer,
      targets,
      service: this.service,
      redis: this.redis,
      ...(searchIndexer &&
        this.searchIndexing && {
          searchIndexer: { fn: searchIndexer, failedBatches: this.searchIndexing.failedBatches },
        }),
      alarmEmail: props.alarmEmail,
    });

    const scheme = props.certificateArn ? 'https' : 'http';
    new CfnOutput(this, 'Url', {
      description: 'The chat (point your domain at the load balancer for HTTPS)',
      value: `${scheme}://${this.loadBalancer.loadBalancerDnsName}`,
    });
    new CfnOutput(this, 'AlarmTopic', {
      description: 'Subscribe to the alarm notifications here',
      value: monitoring.topic.topicArn,
    });
  }
}

/**
 * The log retention of the database's exported logs is set by a singleton
 * function that aws-cdk-lib adds to the stack (`LogRetention...`), with its own
 * policies.
 */
function acknowledgeLogRetentionHandler(stack: Stack): void {
  const owned = 'aws-cdk-lib owns this function (it sets the retention of the log group RDS creates for exported logs)';
  for (const handler of stack.node.children.filter((child) => child.node.id.startsWith('LogRetention'))) {
    acknowledgeLibraryWildcards(handler, `${owned}: it may set the retention of any log group.`);
    acknowledge(
      handler,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      `${owned}, with the basic execution role for its logs.`,
    );
  }
}

/** The origin the files bucket's CORS allows (`webOrigin`), checked. */
function webOriginOf(props: ChatContainerStackProps, stack: Stack): string {
  const { webOrigin, certificateArn } = props;
  if (webOrigin === undefined) {
    if (certificateArn) {
      throw new Error(
        'With a certificate, give the origin users open the chat at (webOrigin, e.g. -c webOrigin=https://chat.example.com): the files bucket lets pages upload from it only.',
      );
    }
    return `http://*.${stack.region}.elb.${stack.urlSuffix}`;
  }
  const url = URL.canParse(webOrigin) ? new URL(webOrigin) : undefined;
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== webOrigin) {
    throw new Error(
      `webOrigin must be an origin, a scheme and a host in lower case without a path (https://chat.example.com), got ${JSON.stringify(webOrigin)}.`,
    );
  }
  return webOrigin;
}
