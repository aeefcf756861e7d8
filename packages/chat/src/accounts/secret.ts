/**
 * The token secret: configured (e.g. from an environment variable), or generated
 * on first start and kept in the data directory so tokens survive restarts.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** File name of the generated secret inside the data directory. */
export const SECRET_FILE = 'token-secret';

export interface SecretOptions {
  /** Data directory that holds the generated secret. @default './data' */
  dataDir?: string;
  /** A configured secret (at least 32 characters); when given, no file is read or written. */
  secret?: string;
}

/**
 * The configured secret, or the one kept in `<dataDir>/token-secret`, created
 * (64 random bytes, base64url, mode 0600) when missing. Two processes starting at
 * once agree: the secret is written to a private file and hard-linked into place,
 * which fails for the loser, who then reads the winner's complete file.
 */
export async function resolveTokenSecret(options: SecretOptions = {}): Promise<Uint8Array> {
  if (options.secret !== undefined) {
    if (options.secret.length < 32) throw new TypeError('A configured token secret must be at least 32 characters.');
    return new TextEncoder().encode(options.secret);
  }
  const dataDir = options.dataDir ?? './data';
  const file = join(dataDir, SECRET_FILE);
  await mkdir(dataDir, { recursive: true });
  const candidate = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(candidate, randomBytes(64).toString('base64url'), { flag: 'wx', mode: 0o600 });
  try {
    await link(candidate, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(candidate);
  }
  const stored = (await readFile(file, 'utf8')).trim();
  if (stored.length < 32) throw new Error(`${file} holds fewer than 32 characters; delete it to generate a new one.`);
  return new TextEncoder().encode(stored);
}
