/**
 * Verifies AWS Signature Version 4 on `@connections` requests, so a gateway
 * reachable beyond loopback admits only callers holding the configured
 * credentials, as API Gateway admits only IAM-authorised callers (spec 3.1:
 * service `execute-api`). The signature is recomputed with the SDK's own signer.
 */

import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface SignedRequest {
  method: string;
  /** The path as received, still percent-encoded. */
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;
/** Signatures older or newer than this are refused, as AWS does (15 minutes). */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export async function verifySigV4(
  request: SignedRequest,
  credentials: Credentials,
  now = Date.now(),
): Promise<boolean> {
  const match = AUTHORIZATION.exec(String(request.headers.authorization ?? ''));
  if (!match) return false;
  const [, accessKeyId, , region, service, signedHeaderList, signature] = match as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId || service !== 'execute-api') return false;
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || Math.abs(now - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) return false;

  const signedHeaders = (signedHeaderList as string).split(';');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return false;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const signer = new SignatureV4({
    credentials,
    region: region as string,
    service: 'execute-api',
    sha256: Sha256,
    applyChecksum: signedHeaders.includes('x-amz-content-sha256'),
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: String(request.headers.host ?? ''),
      path: request.rawPath,
      query: parseQuery(request.rawQuery),
      headers,
      body: request.body.length > 0 ? request.body : undefined,
    },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ''))?.[1];
  return expected !== undefined && timingSafeEqualHex(expected, signature as string);
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

function parseQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const existing = query[key];
    query[key] = existing === undefined ? value : ([] as string[]).concat(existing, value);
  }
  return query;
}

function timingSafeEqualHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}
