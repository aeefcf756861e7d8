/**
 * `switchboard serve <file>`: reads the app from whatever describes it, told apart
 * by the file itself:
 *
 * - a CloudFormation or SAM template (YAML or JSON with `Resources`);
 * - a CDK app: its cloud assembly folder (`cdk.out`), its `manifest.json`, or the
 *   app's `cdk.json` or folder;
 * - a Serverless Framework `serverless.yml` (`service` and `provider`);
 * - otherwise a Switchboard config file.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { loadConfigFile } from '../config/load.ts';
import { parseJsonSource, parseYamlSource, readSourceText } from '../config/source-text.ts';
import { ConfigError } from '../errors.ts';
import { serveCloudAssembly } from './cdk/cloud-assembly.ts';
import { assemblyDirOf, synthesize } from './cdk/synth.ts';
import { serveTemplate } from './cloudformation/cloudformation-app.ts';
import { localCodeLocator } from './cloudformation/code-location.ts';
import { INTRINSIC_TAGS } from './cloudformation/intrinsic-tags.ts';
import { isObject } from './cloudformation/intrinsics.ts';
import { AppKind, type AppOptions, type ServedApp } from './served-app.ts';
import { serveServerlessConfig } from './serverless/serverless-app.ts';

const DOCUMENT_EXTENSIONS = new Set(['.yaml', '.yml', '.json', '.template']);

/**
 * @param file the path as the user gave it (errors name it so)
 * @example
 * const app = await loadApp('template.yaml', { parameterOverrides: { Stage: 'dev' } });
 * const gateway = await createGateway(app.definition, { baseDir: app.baseDir });
 */
export async function loadApp(file: string, options: AppOptions = {}): Promise<ServedApp> {
  const path = resolve(file);
  const cdk = existsSync(path) ? cdkTargetOf(path) : undefined;
  if (cdk) return serveCdkApp(file, cdk, options);
  if (options.synth) {
    throw new ConfigError('--synth applies to a CDK app: give its folder, its cdk.json or its cdk.out', { file });
  }
  const extension = extname(path).toLowerCase();
  if (!DOCUMENT_EXTENSIONS.has(extension) || !existsSync(path) || isDirectory(path)) return serveConfig(file);
  const text = await readSourceText(file, path, 'file');
  const parsed = extension === '.json' ? parseJsonSource(text, file) : parseYamlSource(text, file, INTRINSIC_TAGS);
  const data = parsed.data;
  if (isObject(data) && 'service' in data && 'provider' in data) {
    return serveServerlessConfig({ file, ...parsed, baseDir: dirname(path) }, options);
  }
  if (isObject(data) && (isObject(data.Resources) || 'AWSTemplateFormatVersion' in data || 'Transform' in data)) {
    const baseDir = dirname(path);
    return serveTemplate(
      { file, ...parsed, baseDir, stackName: stackNameOf(baseDir), locateCode: localCodeLocator(baseDir) },
      options,
    );
  }
  return serveConfig(file);
}

async function serveConfig(file: string): Promise<ServedApp> {
  const { definition, baseDir } = await loadConfigFile(file);
  return { kind: AppKind.config, definition, baseDir, projectDir: baseDir, tables: [], notices: [] };
}

interface CdkTarget {
  /** The app's folder (with cdk.json), when known. */
  appDir: string | undefined;
  assemblyDir: string;
}

/** A CDK app's folder or cdk.json, or a cloud assembly folder or its manifest.json. */
function cdkTargetOf(path: string): CdkTarget | undefined {
  const isAssembly = (dir: string): boolean => existsSync(join(dir, 'manifest.json'));
  const isApp = (dir: string): boolean => existsSync(join(dir, 'cdk.json'));
  if (isDirectory(path)) {
    if (isApp(path)) return { appDir: path, assemblyDir: assemblyDirOf(path) };
    if (isAssembly(path)) return { appDir: isApp(dirname(path)) ? dirname(path) : undefined, assemblyDir: path };
    return undefined;
  }
  if (basename(path) === 'cdk.json') return { appDir: dirname(path), assemblyDir: assemblyDirOf(dirname(path)) };
  if (basename(path) === 'manifest.json') {
    const assemblyDir = dirname(path);
    return { appDir: isApp(dirname(assemblyDir)) ? dirname(assemblyDir) : undefined, assemblyDir };
  }
  return undefined;
}

async function serveCdkApp(file: string, { appDir, assemblyDir }: CdkTarget, options: AppOptions): Promise<ServedApp> {
  if (options.synth) {
    if (!appDir) throw new ConfigError('--synth needs the CDK app: no cdk.json next to this cloud assembly', { file });
    await synthesize(appDir);
  } else if (!existsSync(join(assemblyDir, 'manifest.json'))) {
    throw new ConfigError(`no cloud assembly in ${assemblyDir}: run "cdk synth" first, or serve with --synth`, {
      file,
    });
  }
  return serveCloudAssembly(assemblyDir, appDir ?? dirname(assemblyDir), options);
}

/** A SAM app's stack is named after its folder, as `sam deploy --guided` suggests. */
function stackNameOf(folder: string): string {
  return (
    basename(folder)
      .replace(/[^A-Za-z0-9-]/g, '-')
      .replace(/^[^A-Za-z]+/, '') || 'app'
  );
}

function isDirectory(path: string): boolean {
  return statSync(path).isDirectory();
}
