/**
 * Rotates the session-token secret: the Lambda function Secrets Manager calls on
 * the secret's rotation schedule (packages/infra), once per step, for one new
 * version (`ClientRequestToken`):
 *
 *   createSecret ─▶ a new random key as the AWSPENDING version
 *   setSecret    ─▶ nothing: no other system holds the key
 *   testSecret   ─▶ the pending key is readable and long enough
 *   finishSecret ─▶ AWSCURRENT moves to it; Secrets Manager labels the old one AWSPREVIOUS
 *
 * The functions sign with AWSCURRENT and verify with AWSCURRENT or AWSPREVIOUS
 * (token-key-ring.ts), so tokens issued before a rotation stay valid until the
 * next one: the rotation interval must exceed the longest token lifetime.
 * Every step is idempotent, as Secrets Manager may retry it.
 */
import { randomBytes } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { instrumented, tracer } from './runtime/observability.ts';
import { tokenKeyBytes } from './token-key-ring.ts';

/** The event Secrets Manager invokes a rotation function with. */
export interface RotationEvent {
  SecretId: string;
  ClientRequestToken: string;
  Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
}

/** 48 random bytes, 64 characters of base64url: the size of the secret the CDK app generates first. */
export function newTokenKey(): string {
  return randomBytes(48).toString('base64url');
}

const client = tracer.captureAWSv3Client(new SecretsManagerClient({}));

async function rotate({ SecretId, ClientRequestToken: version, Step }: RotationEvent): Promise<void> {
  const { RotationEnabled, VersionIdsToStages = {} } = await client.send(new DescribeSecretCommand({ SecretId }));
  if (!RotationEnabled) throw new Error(`Rotation is not enabled on ${SecretId}.`);
  const stages = VersionIdsToStages[version];
  if (!stages) throw new Error(`Version ${version} of ${SecretId} has no stage to rotate.`);
  // A retry after finishSecret succeeded.
  if (stages.includes('AWSCURRENT')) return;
  if (!stages.includes('AWSPENDING')) throw new Error(`Version ${version} of ${SecretId} is not AWSPENDING.`);

  switch (Step) {
    case 'createSecret':
      if (await pendingValue(SecretId, version)) return;
      await client.send(
        new PutSecretValueCommand({
          SecretId,
          ClientRequestToken: version,
          SecretString: newTokenKey(),
          VersionStages: ['AWSPENDING'],
        }),
      );
      return;
    case 'setSecret':
      return;
    case 'testSecret': {
      const value = await pendingValue(SecretId, version);
      if (value === undefined) throw new Error(`Version ${version} of ${SecretId} has no value.`);
      tokenKeyBytes(value);
      return;
    }
    case 'finishSecret': {
      const current = Object.entries(VersionIdsToStages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: version,
          ...(current && { RemoveFromVersionId: current }),
        }),
      );
      return;
    }
    default:
      throw new Error(`Unknown rotation step ${String(Step)}.`);
  }
}

async function pendingValue(secretId: string, version: string): Promise<string | undefined> {
  try {
    const { SecretString } = await client.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionId: version, VersionStage: 'AWSPENDING' }),
    );
    return SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

export const handler = instrumented('rotateTokenSecret', async (event: RotationEvent) => rotate(event));
