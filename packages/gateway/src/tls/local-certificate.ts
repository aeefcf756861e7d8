/**
 * A locally generated certificate so that `https://${domainName}/${stage}`, the
 * callback URL handlers build on AWS, reaches the gateway unchanged (spec 9.4,
 * pain point 1). It is self-signed for localhost, 127.0.0.1 and ::1 and kept on
 * disk, so that processes can trust it through `NODE_EXTRA_CA_CERTS`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface LocalCertificate {
  key: string;
  cert: string;
  /** The PEM file to name in `NODE_EXTRA_CA_CERTS`. */
  certFile: string;
}

/** `SWITCHBOARD_TLS_DIR`, else `~/.switchboard/tls`. */
export function defaultCertificateDir(): string {
  return process.env.SWITCHBOARD_TLS_DIR ?? join(homedir(), '.switchboard', 'tls');
}

export async function ensureLocalCertificate(dir = defaultCertificateDir()): Promise<LocalCertificate> {
  const certFile = join(dir, 'localhost.crt');
  const keyFile = join(dir, 'localhost.key');
  try {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return { cert, key, certFile };
  } catch {
    // First start: generate below.
  }
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: 'commonName', value: 'Switchboard local gateway' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 825 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyFile, pems.private, { mode: 0o600 });
  await writeFile(certFile, pems.cert);
  return { cert: pems.cert, key: pems.private, certFile };
}
