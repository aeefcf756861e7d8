/**
 * The error-code registry is part of the public contract: every code is
 * documented, and the docs list no code that does not exist.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { GatewayErrorCode } from '../src/errors.ts';

const docs = new URL('../../../docs/gateway.md', import.meta.url);

describe('GatewayErrorCode', () => {
  it('every code is documented in docs/gateway.md, and every documented code exists', async () => {
    const text = await readFile(docs, 'utf8');
    const codes = Object.values(GatewayErrorCode);
    for (const code of codes) assert.ok(text.includes(`\`${code}\``), `${code} is not documented`);
    const documented = new Set(text.match(/SB_ERR_[A-Z_]+/g));
    assert.deepEqual(
      [...documented].filter((code) => !(codes as string[]).includes(code)),
      [],
    );
  });
});
