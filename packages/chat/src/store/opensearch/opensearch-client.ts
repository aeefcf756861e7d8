/**
 * JSON requests to an Amazon OpenSearch Serverless collection: HTTPS, signed
 * with SigV4 for the service `aoss`, which also wants the payload's SHA-256 in
 * `x-amz-content-sha256` (Amazon OpenSearch Service Developer Guide, "Signing
 * HTTP requests to Amazon OpenSearch Serverless"). Credentials come from the
 * default provider chain (on Lambda, the function's role). Each request has a
 * deadline, so a stalled collection fails the call instead of the function's
 * whole timeout.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export interface OpenSearchClientOptions {
  /** The collection endpoint, `https://<id>.<region>.aoss.amazonaws.com`. */
  endpoint: string;
  region: string;
  /** @default the AWS SDK's default provider chain */
  credentials?: AwsCredentialIdentityProvider;
  /** Longest wait for one answer. @default 5000 */
  timeoutMs?: number;
}

/** An answer other than 2xx; `type` is OpenSearch's error type when the body names one. */
export class OpenSearchError extends Error {
  readonly status: number;
  readonly type: string | undefined;

  constructor(status: number, type: string | undefined, detail: string) {
    super(`OpenSearch answered ${status}${type ? ` ${type}` : ''}: ${detail.slice(0, 300)}`);
    this.name = 'OpenSearchError';
    this.status = status;
    this.type = type;
  }
}

export class OpenSearchClient {
  readonly #endpoint: URL;
  readonly #signer: SignatureV4;
  readonly #timeoutMs: number;

  constructor(options: OpenSearchClientOptions) {
    this.#endpoint = new URL(options.endpoint);
    if (this.#endpoint.protocol !== 'https:')
      throw new Error(`The OpenSearch endpoint must be https, got ${options.endpoint}.`);
    this.#signer = new SignatureV4({
      service: 'aoss',
      region: options.region,
      credentials: options.credentials ?? defaultCredentials(),
      sha256: Sha256,
      applyChecksum: true,
    });
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Sends `body` (JSON text, or NDJSON for `_bulk`) and resolves to the parsed answer; rejects with `OpenSearchError` on a non-2xx. */
  async request<T>(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: string): Promise<T> {
    const url = new URL(path, this.#endpoint);
    const contentType = path.endsWith('/_bulk') ? 'application/x-ndjson' : 'application/json';
    const signed = await this.#signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host, ...(body === undefined ? {} : { 'content-type': contentType }) },
      body,
    });
    const response = await fetch(url, {
      method,
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new OpenSearchError(response.status, errorType(text), text);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/**
 * The SDK's default provider chain, loaded at the first signature rather than
 * at cold start: a function whose deployment searches the table never loads it.
 */
function defaultCredentials(): AwsCredentialIdentityProvider {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  return async () => {
    provider ??= import('@aws-sdk/credential-provider-node').then(({ defaultProvider }) => defaultProvider());
    return (await provider)();
  };
}

function errorType(text: string): string | undefined {
  try {
    const type = (JSON.parse(text) as { error?: { type?: unknown } }).error?.type;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}
