/**
 * `AWS` integrations to a service action (spec 7): the request template's output is
 * sent to the service, signed with SigV4, and the answer goes through the integration
 * responses (selected by its status, as for HTTP).
 *
 * The integration URI names the call in one of two forms:
 *
 * - `arn:aws:apigateway:{region}:{service}:action/{Action}`: the service's own protocol.
 *   JSON services (DynamoDB, Kinesis, Step Functions, EventBridge) get `POST /` with
 *   `X-Amz-Target: {prefix}.{Action}` and their `application/x-amz-json-1.x` content
 *   type; query services (SQS, SNS) get `POST /?Action={Action}&Version={version}` with
 *   the template as an `application/x-www-form-urlencoded` body (`MessageBody=...`), the
 *   form templates written for API Gateway use.
 * - `arn:aws:apigateway:{region}:{service}:path/{path}`: `{method} /{path}` with the
 *   template as the body; `requestParameters` set its headers (`Content-Type`, ...)
 *   and query string, `application/json` being the content type when none is mapped.
 *
 * Calls go to `awsServices.endpoints[service]` (no default: nothing reaches real AWS
 * unless it is configured), signed for the URI's region and service with
 * `awsServices.credentials`.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsIntegrationDefinition } from '../definition.ts';
import { ConfigError } from '../errors.ts';
import { DEFAULT_MAX_RESPONSE_BYTES, sendBackendRequest } from './backend-request.ts';
import type { Integration } from './integration.ts';
import type { Backend, NonProxySettings } from './non-proxy-integration.ts';
import { nonProxyIntegration } from './non-proxy-integration.ts';
import { compileRequestParameters } from './request-parameters.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsServiceSettings extends NonProxySettings {
  /** Endpoint per service name (`awsServices.endpoints`). */
  endpoints: Record<string, string>;
  /** What calls are signed with; undefined stops start-up with a ConfigError naming the route. */
  credentials: AwsCredentials | undefined;
  /** @default 1048576 */
  maxResponseBytes?: number;
}

/** How a service's `action/` form is sent: its JSON protocol's target prefix and version, or the query protocol's API version. */
type ActionProtocol = { json: string; contentType: string } | { queryVersion: string };

/** The services whose `action/` form the gateway knows how to send (the set). */
export const ACTION_PROTOCOLS: Readonly<Record<string, ActionProtocol>> = {
  dynamodb: { json: 'DynamoDB_20120810', contentType: 'application/x-amz-json-1.0' },
  kinesis: { json: 'Kinesis_20131202', contentType: 'application/x-amz-json-1.1' },
  states: { json: 'AWSStepFunctions', contentType: 'application/x-amz-json-1.0' },
  events: { json: 'AWSEvents', contentType: 'application/x-amz-json-1.1' },
  sqs: { queryVersion: '2012-11-05' },
  sns: { queryVersion: '2010-03-31' },
};

/** The parts of an integration URI. */
export interface ServiceUri {
  region: string;
  /** The service as the URI names it, e.g. `dynamodb`; also the SigV4 signing name. */
  service: string;
  kind: 'action' | 'path';
  /** The action name, or the path without its leading slash. */
  target: string;
}

const SERVICE_URI = /^arn:aws[a-z-]*:apigateway:([a-z0-9-]+):(?:[A-Za-z0-9-]+\.)?([a-z0-9-]+):(action|path)\/(.+)$/;

/** Parses an `arn:aws:apigateway:...` URI; undefined when it is not one. */
export function parseServiceUri(uri: string): ServiceUri | undefined {
  const match = SERVICE_URI.exec(uri);
  if (!match) return undefined;
  const [, region, service, kind, target] = match as unknown as [string, string, string, 'action' | 'path', string];
  return { region, service, kind, target };
}

/**
 * Builds an AWS service integration. Throws ConfigError naming `configPath` for a URI
 * that is not a service action, an `action/` of a service whose protocol is unknown,
 * a service without an endpoint, or missing credentials.
 *
 * @example
 * awsServiceIntegration(
 *   { type: 'AWS', uri: 'arn:aws:apigateway:us-east-1:dynamodb:action/PutItem', requestTemplates: { $default: '...' } },
 *   { stageVariables: {}, configPath: 'routes.$connect.integration', endpoints: { dynamodb: 'http://127.0.0.1:8000' }, credentials },
 * );
 */
export function awsServiceIntegration(definition: AwsIntegrationDefinition, settings: AwsServiceSettings): Integration {
  const { configPath } = settings;
  const uri = parseServiceUri(definition.uri ?? '');
  if (!uri) {
    throw new ConfigError(
      `uri ${JSON.stringify(definition.uri)} is not an AWS service action: use arn:aws:apigateway:{region}:{service}:action/{Action} or ...:path/{path}`,
      { path: `${configPath}.uri` },
    );
  }
  const protocol = ACTION_PROTOCOLS[uri.service];
  if (uri.kind === 'action' && !protocol) {
    throw new ConfigError(
      `the action/ form is known for ${Object.keys(ACTION_PROTOCOLS).join(', ')}; call ${uri.service} with the path/ form and map its headers in requestParameters`,
      { path: `${configPath}.uri` },
    );
  }
  const endpoint = settings.endpoints[uri.service];
  if (endpoint === undefined) {
    throw new ConfigError(
      `no endpoint for ${uri.service}: set awsServices.endpoints.${uri.service} (DynamoDB Local, LocalStack, or https://${uri.service}.${uri.region}.amazonaws.com for real AWS)`,
      { path: `${configPath}.uri` },
    );
  }
  const credentials = settings.credentials;
  if (!credentials) {
    throw new ConfigError(
      'AWS integrations sign their calls: set awsServices.credentials (or management.credentials, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
      { path: configPath },
    );
  }
  const parameters = compileRequestParameters({ ...definition.requestParameters }, `${configPath}.requestParameters`);
  if (parameters.pathNames.length > 0) {
    throw new ConfigError('AWS integrations take header and querystring mappings, not path', {
      path: `${configPath}.requestParameters`,
    });
  }
  const method = (definition.method ?? 'POST').toUpperCase();
  const base = new URL(endpoint);
  const signer = new SignatureV4({ credentials, region: uri.region, service: uri.service, sha256: Sha256 });
  const stageVariables = { ...settings.stageVariables };
  const maxResponseBytes = settings.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  const backend: Backend = {
    async call({ event, body, deadline }) {
      const mapped = parameters.evaluate(event, stageVariables);
      const url = new URL(base);
      const headers: Record<string, string> = {};
      const queryEntries: Array<[string, string]> = [];
      if (uri.kind === 'path') {
        url.pathname = joinPath(base.pathname, uri.target);
        headers['content-type'] = 'application/json';
      } else if (protocol && 'json' in protocol) {
        url.pathname = joinPath(base.pathname, '');
        headers['content-type'] = protocol.contentType;
        headers['x-amz-target'] = `${protocol.json}.${uri.target}`;
      } else if (protocol) {
        url.pathname = joinPath(base.pathname, '');
        queryEntries.push(['Action', uri.target], ['Version', protocol.queryVersion]);
        headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
      }
      for (const [name, value] of mapped.headers) headers[name.toLowerCase()] = value;
      queryEntries.push(...mapped.querystring);
      const payload = method === 'GET' || method === 'HEAD' ? undefined : (body ?? '');
      const query: Record<string, string | string[]> = {};
      for (const [name, value] of queryEntries) {
        const existing = query[name];
        query[name] = existing === undefined ? value : ([] as string[]).concat(existing, value);
      }
      // SigV4 canonicalises with RFC 3986 escapes (a space is %20, never `+`): send it so.
      url.search = queryEntries.map(([name, value]) => `${escapeRfc3986(name)}=${escapeRfc3986(value)}`).join('&');
      headers.host = url.host;
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query,
        headers,
        body: payload,
      });
      const answer = await sendBackendRequest(`AWS ${uri.service} integration`, url, {
        method,
        headers: new Headers(withoutHost(signed.headers)),
        body: payload,
        deadline,
        maxResponseBytes,
      });
      return { ...answer, selectionValue: String(answer.status) };
    },
    // Calls go through the process-wide fetch dispatcher; there is nothing of our own to release.
    async close() {},
  };
  return nonProxyIntegration(definition, backend, settings);
}

function escapeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function joinPath(basePath: string, path: string): string {
  return `${basePath.replace(/\/+$/, '')}/${path}`;
}

/** fetch sets `Host` itself (from the URL, the same value that was signed). */
function withoutHost(headers: Record<string, string>): Record<string, string> {
  const { host: _host, ...rest } = headers;
  return rest;
}
