/**
 * Where a function's code is on this machine: SAM's `CodeUri` (a folder relative
 * to the template), or inline code (`InlineCode`, `Code.ZipFile`), written to a
 * folder of its own as `index.js`, the file Lambda makes of it. Code that exists
 * only in S3 cannot run locally.
 *
 * Lambda's Node.js runtimes provide the AWS SDK v3, so inline code `require`s it
 * without shipping it; here it comes from the project's own `node_modules`. So the
 * inline code is written inside the nearest `node_modules` above the template (in
 * its `.cache`, where tools keep such files), from where Node's resolution finds
 * the project's packages; with none, to the system's temporary folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isObject } from './intrinsics.ts';
import type { CodeLocator } from './lambda-functions.ts';
import type { CloudFormationTemplate, TemplateResource } from './template.ts';

/** Code folders relative to `baseDir` (the template's folder). */
export function localCodeLocator(baseDir: string): CodeLocator {
  return (template, resource) => {
    const inline = template.property(resource, resource.type === 'AWS::Serverless::Function' ? 'InlineCode' : 'Code');
    const inlineText = typeof inline === 'string' ? inline : isObject(inline) ? inline.ZipFile : undefined;
    if (typeof inlineText === 'string') return writeInlineCode(inlineText, baseDir);
    if (resource.type === 'AWS::Serverless::Function') return codeUriFolder(template, resource, baseDir);
    return template.fail(
      "the function's code is in S3 (Code.S3Bucket): serve the SAM template (CodeUri) or the CDK cloud assembly, whose code is local",
      template.propertyPath(resource, 'Code'),
    );
  };
}

function codeUriFolder(template: CloudFormationTemplate, resource: TemplateResource, baseDir: string): string {
  const path = template.propertyPath(resource, 'CodeUri');
  const codeUri = template.property(resource, 'CodeUri') ?? '.';
  if (typeof codeUri !== 'string' || codeUri.startsWith('s3://')) {
    template.fail("CodeUri points at S3: point it at the folder of the function's code", path);
  }
  const folder = resolve(baseDir, codeUri);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) template.fail(`CodeUri ${codeUri}: no such folder`, path);
  return folder;
}

/** One folder per distinct code, so that two inline functions never share a module. */
function writeInlineCode(code: string, baseDir: string): string {
  const modules = nearestNodeModules(baseDir);
  const folder = join(
    modules === undefined ? tmpdir() : join(modules, '.cache'),
    'switchboard-inline-code',
    createHash('sha256').update(code).digest('hex').slice(0, 16),
  );
  mkdirSync(folder, { recursive: true });
  // Lambda runs inline code as CommonJS `index.js`, whatever package.json a parent folder has.
  writeFileSync(join(folder, 'package.json'), '{"type":"commonjs"}\n');
  writeFileSync(join(folder, 'index.js'), code);
  return folder;
}

/** The `node_modules` folder Node's resolution would reach first from `folder`, if any. */
function nearestNodeModules(folder: string): string | undefined {
  for (let current = resolve(folder); ; current = dirname(current)) {
    const candidate = join(current, 'node_modules');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    if (dirname(current) === current) return undefined;
  }
}
