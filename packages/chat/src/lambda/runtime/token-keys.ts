/**
 * The token service of the functions that sign or verify session tokens (the
 * authorizer and the HTTP API's): keys from the Secrets Manager secret named by
 * `TOKEN_SECRET_ARN` (token-key-ring.ts), read at cold start and cached; outside
 * AWS, a plain `TOKEN_SECRET`.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { resolveTokenSecret } from '../../accounts/secret.ts';
import { secretVersions } from '../../accounts/secret-versions.ts';
import { TokenService } from '../../accounts/tokens.ts';
import { LambdaEnvironment } from '../environment.ts';
import { SecretsManagerKeyRing } from '../token-key-ring.ts';
import { tracer } from './observability.ts';

let tokens: Promise<TokenService> | undefined;

/** The container's token service, built at first use. */
export function tokenService(): Promise<TokenService> {
  tokens ??= (async () => {
    const secretArn = process.env[LambdaEnvironment.tokenSecretArn];
    if (secretArn) {
      const client = tracer.captureAWSv3Client(new SecretsManagerClient({}));
      return new TokenService({ keys: new SecretsManagerKeyRing(secretVersions(client, secretArn)) });
    }
    const secret = process.env[LambdaEnvironment.tokenSecret];
    if (!secret) {
      throw new Error(
        `Neither ${LambdaEnvironment.tokenSecretArn} nor ${LambdaEnvironment.tokenSecret} is set; the CDK app (packages/infra) sets the first.`,
      );
    }
    return new TokenService({ secret: await resolveTokenSecret({ secret }) });
  })();
  return tokens;
}
