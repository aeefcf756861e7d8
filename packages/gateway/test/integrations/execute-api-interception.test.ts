/**
 * Which connections a function's worker sends to the gateway instead of AWS:
 * this API's `<apiId>.execute-api.<region>.amazonaws.com` host, nothing else.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redirectToGateway } from '../../src/integrations/execute-api-interception.ts';

const ENV = { AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI: 'http://127.0.0.1:4510/dev' };
const API_ID = 'abc123xyz0';

describe('redirectToGateway', () => {
  it("sends this API's host, in any region, to the management listener; TLS checks the local certificate", () => {
    for (const host of [
      `${API_ID}.execute-api.us-east-1.amazonaws.com`,
      `${API_ID.toUpperCase()}.execute-api.eu-west-3.amazonaws.com.`,
    ]) {
      assert.deepEqual(redirectToGateway({ host, port: 443, servername: host }, API_ID, true, ENV), {
        host: '127.0.0.1',
        port: 4510,
        servername: 'localhost',
      });
    }
    assert.deepEqual(
      redirectToGateway({ host: `${API_ID}.execute-api.us-east-1.amazonaws.com`, port: 80 }, API_ID, false, ENV),
      {
        host: '127.0.0.1',
        port: 4510,
      },
    );
  });

  it('leaves other APIs, look-alike hosts and everything else alone', () => {
    for (const host of [
      'zzzzzzzzzz.execute-api.us-east-1.amazonaws.com',
      `${API_ID}.execute-api.us-east-1.amazonaws.com.example.com`,
      `x${API_ID}.execute-api.us-east-1.amazonaws.com`,
      `${API_ID}.lambda-url.us-east-1.on.aws`,
      'dynamodb.us-east-1.amazonaws.com',
      'localhost',
    ]) {
      assert.equal(redirectToGateway({ host, port: 443 }, API_ID, true, ENV), undefined, host);
    }
  });

  it('does nothing before the gateway listens (no management endpoint yet)', () => {
    assert.equal(
      redirectToGateway({ host: `${API_ID}.execute-api.us-east-1.amazonaws.com` }, API_ID, true, {}),
      undefined,
    );
  });

  it('reaches a management listener on IPv6', () => {
    const env = { AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI: 'http://[::1]:4510/dev' };
    assert.equal(
      redirectToGateway({ host: `${API_ID}.execute-api.us-east-1.amazonaws.com` }, API_ID, false, env)?.host,
      '::1',
    );
  });
});
