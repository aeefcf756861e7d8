/**
 * A URL fit for logs and error messages: the password replaced by `***`.
 * @example redactUrl('postgres://chat:hunter2@db:5432/chat') // 'postgres://chat:***@db:5432/chat'
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '(not a URL)';
  }
}
