/**
 * The versions of one Secrets Manager secret, by staging label: where the token
 * key ring (lambda/token-key-ring.ts) reads its keys, in the Lambda functions and
 * in the chat server started with `CHAT_TOKEN_SECRET_ARN`.
 */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretVersionSource } from '../lambda/token-key-ring.ts';

/** The versions of `secretId` through the Secrets Manager API; `undefined` for a label no version carries. */
export function secretVersions(client: SecretsManagerClient, secretId: string): SecretVersionSource {
  return async (stage) => {
    try {
      const { VersionId, SecretString } = await client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }),
      );
      if (!VersionId || SecretString === undefined) throw new Error(`The token secret's ${stage} version has no text.`);
      return { versionId: VersionId, value: SecretString };
    } catch (error) {
      // No version carries the label (AWSPREVIOUS before the first rotation).
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  };
}
