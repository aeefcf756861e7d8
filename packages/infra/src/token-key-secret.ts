/**
 * The Secrets Manager secret whose versions are the chat's token keys, with its
 * rotation: a new random key every `rotation` (lambda/rotation.ts); `AWSCURRENT`
 * signs, it and `AWSPREVIOUS` verify, so a rotation signs nobody out as long as
 * the interval exceeds the longest token lifetime. Both stacks make theirs here
 * (the serverless one's functions and the container's tasks read it the same way).
 *
 * A function rather than a construct: the secret and the rotation function keep
 * the logical ids they had in the serverless stack, so updating a deployed stack
 * never replaces (and so never loses) the keys.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ChatFunction } from './chat-function.ts';
import { LambdaEnvironment, lambdaEntryPoints } from './chat-sources.ts';
import { acknowledge } from './compliance.ts';

export interface TokenKeySecretProps {
  /** Whether `cdk destroy` deletes the keys (every session token then stops working). */
  removalPolicy: RemovalPolicy;
  /** @default 30 days */
  rotation?: Duration;
  /** The rotation function's Powertools service name (the stack's name). */
  serviceName: string;
}

/** A registered user's token lives 7 days (accounts/tokens.ts); rotating faster would sign users out early. */
const LONGEST_TOKEN_LIFETIME = Duration.days(7);

/** Adds `TokenSecret` and `TokenKeyRotation` (with their rotation schedule) to `scope`. */
export function addTokenKeySecret(
  scope: Construct,
  props: TokenKeySecretProps,
): { secret: Secret; rotationFunction: ChatFunction } {
  const secret = new Secret(scope, 'TokenSecret', {
    description: 'Signs the Switchboard chat session tokens (rotated; the previous version still verifies)',
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
    removalPolicy: props.removalPolicy,
  });
  const rotation = props.rotation ?? Duration.days(30);
  if (rotation.toSeconds() <= LONGEST_TOKEN_LIFETIME.toSeconds()) {
    throw new Error(
      `tokenKeyRotation must exceed the longest token lifetime (7 days), got ${rotation.toHumanString()}.`,
    );
  }
  const rotationFunction = new ChatFunction(scope, 'TokenKeyRotation', {
    entry: lambdaEntryPoints.rotation,
    environment: { [LambdaEnvironment.serviceName]: props.serviceName },
    invokedBy: 'Secrets Manager',
  });
  secret.addRotationSchedule('Rotation', { rotationLambda: rotationFunction, automaticallyAfter: rotation });
  acknowledge(
    rotationFunction.role!,
    'AwsSolutions-IAM5[Resource::*]',
    'X-Ray PutTraceSegments and PutTelemetryRecords, and secretsmanager:GetRandomPassword (added by the rotation schedule; the function makes keys with node:crypto), support no resource-level permissions.',
  );
  return { secret, rotationFunction };
}
