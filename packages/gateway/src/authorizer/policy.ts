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

/**
 * An IAM glob match in at most glob × value steps: the greedy match that, on a
 * mismatch, goes back to the last `*` and lets it take one more character. (A
 * RegExp of `.*` runs would backtrack exponentially: eight stars that fail to
 * match held the event loop for a minute.)
 */
function globMatches(glob: string, value: string, ignoreCase: boolean): boolean {
  const pattern = ignoreCase ? glob.toLowerCase() : glob;
  const text = ignoreCase ? value.toLowerCase() : value;
  // The usual `Resource: event.methodArn` has no wildcard: one comparison.
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === text;
  let at = 0;
  let next = 0;
  let star = -1;
  let starTook = 0;
  while (at < text.length) {
    const wanted = pattern[next];
    if (wanted === '*') {
      star = next++;
      starTook = at;
    } else if (next < pattern.length && (wanted === '?' || wanted === text[at])) {
      next++;
      at++;
    } else if (star !== -1) {
      next = star + 1;
      at = ++starTook;
    } else {
      return false;
    }
  }
  while (pattern[next] === '*') next++;
  return next === pattern.length;
}
