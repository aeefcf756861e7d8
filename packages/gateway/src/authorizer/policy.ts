/**
 * IAM policy evaluation for REQUEST authorizer results (spec 6): an explicit Deny
 * wins, otherwise an Allow whose Action and Resource match is needed. Resources
 * use IAM globs (`*` any run of characters including `/`, `?` one character), so
 * the REST-style `.../prod/*\/*` does not match the WebSocket ARN `.../prod/$connect`
 * while `.../prod/*` does (checklist 94).
 */

export interface PolicyStatement {
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
}

export interface PolicyDocument {
  Version?: string;
  Statement?: PolicyStatement | PolicyStatement[];
}

export function policyAllows(document: PolicyDocument | undefined, action: string, resource: string): boolean {
  const statements = document?.Statement === undefined ? [] : ([] as PolicyStatement[]).concat(document.Statement);
  let allowed = false;
  for (const statement of statements) {
    const effect = String(statement.Effect ?? '').toLowerCase();
    const matches =
      anyMatch(statement.Action, action, { ignoreCase: true }) && anyMatch(statement.Resource, resource, {});
    if (!matches) continue;
    if (effect === 'deny') return false;
    if (effect === 'allow') allowed = true;
  }
  return allowed;
}

function anyMatch(patterns: unknown, value: string, { ignoreCase = false }: { ignoreCase?: boolean }): boolean {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  return list.some((pattern) => typeof pattern === 'string' && globMatches(pattern, value, ignoreCase));
}

/** A pattern without wildcards (the usual `Resource: event.methodArn`) is compared as it is, with no RegExp built. */
function globMatches(glob: string, value: string, ignoreCase: boolean): boolean {
  if (!glob.includes('*') && !glob.includes('?')) {
    return ignoreCase ? glob.toLowerCase() === value.toLowerCase() : glob === value;
  }
  return globToRegExp(glob, ignoreCase).test(value);
}

function globToRegExp(glob: string, ignoreCase: boolean): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '');
}
