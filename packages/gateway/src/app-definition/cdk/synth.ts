/**
 * `--synth`: runs the app's own `cdk synth` (the AWS CDK CLI installed in the
 * project) so that the cloud assembly served is the app's current code. No AWS
 * credentials are needed, and the CLI is kept off the network (no telemetry, no
 * notices).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../errors.ts';
import { isObject } from '../cloudformation/intrinsics.ts';

/** The last lines of cdk's output that a failure report quotes. */
const REPORTED_LINES = 20;

/** The folder `cdk synth` writes to: cdk.json's `output`, else `cdk.out`. */
export function assemblyDirOf(appDir: string): string {
  const settings = readCdkJson(appDir);
  return join(appDir, typeof settings.output === 'string' ? settings.output : 'cdk.out');
}

export async function synthesize(appDir: string): Promise<void> {
  const cdkJson = join(appDir, 'cdk.json');
  if (typeof readCdkJson(appDir).app !== 'string')
    throw new ConfigError('cdk.json has no "app" command to synthesize', { file: cdkJson });
  const cdk = findCdkCli(appDir);
  if (!cdk) {
    throw new ConfigError('--synth needs the AWS CDK CLI in the project: npm install -D aws-cdk@2', { file: cdkJson });
  }
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    // No post-synth validation: it checks templates for a deployment, and takes most of the time.
    const child = spawn(
      cdk,
      ['synth', '--no-notices', '--no-validation', '--quiet', '--output', assemblyDirOf(appDir)],
      {
        cwd: appDir,
        env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer): void => {
      output.push(...chunk.toString().split('\n'));
      output.splice(0, Math.max(0, output.length - REPORTED_LINES));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    const tail = output.filter((line) => line.trim() !== '').join('\n  ');
    throw new ConfigError(`cdk synth failed (exit code ${code}):\n  ${tail}`, { file: cdkJson });
  }
}

function readCdkJson(appDir: string): Record<string, unknown> {
  const file = join(appDir, 'cdk.json');
  try {
    const settings: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isObject(settings) ? settings : {};
  } catch (error) {
    throw new ConfigError(`cannot read cdk.json: ${(error as Error).message}`, { file }, { cause: error });
  }
}

/** `node_modules/.bin/cdk` of the app's folder or a folder above it (a monorepo's root). */
function findCdkCli(appDir: string): string | undefined {
  for (let dir = appDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '.bin', 'cdk');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
