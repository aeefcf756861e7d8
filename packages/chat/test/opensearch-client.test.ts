/**
 * The OpenSearch client's requests on the wire, against a loopback HTTPS server
 * that records them (no OpenSearch runs here): each is SigV4-signed for the
 * service `aoss` with the payload hash OpenSearch Serverless requires, and the
 * signature verifies over what actually arrived; answers other than 2xx become
 * typed errors, which the search and the indexer handle as the file comments
 * say. The server uses the local certificate that scripts/test.mjs makes and
 * names in NODE_EXTRA_CA_CERTS (run this file through it).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { marshall } from '@aws-sdk/util-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { keys } from '../src/store/dynamodb/table-design.ts';
import { OpenSearchCandidates } from '../src/store/opensearch/opensearch-candidates.ts';
import { OpenSearchClient, OpenSearchError } from '../src/store/opensearch/opensearch-client.ts';
import { OpenSearchIndexer } from '../src/store/opensearch/opensearch-indexer.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

describe('OpenSearch client on the wire', () => {
  let server: Server;
  let endpoint: string;
  const received: Received[] = [];
  /** The answers to give, in order: status and JSON body. */
  const answers: Array<[number, unknown]> = [];

  before(async () => {
    const dir = process.env.SWITCHBOARD_TLS_DIR;
    assert.ok(dir, 'run through scripts/test.mjs, which makes the local certificate');
    server = createServer(
      { cert: readFileSync(join(dir, 'localhost.crt')), key: readFileSync(join(dir, 'localhost.key')) },
      (request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          received.push({
            method: request.method!,
            path: request.url!,
            headers: request.headers as Record<string, string>,
            body: Buffer.concat(chunks).toString('utf8'),
          });
          const [status, body] = answers.shift() ?? [500, { error: { type: 'unexpected_request' } }];
          response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        });
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `https://localhost:${(server.address() as AddressInfo).port}`;
  });

  after(() => server.close());

  const client = () => new OpenSearchClient({ endpoint, region: 'eu-west-1', credentials: async () => credentials });

  it('signs for aoss with the payload hash, and the signature verifies over what arrived', async () => {
    answers.push([200, { hits: { hits: [{ _source: { roomId: 'r1', seq: 3, createdAt: 7 } }] } }]);
    const found = await new OpenSearchCandidates(client()).candidates(['r1'], ['tues'], 5);
    assert.deepEqual(found, [{ roomId: 'r1', seq: 3, createdAt: 7 }]);
    const request = received.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/messages/_search');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['x-amz-content-sha256'], createHash('sha256').update(request.body).digest('hex'));
    const authorization = request.headers.authorization!;
    assert.match(authorization, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aoss\/aws4_request, /);
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(';');
    for (const name of ['host', 'x-amz-content-sha256', 'x-amz-date']) assert.ok(signedHeaders.includes(name), name);
    // Sign what arrived again: the same signature, so nothing on the way changed a signed part.
    const date = request.headers['x-amz-date']!;
    const signingDate = new Date(
      `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
    );
    const again = await new SignatureV4({ service: 'aoss', region: 'eu-west-1', credentials, sha256: Sha256 }).sign(
      {
        method: request.method,
        protocol: 'https:',
        hostname: 'localhost',
        path: request.path,
        headers: Object.fromEntries(signedHeaders.map((name) => [name, request.headers[name]!])),
        body: request.body,
      },
      { signingDate },
    );
    assert.equal(again.headers.authorization, authorization);
  });

  it('turns an error answer into a typed error; a search before anything was indexed finds nothing', async () => {
    answers.push([403, { error: { type: 'security_exception', reason: 'no permission' } }]);
    await assert.rejects(client().request('GET', '/messages'), (error: unknown) => {
      assert.ok(error instanceof OpenSearchError);
      assert.deepEqual([error.status, error.type], [403, 'security_exception']);
      return true;
    });
    answers.push([404, { error: { type: 'index_not_found_exception' } }]);
    assert.deepEqual(await new OpenSearchCandidates(client()).candidates(['r1'], ['x'], 5), []);
  });

  it('indexes a batch with one bulk request after creating the index once, and fails on a refused document', async () => {
    const key = keys.message('r1', 4);
    const item = {
      ...key,
      id: 'm4',
      roomId: 'r1',
      seq: 4,
      authorId: 'u',
      authorName: 'ada',
      text: 'hi there',
      createdAt: 9,
    };
    const records = [{ eventName: 'INSERT', dynamodb: { Keys: marshall(key), NewImage: marshall(item) } }];
    const indexer = new OpenSearchIndexer(client());
    answers.push([400, { error: { type: 'resource_already_exists_exception' } }]);
    answers.push([200, { errors: false, items: [{ index: { status: 201 } }] }]);
    assert.equal(await indexer.index(records), 1);
    assert.deepEqual(
      received.slice(-2).map((request) => [request.method, request.path, request.headers['content-type']]),
      [
        ['PUT', '/messages', 'application/json'],
        ['POST', '/_bulk', 'application/x-ndjson'],
      ],
    );
    answers.push([
      200,
      { errors: true, items: [{ index: { status: 400, error: { type: 'mapper_parsing_exception' } } }] },
    ]);
    await assert.rejects(indexer.index(records), /mapper_parsing_exception/);
    assert.equal(received.at(-1)!.path, '/_bulk', 'the index is created once per indexer');
  });
});
