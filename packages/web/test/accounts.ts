/** Accounts for tests, made over the chat's HTTP API (docs/protocol.md, "HTTP endpoints"). */
import assert from 'node:assert/strict';
import type { Session } from '@switchboard/chat/api';

export const testPassword = 'correct horse battery';

export async function register(baseUrl: string, username: string): Promise<Session> {
  const response = await fetch(`${baseUrl}/api/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: testPassword }),
  });
  assert.equal(response.status, 201, `registering ${username}`);
  return (await response.json()) as Session;
}
