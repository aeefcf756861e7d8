/**
 * The file settings of `npm start` (docs/operations.md, "Files"), read apart from
 * the rest of config.ts's settings:
 *
 * | Environment           | Default                            | Meaning                                             |
 * | --------------------- | ---------------------------------- | --------------------------------------------------- |
 * | `FILES_DIR`           | `<data dir>/files` on one node     | Directory for files; in a cluster, a shared mount    |
 * | `FILES_S3_BUCKET`     | none                               | Keep files in this S3 bucket instead                |
 * | `FILES_MAX_BYTES`     | `10485760` (10 MiB)                | Largest file                                        |
 * | `FILES_ALLOWED_TYPES` | images, PDF, ZIP, plain text types | Comma-separated MIME types that may be attached     |
 * | `FILES_ENABLED`       | `true`                             | `false` refuses every attachment                    |
 * | `FILES_UPLOAD_EXPIRY_HOURS` | `24`                         | With a directory: when an unsent upload is deleted  |
 * | `FILES_MIN_FREE_MB`   | `1024`                             | With a directory: free space an upload must leave   |
 */
import { resolve } from 'node:path';
import { normalizeType } from './domain/attachments.ts';
import type { ChatFilesOptions } from './store/files/open-file-store.ts';

/** The environment variables this module reads. */
export const FILES_ENVIRONMENT = [
  'FILES_DIR',
  'FILES_S3_BUCKET',
  'FILES_MAX_BYTES',
  'FILES_ALLOWED_TYPES',
  'FILES_ENABLED',
  'FILES_UPLOAD_EXPIRY_HOURS',
  'FILES_MIN_FREE_MB',
] as const;

/** Longest `FILES_UPLOAD_EXPIRY_HOURS` accepted: a year. */
const MAX_UPLOAD_EXPIRY_HOURS = 24 * 365;

/** Largest `FILES_MAX_BYTES` accepted: S3 takes one `PUT` of up to 5 GiB; a chat attachment is far smaller. */
const MAX_FILE_BYTES = 1024 ** 3;

/**
 * The `files` option of `startChatServer`; `undefined` keeps its default. Throws
 * `TypeError` naming the setting that is wrong (config.ts reports it as a configuration error).
 */
export function readFilesConfig(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): ChatFilesOptions | false | undefined {
  const text = (name: (typeof FILES_ENVIRONMENT)[number]) => env[name]?.trim() || undefined;
  const enabled = text('FILES_ENABLED');
  if (enabled !== undefined && enabled !== 'true' && enabled !== 'false') {
    throw new TypeError(`FILES_ENABLED must be true or false, got ${JSON.stringify(enabled)}.`);
  }
  if (enabled === 'false') return false;
  const dir = text('FILES_DIR');
  const bucket = text('FILES_S3_BUCKET');
  if (dir !== undefined && bucket !== undefined) {
    throw new TypeError('FILES_DIR and FILES_S3_BUCKET are both set: choose one place for files.');
  }
  const limits: NonNullable<ChatFilesOptions['limits']> = {};
  const maxBytes = text('FILES_MAX_BYTES');
  if (maxBytes !== undefined) {
    const value = Number(maxBytes);
    if (!Number.isSafeInteger(value) || value < 1 || value > MAX_FILE_BYTES) {
      throw new TypeError(
        `FILES_MAX_BYTES must be a whole number of bytes from 1 to ${MAX_FILE_BYTES}, got ${maxBytes}.`,
      );
    }
    limits.maxBytes = value;
  }
  const types = text('FILES_ALLOWED_TYPES');
  if (types !== undefined) {
    const list = types
      .split(',')
      .map(normalizeType)
      .filter((type) => type !== '');
    const bad = list.find((type) => !/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(type));
    if (bad !== undefined || list.length === 0) {
      throw new TypeError(`FILES_ALLOWED_TYPES must be MIME types separated by commas, got ${JSON.stringify(types)}.`);
    }
    // Scripts that a browser would run as a page are never served, whatever the setting says.
    const unsafe = list.find((type) => /svg|html|xml|javascript/.test(type));
    if (unsafe !== undefined)
      throw new TypeError(`FILES_ALLOWED_TYPES: ${unsafe} cannot be allowed (it runs scripts).`);
    limits.allowedTypes = list;
  }
  const expiry = text('FILES_UPLOAD_EXPIRY_HOURS');
  const expiryHours = expiry === undefined ? undefined : Number(expiry);
  if (expiryHours !== undefined && !(expiryHours > 0 && expiryHours <= MAX_UPLOAD_EXPIRY_HOURS)) {
    throw new TypeError(
      `FILES_UPLOAD_EXPIRY_HOURS must be a number of hours above 0, up to ${MAX_UPLOAD_EXPIRY_HOURS}, got ${expiry}.`,
    );
  }
  const minFree = text('FILES_MIN_FREE_MB');
  const minFreeMb = minFree === undefined ? undefined : Number(minFree);
  if (minFreeMb !== undefined && !(Number.isSafeInteger(minFreeMb) && minFreeMb >= 0)) {
    throw new TypeError(`FILES_MIN_FREE_MB must be a whole number of MiB, 0 or more, got ${minFree}.`);
  }
  const hasLimits = Object.keys(limits).length > 0;
  if (dir === undefined && bucket === undefined && !hasLimits && expiryHours === undefined && minFreeMb === undefined) {
    return undefined;
  }
  return {
    ...(minFreeMb !== undefined && { minFreeBytes: minFreeMb * 1024 * 1024 }),
    ...(dir !== undefined && { dir: resolve(cwd, dir) }),
    ...(bucket !== undefined && { s3: { bucket } }),
    ...(hasLimits && { limits }),
    ...(expiryHours !== undefined && { unattachedUploadExpiryMs: expiryHours * 60 * 60 * 1000 }),
  };
}
