/**
 * Inside a function's worker: connections to this API's AWS host name,
 * `<apiId>.execute-api.<region>.amazonaws.com`, go to the gateway's management
 * listener instead, so that code which builds its `@connections` endpoint the way
 * AWS's own sample does (`https://${apiId}.execute-api.${region}.amazonaws.com/${stage}`)
 * runs unchanged. Exactly this is intercepted:
 *
 * - the host name of this API only: the `apiId` the gateway reports in
 *   `requestContext.apiId` (learnt from the first event), any region; other APIs'
 *   host names and every other host are left alone;
 * - TCP connections opened through `node:tls` (`https:`, any port) and `node:net`
 *   (`http:`), which is what `https.request`, the AWS SDK v3 and v2 and `fetch` use;
 * - they are redirected to the host and port of `AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI`
 *   (the management listener, which speaks TLS and plain HTTP on one port); a TLS
 *   connection then verifies the gateway's local certificate as `localhost`, which the
 *   worker trusts through `NODE_EXTRA_CA_CERTS` (set by `switchboard serve`).
 *
 * The request itself is unchanged: its path (`/<stage>/@connections/<id>`), its
 * `Host` header and its signature reach the management API as they would reach AWS.
 */
import net from 'node:net';
import tls from 'node:tls';

const EXECUTE_API_HOST = /^([a-z0-9]{10})\.execute-api\.[a-z0-9-]+\.amazonaws\.com\.?$/i;

type Connect = (...args: unknown[]) => net.Socket;

export class ExecuteApiInterception {
  #apiId: string | undefined;

  /** Patches `tls.connect`, `net.connect` and `net.createConnection` of this worker. */
  static install(): ExecuteApiInterception {
    const interception = new ExecuteApiInterception();
    const patch = (module: Record<string, unknown>, name: string, secure: boolean): void => {
      const original = module[name] as Connect;
      module[name] = function connectIntercepted(this: unknown, ...args: unknown[]) {
        return original.apply(this, interception.#redirect(args, secure));
      };
    };
    patch(tls as unknown as Record<string, unknown>, 'connect', true);
    patch(net as unknown as Record<string, unknown>, 'connect', false);
    patch(net as unknown as Record<string, unknown>, 'createConnection', false);
    return interception;
  }

  /** Learns this API's id from an event the gateway sends (`requestContext.apiId`). */
  observe(event: unknown): void {
    if (this.#apiId) return;
    const apiId = (event as { requestContext?: { apiId?: unknown } } | null)?.requestContext?.apiId;
    if (typeof apiId === 'string') this.#apiId = apiId.toLowerCase();
  }

  /** The arguments, with the destination replaced when it is this API's AWS host. */
  #redirect(args: unknown[], secure: boolean): unknown[] {
    const [first] = args;
    // connect(options, ...) is how https, http and fetch call it; connect(port, host, ...) is left alone.
    if (typeof first !== 'object' || first === null || !this.#apiId) return args;
    const redirected = redirectToGateway(first as ConnectOptions, this.#apiId, secure);
    return redirected ? [redirected, ...args.slice(1)] : args;
  }
}

interface ConnectOptions {
  host?: string;
  servername?: string;
  port?: number | string;
}

/**
 * The connection options pointed at the management listener when they name this
 * API's AWS host (`apiId` lower case); undefined when they do not.
 */
export function redirectToGateway(
  options: ConnectOptions,
  apiId: string,
  secure: boolean,
  env: NodeJS.ProcessEnv = process.env,
): ConnectOptions | undefined {
  const host = options.host ?? options.servername;
  if (!host || EXECUTE_API_HOST.exec(host)?.[1]?.toLowerCase() !== apiId) return undefined;
  const target = managementAddress(env);
  if (!target) return undefined;
  return { ...options, host: target.host, port: target.port, ...(secure && { servername: 'localhost' }) };
}

/** The management listener, from the variable the gateway sets once it listens. */
function managementAddress(env: NodeJS.ProcessEnv): { host: string; port: number } | undefined {
  const endpoint = env.AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI;
  if (!endpoint) return undefined;
  try {
    const url = new URL(endpoint);
    return {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    };
  } catch {
    return undefined;
  }
}
