import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DestinationStream } from 'pino';
import { ConfigError } from '../../src/errors.ts';
import { connectionLogger, createLogger, requestLogger } from '../../src/observability/logger.ts';

/** A pino destination that keeps each written line, parsed. */
function capture(): DestinationStream & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    write(line: string) {
      lines.push(JSON.parse(line));
    },
  };
}

describe('createLogger', () => {
  it('writes JSON lines carrying component "gateway"', () => {
    const destination = capture();
    createLogger({ destination }).info({ port: 3001 }, 'listening');
    assert.equal(destination.lines.length, 1);
    const [line] = destination.lines;
    assert.equal(line?.component, 'gateway');
    assert.equal(line?.level, 30);
    assert.equal(line?.msg, 'listening');
    assert.equal(line?.port, 3001);
    assert.equal(typeof line?.time, 'number');
  });

  it('defaults to level info', () => {
    const destination = capture();
    const logger = createLogger({ destination });
    logger.debug('hidden');
    logger.info('shown');
    assert.deepEqual(
      destination.lines.map((line) => line.msg),
      ['shown'],
    );
  });

  it('honours a lower level', () => {
    const destination = capture();
    createLogger({ destination, level: 'debug' }).debug('shown');
    assert.equal(destination.lines.length, 1);
  });

  it('writes nothing when disabled, whatever the level', () => {
    const destination = capture();
    const logger = createLogger({ destination, level: 'trace', enabled: false });
    logger.fatal('hidden');
    assert.equal(logger.level, 'silent');
    assert.equal(destination.lines.length, 0);
  });

  it('rejects an unknown level with a ConfigError naming it', () => {
    assert.throws(
      () => createLogger({ level: 'verbose' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.code, 'SB_ERR_CONFIG');
        assert.match(error.message, /"verbose".*debug/);
        return true;
      },
    );
  });
});

describe('child loggers', () => {
  it('connectionLogger adds connectionId', () => {
    const destination = capture();
    connectionLogger(createLogger({ destination }), 'BFHPhfCWIAMCKlQ=').info('closed');
    assert.equal(destination.lines[0]?.connectionId, 'BFHPhfCWIAMCKlQ=');
    assert.equal(destination.lines[0]?.component, 'gateway');
  });

  it('requestLogger adds connectionId and requestId', () => {
    const destination = capture();
    requestLogger(createLogger({ destination }), { connectionId: 'c', requestId: 'r' }).warn('integration failed');
    assert.equal(destination.lines[0]?.connectionId, 'c');
    assert.equal(destination.lines[0]?.requestId, 'r');
    assert.equal(destination.lines[0]?.level, 40);
  });
});
