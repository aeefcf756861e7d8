const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** The last second formatted, and its text: every event of one second shares the string. */
let cachedSecond = Number.NaN;
let cachedText = '';

/** Common Log Format time in UTC, as API Gateway's `requestTime`: `11/Nov/2024:11:35:24 +0000`. */
export function clfTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second === cachedSecond) return cachedText;
  const d = new Date(epochMs);
  cachedText = `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(
    d.getUTCMinutes(),
  )}:${pad2(d.getUTCSeconds())} +0000`;
  cachedSecond = second;
  return cachedText;
}
