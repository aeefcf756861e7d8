/**
 * A CDK app, served from its synthesized cloud assembly (`cdk.out`): the
 * manifest names the stacks and their templates; each Lambda function's code is
 * the asset folder its metadata (`aws:asset:path`) points at. The stack with the
 * WebSocket API is served; values other stacks export reach it through
 * `Fn::ImportValue`, as they do on AWS.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseJsonSource } from '../../config/source-text.ts';
import { ConfigError } from '../../errors.ts';
import { AppNotices } from '../app-notices.ts';
import { accountForResources, readTemplate, serveReadTemplate } from '../cloudformation/cloudformation-app.ts';
import { localCodeLocator } from '../cloudformation/code-location.ts';
import { readTables } from '../cloudformation/dynamodb-tables.ts';
import { isObject } from '../cloudformation/intrinsics.ts';
import type { CodeLocator } from '../cloudformation/lambda-functions.ts';
import type { CloudFormationTemplate } from '../cloudformation/template.ts';
import { webSocketApis } from '../cloudformation/websocket-api.ts';
import { AppKind, type AppOptions, type ServedApp } from '../served-app.ts';

interface StackArtifact {
  /** The artifact id, the stack's path in the app (`Stage/Stack` for stacks in a stage). */
  id: string;
  stackName: string;
  templateFile: string;
  assemblyDir: string;
}

/** `projectDir` is the CDK app's folder, where local data is kept. */
export function serveCloudAssembly(assemblyDir: string, projectDir: string, options: AppOptions): ServedApp {
  const stacks = readStacks(assemblyDir);
  const exports = new Map<string, () => unknown>();
  const templates = stacks.map((stack) => {
    const template = readStackTemplate(stack, exports, options);
    collectExports(template, exports);
    return { stack, template };
  });
  const candidates = templates.flatMap(({ stack, template }) =>
    webSocketApis(template).map((api) => ({ stack, template, api, id: `${stack.id}/${api.logicalId}` })),
  );
  const wanted = options.api;
  const matching =
    wanted === undefined
      ? candidates
      : candidates.filter(({ id, stack, api }) => [id, stack.id, stack.stackName, api.logicalId].includes(wanted));
  const ids = candidates.map(({ id }) => id).join(', ');
  const manifest = join(assemblyDir, 'manifest.json');
  if (matching.length === 0) {
    const problem =
      wanted === undefined
        ? 'no stack of the app defines a WebSocket API (AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET)'
        : `--api ${wanted}: the app's WebSocket APIs are ${ids || 'none'}`;
    throw new ConfigError(problem, { file: manifest });
  }
  if (matching.length > 1) {
    throw new ConfigError(`the app has several WebSocket APIs (${ids}): choose one with --api <Stack/LogicalId>`, {
      file: manifest,
    });
  }
  const [chosen] = matching as [(typeof matching)[number]];
  const notices = new AppNotices();
  for (const { template } of templates)
    if (template !== chosen.template) accountForResources(template, undefined, new Set(), notices);
  const served = serveReadTemplate(
    chosen.template,
    { baseDir: chosen.stack.assemblyDir, projectDir, locateCode: assetCodeLocator(chosen.stack.assemblyDir) },
    { ...options, api: chosen.api.logicalId },
    notices,
  );
  // The other stacks' tables exist on AWS too: the served functions may use them.
  const tables = templates.flatMap(({ template }) =>
    template === chosen.template ? served.tables : readTables(template),
  );
  return { ...served, tables, kind: AppKind.cdk };
}

/** The stacks of an assembly, including those of nested assemblies (CDK stages). */
function readStacks(assemblyDir: string): StackArtifact[] {
  const manifestFile = join(assemblyDir, 'manifest.json');
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `cannot read the cloud assembly's manifest: ${(error as Error).message}`,
      { file: manifestFile },
      { cause: error },
    );
  }
  const artifacts = isObject(manifest) && isObject(manifest.artifacts) ? manifest.artifacts : undefined;
  if (!artifacts)
    throw new ConfigError('the manifest has no artifacts: is this a CDK cloud assembly?', { file: manifestFile });
  const stacks: StackArtifact[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (!isObject(artifact) || !isObject(artifact.properties)) continue;
    const { properties } = artifact;
    if (artifact.type === 'aws:cloudformation:stack' && typeof properties.templateFile === 'string') {
      stacks.push({
        id,
        stackName: typeof properties.stackName === 'string' ? properties.stackName : id.replaceAll('/', '-'),
        templateFile: join(assemblyDir, properties.templateFile),
        assemblyDir,
      });
    } else if (artifact.type === 'cdk:cloud-assembly' && typeof properties.directoryName === 'string') {
      stacks.push(...readStacks(join(assemblyDir, properties.directoryName)));
    }
  }
  return stacks;
}

function readStackTemplate(
  stack: StackArtifact,
  exports: ReadonlyMap<string, () => unknown>,
  options: AppOptions,
): CloudFormationTemplate {
  const file = relative(process.cwd(), stack.templateFile) || stack.templateFile;
  let text: string;
  try {
    text = readFileSync(stack.templateFile, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read stack ${stack.id}'s template: ${(error as Error).message}`,
      { file },
      { cause: error },
    );
  }
  const parsed = parseJsonSource(text, file);
  // Parameter overrides apply to the stacks that declare them.
  const declared = isObject(parsed.data) && isObject(parsed.data.Parameters) ? parsed.data.Parameters : {};
  const parameterOverrides = Object.fromEntries(
    Object.entries(options.parameterOverrides ?? {}).filter(([name]) => Object.hasOwn(declared, name)),
  );
  return readTemplate(
    {
      file,
      ...parsed,
      baseDir: stack.assemblyDir,
      stackName: stack.stackName,
      locateCode: assetCodeLocator(stack.assemblyDir),
      exports,
    },
    { ...options, parameterOverrides },
  );
}

/** `Outputs` with an `Export.Name`, resolved only when another stack imports them. */
function collectExports(template: CloudFormationTemplate, exports: Map<string, () => unknown>): void {
  const outputs = template.section('Outputs');
  if (!isObject(outputs)) return;
  for (const [name, output] of Object.entries(outputs)) {
    if (!isObject(output) || !isObject(output.Export)) continue;
    let exportName: unknown;
    try {
      exportName = template.resolve(output.Export.Name, ['Outputs', name, 'Export', 'Name']);
    } catch {
      continue; // A name only AWS can compute; no local stack can import it either.
    }
    if (typeof exportName === 'string')
      exports.set(exportName, () => template.resolve(output.Value, ['Outputs', name, 'Value']));
  }
}

/**
 * A function's code is its asset folder in the assembly; inline code is written out
 * as for any template. Lambda reads only the package.json files inside a function's
 * code, so an asset without one runs `.js` as CommonJS on AWS (a NodejsFunction
 * bundle, say) even in a project whose own package.json says "type": "module";
 * the asset gets a package.json saying so, to be read the same way here.
 */
function assetCodeLocator(assemblyDir: string): CodeLocator {
  const inline = localCodeLocator(assemblyDir);
  return (template, resource) => {
    const assetPath = resource.metadata['aws:asset:path'];
    if (typeof assetPath !== 'string' || resource.metadata['aws:asset:property'] !== 'Code') {
      return inline(template, resource);
    }
    const folder = resolve(assemblyDir, assetPath);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      template.fail(
        `the function's code asset ${assetPath} is not a folder of the cloud assembly: synthesize the app again`,
        [...resource.path, 'Metadata', 'aws:asset:path'],
      );
    }
    const packageJson = join(folder, 'package.json');
    if (!existsSync(packageJson)) writeFileSync(packageJson, '{ "type": "commonjs" }\n');
    return folder;
  };
}
