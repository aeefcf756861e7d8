/**
 * Whether a request target names the management plane (`@connections`,
 * `@channels`, `/metrics`) in any spelling. The public listener does not serve
 * the management plane at all (it has no route to that code); it uses this to
 * refuse those paths explicitly instead of passing them to the app's own
 * `requestHandler`, however a client or a proxy in front spelt them:
 *
 *   /dev/@connections/x   /@connections/x   /dev/%40connections/x   /dev/%2540connections/x
 *   /DEV/@CONNECTIONS/x   //dev//@connections/x   /dev/./@connections/x   /a/../dev/@channels/x
 *   /metrics   /METRICS   //metrics   /./metrics   /a/../metrics   /%6Detrics   http://host/metrics
 */

/** Rounds of percent-decoding: enough for `%252540` (three levels), bounded for hostile input. */
const DECODE_ROUNDS = 4;

export function isManagementPlanePath(target: string): boolean {
  const segments = normalisedSegments(target);
  if (segments.some((segment) => segment.includes('@connections') || segment.includes('@channels'))) return true;
  return segments.length === 1 && segments[0] === 'metrics';
}

/**
 * The path's segments as a lenient server might read them: scheme and authority
 * dropped (absolute-form, RFC 7230 5.3.2), query cut, percent-decoding repeated
 * (a proxy may decode once more), `\` read as `/`, lower case, empty and `.`
 * segments dropped and `..` applied (RFC 3986 5.2.4).
 */
function normalisedSegments(target: string): string[] {
  let path = target.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '').split(/[?#]/, 1)[0] ?? '';
  for (let round = 0; round < DECODE_ROUNDS; round++) {
    const decoded = path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    if (decoded === path) break;
    path = decoded;
  }
  const segments: string[] = [];
  for (const raw of path.replaceAll('\\', '/').toLowerCase().split('/')) {
    // A trailing `;parameter` (RFC 2396) or whitespace does not change what a segment names.
    const segment = raw.split(';', 1)[0]?.trim() ?? '';
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return segments;
}
