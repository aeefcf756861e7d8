/**
 * A local Secrets Manager for tests: the real AWS SDK client talks to it over
 * the service's JSON protocol on loopback (`AWS_ENDPOINT_URL_SECRETS_MANAGER`).
 * It keeps secrets with versions and staging labels the way the service
 * documents them: a label is on at most one version; moving AWSCURRENT gives the
 * version that had it the AWSPREVIOUS label; a rotation starts with an empty
 * AWSPENDING version that the rotation function fills.
 *
 * Operations: GetSecretValue, PutSecretValue, DescribeSecret,
 * UpdateSecretVersionStage; `create` and `startRotation` stand in for
 * CreateSecret and the service's side of RotateSecret.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Version {
  value?: string;
  stages: Set<string>;
}

interface StoredSecret {
  arn: string;
  name: string;
  versions: Map<string, Version>;
}

class ServiceError extends Error {
  constructor(
    readonly type: 'ResourceNotFoundException' | 'InvalidParameterException' | 'InvalidRequestException',
    message: string,
  ) {
    super(message);
  }
}

export class SecretsManagerLocal {
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #server: Server;
  /** Calls received, by operation name. */
  readonly calls: string[] = [];

  private constructor() {
    this.#server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const operation = String(request.headers['x-amz-target'] ?? '').replace('secretsmanager.', '');
        this.calls.push(operation);
        try {
          const answer = this.#handle(operation, JSON.parse(body || '{}') as Record<string, unknown>);
          response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer));
        } catch (error) {
          const failure =
            error instanceof ServiceError ? error : new ServiceError('InvalidRequestException', String(error));
          response
            .writeHead(400, { 'content-type': 'application/x-amz-json-1.1' })
            .end(JSON.stringify({ __type: failure.type, message: failure.message }));
        }
      });
    });
  }

  static async start(): Promise<SecretsManagerLocal> {
    const local = new SecretsManagerLocal();
    await new Promise<void>((resolve) => local.#server.listen(0, '127.0.0.1', resolve));
    return local;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** A new secret whose first version (AWSCURRENT) holds `value`; resolves with its ARN. */
  create(name: string, value: string): string {
    const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-${randomUUID().slice(0, 6)}`;
    this.#secrets.set(arn, {
      arn,
      name,
      versions: new Map([[randomUUID(), { value, stages: new Set(['AWSCURRENT']) }]]),
    });
    return arn;
  }

  /** What RotateSecret does before calling the rotation function: an empty AWSPENDING version. */
  startRotation(secretId: string): string {
    const secret = this.#secret(secretId);
    const token = randomUUID();
    this.#label(secret, token, 'AWSPENDING');
    secret.versions.set(token, { stages: new Set(['AWSPENDING']) });
    return token;
  }

  /** The version id that carries `stage`. */
  versionWith(secretId: string, stage: string): string | undefined {
    return [...this.#secret(secretId).versions].find(([, version]) => version.stages.has(stage))?.[0];
  }

  #handle(operation: string, input: Record<string, unknown>): object {
    const secret = this.#secret(String(input.SecretId));
    switch (operation) {
      case 'GetSecretValue': {
        const stage = input.VersionStage as string | undefined;
        const id = (input.VersionId as string | undefined) ?? this.versionWith(secret.arn, stage ?? 'AWSCURRENT');
        const version = id === undefined ? undefined : secret.versions.get(id);
        if (!version || version.value === undefined || (stage && !version.stages.has(stage))) {
          throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value.");
        }
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: id,
          SecretString: version.value,
          VersionStages: [...version.stages],
        };
      }
      case 'PutSecretValue': {
        const token = String(input.ClientRequestToken);
        const stages = (input.VersionStages as string[] | undefined) ?? ['AWSCURRENT'];
        const existing = secret.versions.get(token);
        if (existing?.value !== undefined && existing.value !== input.SecretString) {
          throw new ServiceError('InvalidRequestException', 'A version with this token holds another value.');
        }
        secret.versions.set(token, { value: String(input.SecretString), stages: existing?.stages ?? new Set() });
        for (const stage of stages) this.#label(secret, token, stage);
        return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: stages };
      }
      case 'DescribeSecret':
        return {
          ARN: secret.arn,
          Name: secret.name,
          RotationEnabled: true,
          VersionIdsToStages: Object.fromEntries(
            [...secret.versions].filter(([, v]) => v.stages.size > 0).map(([id, v]) => [id, [...v.stages]]),
          ),
        };
      case 'UpdateSecretVersionStage': {
        const stage = String(input.VersionStage);
        const from = input.RemoveFromVersionId as string | undefined;
        if (from !== undefined && !secret.versions.get(from)?.stages.has(stage)) {
          throw new ServiceError('InvalidParameterException', `The label ${stage} is not on version ${from}.`);
        }
        const to = String(input.MoveToVersionId);
        if (!secret.versions.has(to)) throw new ServiceError('ResourceNotFoundException', `No version ${to}.`);
        this.#label(secret, to, stage);
        // Rotation is complete once the pending version is current.
        if (stage === 'AWSCURRENT') secret.versions.get(to)!.stages.delete('AWSPENDING');
        return { ARN: secret.arn, Name: secret.name };
      }
      default:
        throw new ServiceError('InvalidRequestException', `Unsupported operation ${operation}.`);
    }
  }

  #secret(id: string): StoredSecret {
    const secret = this.#secrets.get(id) ?? [...this.#secrets.values()].find((s) => s.name === id);
    if (!secret)
      throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /** Puts `stage` on version `id` and off every other; moving AWSCURRENT labels the old current AWSPREVIOUS. */
  #label(secret: StoredSecret, id: string, stage: string): void {
    for (const [otherId, version] of secret.versions) {
      if (otherId === id || !version.stages.has(stage)) continue;
      version.stages.delete(stage);
      if (stage === 'AWSCURRENT') this.#label(secret, otherId, 'AWSPREVIOUS');
    }
    secret.versions.get(id)?.stages.add(stage);
  }
}
