import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ConfigError } from '../../src/errors.ts';
import {
  type ConnectionFacts,
  connectEvent,
  disconnectEvent,
  messageEvent,
  type RequestContext,
} from '../../src/events.ts';
import { newId } from '../../src/ids.ts';
import { AccessLog, AccessLogPreset, compileAccessLogFormat } from '../../src/observability/access-log.ts';

const facts: ConnectionFacts = {
  connectionId: newId(),
  connectedAt: 1_731_324_924_000,
  sourceIp: '127.0.0.1',
  stage: 'dev',
  domainName: '127.0.0.1:3001',
  apiId: 'local00000',
  stageVariables: undefined,
  authorizer: { principalId: 'user-1' },
};
const now = 1_731_324_925_000;
const handshake = {
  headers: { Host: facts.domainName },
  multiValueHeaders: { Host: [facts.domainName] },
  query: undefined,
};

/** One connection's life: CONNECT, one MESSAGE on `sendmessage`, DISCONNECT. */
function lifecycle(): RequestContext[] {
  return [
    connectEvent(facts, handshake, newId(), now).requestContext,
    messageEvent(facts, 'sendmessage', '{"action":"sendmessage"}', newId(), newId(), now).requestContext,
    disconnectEvent(facts, 1000, 'bye', newId(), now).requestContext,
  ];
}

function configErrorNaming(...parts: string[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'SB_ERR_CONFIG');
    for (const part of parts) assert.ok(error.message.includes(part), `"${error.message}" should name ${part}`);
    return true;
  };
}

describe('compileAccessLogFormat', () => {
  it('11.109 the CLF preset renders one line with eventType, routeKey and connectionId', () => {
    const render = compileAccessLogFormat('clf');
    const lines = lifecycle().map((context) => render(context, { status: 200 }));
    const expected = [
      ['CONNECT', '\\$connect'],
      ['MESSAGE', 'sendmessage'],
      ['DISCONNECT', '\\$disconnect'],
    ];
    for (const [i, line] of lines.entries()) {
      const [eventType, routeKey] = expected[i]!;
      assert.match(
        line,
        new RegExp(
          `^127\\.0\\.0\\.1 - - \\[11/Nov/2024:11:35:25 \\+0000\\] "${eventType} ${routeKey} ${facts.connectionId}" 200 \\S{16}$`,
        ),
      );
      assert.ok(!line.includes('\n'));
    }
  });

  it('11.110 the JSON preset renders valid JSON per event', () => {
    const render = compileAccessLogFormat('json');
    const contexts = lifecycle();
    for (const context of contexts) {
      const record = JSON.parse(render(context, { status: 200 }));
      assert.deepEqual(record, {
        requestId: context.requestId,
        ip: '127.0.0.1',
        caller: '-',
        user: '-',
        requestTime: '11/Nov/2024:11:35:25 +0000',
        eventType: context.eventType,
        routeKey: context.routeKey,
        status: '200',
        connectionId: facts.connectionId,
      });
    }
  });

  it('11.110 the JSON preset stays valid JSON when values hold quotes, backslashes and line breaks', () => {
    const render = compileAccessLogFormat('json');
    const context = { ...lifecycle()[1]!, routeKey: 'a"b\\c\nd' };
    const line = render(context, { status: '2"\\' });
    assert.ok(!line.includes('\n'));
    const record = JSON.parse(line);
    assert.equal(record.routeKey, 'a"b\\c\nd');
    assert.equal(record.status, '2"\\');
  });

  it('11.111 routeKey renders the selected route, or $default on fallback', () => {
    const render = compileAccessLogFormat('$context.routeKey');
    for (const routeKey of ['sendmessage', '$default']) {
      const context = messageEvent(facts, routeKey, 'hello', newId(), newId(), now).requestContext;
      assert.equal(render(context, {}), routeKey);
    }
  });

  it('11.112 a REST-only variable renders as -', () => {
    const render = compileAccessLogFormat(
      '$context.httpMethod $context.resourcePath $context.protocol $context.eventType',
    );
    assert.equal(render(lifecycle()[0]!, {}), '- - - CONNECT');
  });

  it('renders gateway extras, authorizer values and ${context.name} variables', () => {
    const render = compileAccessLogFormat(
      '${context.connectionId} $context.authorizer.principalId $context.integrationLatency $context.error.message $context.status.',
    );
    const line = render(lifecycle()[1]!, { integrationLatency: 12, 'error.message': 'Forbidden', status: 403 });
    assert.equal(line, `${facts.connectionId} user-1 12 Forbidden 403.`);
  });

  it('renders an unset value and an empty value as -', () => {
    const render = compileAccessLogFormat('[$context.messageId] [$context.disconnectReason] [$context.error.message]');
    const disconnect = disconnectEvent(facts, 1006, '', newId(), now).requestContext;
    assert.equal(render(disconnect, {}), '[-] [-] [-]');
  });

  it('writes line breaks of values in a plain format as \\n so an event stays one line', () => {
    const render = compileAccessLogFormat('reason=$context.error.message');
    assert.equal(render(lifecycle()[1]!, { 'error.message': 'one\r\ntwo' }), 'reason=one\\r\\ntwo');
  });

  it('JSON-escapes values inside string literals of a custom JSON format, and only there', () => {
    const render = compileAccessLogFormat(
      '{"route":"$context.routeKey","status":$context.status,"note":"a \\"quoted\\" $context.error.message"}',
    );
    const line = render(lifecycle()[1]!, { status: 200, 'error.message': 'x"y' });
    assert.deepEqual(JSON.parse(line), { route: 'sendmessage', status: 200, note: 'a "quoted" x"y' });
  });

  it('XML-escapes values in the XML preset', () => {
    const render = compileAccessLogFormat('xml');
    const context = { ...lifecycle()[1]!, routeKey: '<a&"b">' };
    const line = render(context, { status: 200 });
    assert.match(line, /^<request id="\S{16}"> <ip>127\.0\.0\.1<\/ip> <caller>-<\/caller>/);
    assert.ok(line.includes('<routeKey>&lt;a&amp;&quot;b&quot;&gt;</routeKey>'));
    assert.ok(line.endsWith(`<connectionId>${facts.connectionId}</connectionId> </request>`));
  });

  it('renders the CSV preset in its column order', () => {
    const context = lifecycle()[1]!;
    const line = compileAccessLogFormat('csv')(context, { status: 200 });
    assert.deepEqual(line.split(','), [
      '127.0.0.1',
      '-',
      '-',
      '11/Nov/2024:11:35:25 +0000',
      'MESSAGE',
      'sendmessage',
      facts.connectionId,
      '200',
      context.requestId,
    ]);
  });

  it('accepts preset names in any case', () => {
    const context = lifecycle()[0]!;
    assert.equal(
      compileAccessLogFormat('JSON')(context, {}),
      compileAccessLogFormat(AccessLogPreset.json)(context, {}),
    );
  });

  describe('bad formats', () => {
    it('rejects a format spanning lines', () => {
      assert.throws(
        () => compileAccessLogFormat('$context.requestId\n$context.status'),
        configErrorNaming('single line'),
      );
    });

    it('rejects a format over 3 KB and accepts one of exactly 3 KB', () => {
      const variable = '$context.requestId ';
      const exact = variable.repeat(Math.floor(3072 / variable.length)).padEnd(3072, 'x');
      assert.equal(Buffer.byteLength(exact), 3072);
      assert.doesNotThrow(() => compileAccessLogFormat(exact));
      assert.throws(() => compileAccessLogFormat(`${exact}x`), configErrorNaming('3073 bytes', '3072'));
      // Bytes, not characters: 1,025 three-byte characters are 3,075 bytes.
      assert.throws(() => compileAccessLogFormat('€'.repeat(1025)), configErrorNaming('3075 bytes'));
    });

    it('rejects $input and other non-$context variables, naming them', () => {
      assert.throws(() => compileAccessLogFormat('$context.requestId $input.body'), configErrorNaming('$input.body'));
      assert.throws(() => compileAccessLogFormat('${input.json}'), configErrorNaming('${input.json}'));
      assert.throws(() => compileAccessLogFormat('$stageVariables.env'), configErrorNaming('$stageVariables.env'));
      assert.throws(() => compileAccessLogFormat('$context alone'), configErrorNaming('$context'));
    });

    it('rejects an empty format', () => {
      assert.throws(() => compileAccessLogFormat(' '), configErrorNaming('empty'));
    });

    it('locates the problem at accessLog.format', () => {
      assert.throws(
        () => compileAccessLogFormat('$input.body'),
        (error: unknown) => error instanceof ConfigError && error.location.path === 'accessLog.format',
      );
    });
  });
});

describe('AccessLog', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-access-log-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one line per event to a file relative to baseDir, creating its directory', async () => {
    const log = new AccessLog({ format: 'json', destination: 'logs/one.log', baseDir: dir });
    const contexts = lifecycle();
    for (const context of contexts) log.write(context, { status: 200 });
    await log.close();
    const lines = (await readFile(join(dir, 'logs/one.log'), 'utf8')).split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(
      lines.map((line) => JSON.parse(line).eventType),
      ['CONNECT', 'MESSAGE', 'DISCONNECT'],
    );
  });

  it('appends to an existing file', async () => {
    const file = join(dir, 'append.log');
    await writeFile(file, 'earlier line\n');
    const log = new AccessLog({ format: '$context.eventType', destination: file, baseDir: '/nonexistent' });
    log.write(lifecycle()[0]!, {});
    await log.close();
    assert.equal(await readFile(file, 'utf8'), 'earlier line\nCONNECT\n');
  });

  it('defaults to the CLF preset', async () => {
    const log = new AccessLog({ destination: 'clf.log', baseDir: dir });
    log.write(lifecycle()[0]!, { status: 200 });
    await log.close();
    assert.match(
      await readFile(join(dir, 'clf.log'), 'utf8'),
      /^127\.0\.0\.1 - - \[.+\] "CONNECT \$connect .+" 200 \S+\n$/,
    );
  });

  it('ignores writes after close, and close can be called again', async () => {
    const log = new AccessLog({ format: '$context.eventType', destination: 'closed.log', baseDir: dir });
    log.write(lifecycle()[0]!, {});
    await log.close();
    log.write(lifecycle()[1]!, {});
    await log.close();
    assert.equal(await readFile(join(dir, 'closed.log'), 'utf8'), 'CONNECT\n');
  });

  it('throws a ConfigError at construction when the file cannot be opened', () => {
    // The destination is a directory, which cannot be opened for appending.
    assert.throws(
      () => new AccessLog({ destination: '.', baseDir: dir }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.location.path, 'accessLog.destination');
        assert.ok(error.message.includes(dir));
        return true;
      },
    );
  });

  it('throws a ConfigError at construction when the format is invalid', () => {
    assert.throws(
      () => new AccessLog({ format: '$input.body', destination: 'never.log', baseDir: dir }),
      configErrorNaming('$input.body'),
    );
  });

  it('writes to stdout and stderr', async () => {
    const module = new URL('../../src/observability/access-log.ts', import.meta.url).href;
    const script = `
      import { AccessLog } from ${JSON.stringify(module)};
      const context = { eventType: 'MESSAGE', routeKey: '$default' };
      for (const destination of ['stdout', 'stderr']) {
        const log = new AccessLog({ format: '$context.eventType $context.routeKey ' + destination, destination, baseDir: '.' });
        log.write(context, {});
        await log.close();
      }`;
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 30_000 },
    );
    assert.equal(stdout, 'MESSAGE $default stdout\n');
    assert.equal(stderr, 'MESSAGE $default stderr\n');
  });
});
