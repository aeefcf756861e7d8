/**
 * A `Content-Disposition` value (RFC 6266) for a file's name: an ASCII
 * fallback `filename` and the exact name as `filename*` (RFC 8187), which
 * every current browser prefers. `attachment` makes it a download, never rendered.
 */
export function contentDisposition(attachment: boolean, name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${attachment ? 'attachment' : 'inline'}; filename="${fallback}"; filename*=UTF-8''${exact}`;
}
