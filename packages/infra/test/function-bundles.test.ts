/**
 * The chat's Lambda functions as the CDK app bundles them (`chatBundling`, the
 * settings every `ChatFunction` passes to esbuild), built in one esbuild run
 * with its metafile: every entry module becomes one ES module that exports
 * `handler`, and each loads at cold start only what its route uses. The report
 * (size, AWS SDK clients and packages per function) is printed as the test's
 * diagnostics.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { build, type Metafile } from 'esbuild';
import { chatBundling } from '../src/chat-function.ts';
import {
  type ChatFunctionName,
  functionAccess,
  LAMBDA_HANDLER_EXPORT,
  lambdaEntryPoints,
} from '../src/chat-sources.ts';

const entries: Record<string, string> = {
  authorizer: lambdaEntryPoints.authorizer,
  httpApi: lambdaEntryPoints.httpApi,
  tokenKeyRotation: lambdaEntryPoints.rotation,
  searchIndexer: lambdaEntryPoints.searchIndexer,
  ...lambdaEntryPoints.routes,
};

interface FunctionBundle {
  bytes: number;
  /** The runtime's AWS SDK packages it imports (left out of the bundle, loaded at cold start). */
  sdkClients: string[];
  /** The npm packages bundled into it. */
  packages: string[];
}

/** `node_modules/@scope/name/...` and `node_modules/name/...` -> the package name. */
function packageOf(path: string): string | undefined {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path.slice(path.lastIndexOf('node_modules/')));
  return match?.[1];
}

function describeOutput(output: Metafile['outputs'][string]): FunctionBundle {
  const sdkClients = [
    ...new Set(
      output.imports
        // A dynamic import loads at first use, not at cold start.
        .filter((i) => i.external && i.kind !== 'dynamic-import' && i.path.startsWith('@aws-sdk/'))
        .map((i) => i.path),
    ),
  ].sort();
  const packages = [...new Set(Object.keys(output.inputs).flatMap((input) => packageOf(input) ?? []))].sort();
  return { bytes: output.bytes, sdkClients, packages };
}

describe('function bundles', () => {
  let bundles: Map<string, FunctionBundle & { exports: string[] }>;

  it('bundles every entry module into an ES module that exports the handler', async (t) => {
    const result = await build({
      // Output names stand for the function (esbuild cannot name a file `$connect`).
      entryPoints: Object.fromEntries(Object.entries(entries).map(([name, path]) => [name.replace('$', '_'), path])),
      bundle: true,
      write: false,
      outdir: 'bundles',
      outExtension: { '.js': '.mjs' },
      metafile: true,
      logLevel: 'silent',
      format: chatBundling.format,
      platform: chatBundling.platform,
      target: chatBundling.target,
      mainFields: [...chatBundling.mainFields],
      external: [...chatBundling.external],
      minify: chatBundling.minify,
      keepNames: chatBundling.keepNames,
      banner: { js: chatBundling.banner },
    });
    assert.deepEqual(result.errors, []);
    bundles = new Map(
      Object.entries(result.metafile.outputs).map(([file, output]) => [
        file
          .replace(/^bundles\//, '')
          .replace(/\.mjs$/, '')
          .replace(/^_/, '$'),
        { ...describeOutput(output), exports: output.exports },
      ]),
    );
    assert.deepEqual([...bundles.keys()].sort(), Object.keys(entries).sort());
    const rows = [...bundles].sort(([, a], [, b]) => a.bytes - b.bytes);
    t.diagnostic(
      [
        'function            KB  AWS SDK clients loaded at cold start                      bundled packages',
        ...rows.map(
          ([name, bundle]) =>
            `${name.padEnd(17)} ${(bundle.bytes / 1024).toFixed(0).padStart(4)}  ${(bundle.sdkClients.map((c) => c.replace('@aws-sdk/', '')).join(', ') || '-').padEnd(56)} ${bundle.packages.length}`,
        ),
      ].join('\n'),
    );
    for (const [name, bundle] of bundles) {
      assert.ok(bundle.exports.includes(LAMBDA_HANDLER_EXPORT), `${name} exports ${bundle.exports}`);
    }
  });

  it('loads the SDK client of a service only in the functions allowed to use it', () => {
    for (const [name, access] of Object.entries(functionAccess) as Array<
      [ChatFunctionName, (typeof functionAccess)[ChatFunctionName]]
    >) {
      const { sdkClients, packages } = bundles.get(name)!;
      assert.equal(sdkClients.includes('@aws-sdk/client-dynamodb'), access.store, `${name}: DynamoDB`);
      assert.equal(
        sdkClients.includes('@aws-sdk/client-apigatewaymanagementapi'),
        access.postToConnections,
        `${name}: @connections`,
      );
      assert.equal(
        sdkClients.includes('@aws-sdk/client-secrets-manager'),
        access.tokenKeys,
        `${name}: Secrets Manager`,
      );
      assert.equal(packages.includes('jose'), access.tokenKeys, `${name}: jose`);
      // The OpenSearch client (its SigV4 signer) only where the deployment may search with OpenSearch.
      assert.equal(packages.includes('@smithy/signature-v4'), Boolean(access.searchEngine), `${name}: OpenSearch`);
    }
    assert.deepEqual(bundles.get('tokenKeyRotation')!.sdkClients, ['@aws-sdk/client-secrets-manager']);
  });

  it('gives $default no AWS SDK client and nothing of the store', () => {
    const bundle = bundles.get('$default')!;
    assert.deepEqual(bundle.sdkClients, []);
    assert.ok(!bundle.packages.includes('@aws-sdk/lib-dynamodb'));
    assert.ok(bundle.bytes < bundles.get('sendMessage')!.bytes);
  });
});
