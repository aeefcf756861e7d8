/**
 * Test support: a local HTTP endpoint that records what AWS integrations send to a
 * service (SQS, Step Functions, ...) and answers as the service would. It is a
 * recorder, not an emulator: it checks each request's SigV4 signature with the AWS
 * SDK's own signer and keeps the request for the test to inspect, nothing more.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { EventRecorder } from './gateway-harness.ts';

export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The query string as received, still percent-encoded. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The service and region of the signature's credential scope. */
  scope: { service: string; region: string; accessKeyId: string };
  /** Whether the signature is the one the SDK's signer computes for these credentials. */
  signatureValid: boolean;
}

export interface AwsRecorder {
  /** `http://127.0.0.1:<port>` */
  url: string;
  calls: EventRecorder<RecordedCall>;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=[0-9a-f]{64}$/;

/** Starts a recorder on a free loopback port, closed after the test file. */
export async function startAwsRecorder(
  credentials: { accessKeyId: string; secretAccessKey: string },
  answer: (call: RecordedCall) => { status?: number; contentType: string; body: string },
): Promise<AwsRecorder> {
  const calls = new EventRecorder<RecordedCall>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const url = new URL(request.url ?? '/', 'http://recorder');
      const body = Buffer.concat(chunks).toString('utf8');
      const authorization = AUTHORIZATION.exec(String(request.headers.authorization ?? ''));
      const [, accessKeyId = '', region = '', service = '', signedHeaders = ''] = authorization ?? [];
      const call: RecordedCall = {
        method: request.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        rawQuery: url.search.slice(1),
        headers: request.headers,
        body,
        scope: { service, region, accessKeyId },
        signatureValid: false,
      };
      if (authorization && accessKeyId === credentials.accessKeyId) {
        call.signatureValid = await verify(call, signedHeaders.split(';'), credentials);
      }
      calls.record(call);
      const reply = answer(call);
      response.writeHead(reply.status ?? 200, { 'content-type': reply.contentType }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

async function verify(
  call: RecordedCall,
  signedHeaders: string[],
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<boolean> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = String(call.headers[name] ?? '');
  const query: Record<string, string> = {};
  for (const [name, value] of call.query) query[name] = value;
  const amzDate = headers['x-amz-date'] ?? '';
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const signer = new SignatureV4({
    credentials,
    region: call.scope.region,
    service: call.scope.service,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: call.method,
      protocol: 'http:',
      hostname: String(call.headers.host ?? ''),
      path: call.path,
      query,
      headers,
      body: call.body,
    },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  return signed.headers.authorization === call.headers.authorization;
}
