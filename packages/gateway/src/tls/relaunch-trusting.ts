/**
 * Node reads `NODE_EXTRA_CA_CERTS` only when a process starts. So that handlers in
 * the gateway process (and their worker threads) trust the local certificate when
 * they call `https://${domainName}/${stage}`, `switchboard serve` relaunches itself
 * once with the variable naming that certificate (combined with any file the user
 * already named there).
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { STOP_SIGNALS } from '../stop-signals.ts';
import { ensureLocalCertificate } from './local-certificate.ts';

const RELAUNCHED = 'SWITCHBOARD_RELAUNCHED';

/**
 * Resolves to the child's exit code after relaunching, or undefined when this
 * process already trusts the certificate and should go on itself.
 */
export async function relaunchTrustingLocalCertificate(script: string, args: string[]): Promise<number | undefined> {
  if (process.env[RELAUNCHED]) return undefined;
  const { certFile, cert } = await ensureLocalCertificate();
  let trusted = certFile;
  const existing = process.env.NODE_EXTRA_CA_CERTS;
  if (existing && existing !== certFile) {
    trusted = join(dirname(certFile), 'trusted-with-user-cas.pem');
    await writeFile(trusted, `${await readFile(existing, 'utf8')}\n${cert}`);
  }
  // The IPC channel ties the child to this process: it closes if this one is killed (serve stops then).
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: trusted, [RELAUNCHED]: '1' },
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
