/** The servers the benchmarks compare, by the names `--servers` takes. */
export const SERVERS = {
  switchboard: { entry: 'switchboard.ts', label: 'Switchboard' },
  uws: { entry: 'uws.ts', label: 'uWebSockets.js' },
  ws: { entry: 'ws-naive.ts', label: 'ws (naive loop)' },
  socketio: { entry: 'socketio.ts', label: 'Socket.IO 4' },
  /** Scenario 5 only: an API Gateway emulator, driven through `@connections`. */
  'serverless-offline': { entry: undefined, label: 'serverless-offline' },
} as const;

export type ServerName = keyof typeof SERVERS;
export type HarnessedServerName = {
  [K in ServerName]: (typeof SERVERS)[K]['entry'] extends string ? K : never;
}[ServerName];
export const SERVER_NAMES = Object.keys(SERVERS) as ServerName[];

export function isServerName(name: string): name is ServerName {
  return Object.hasOwn(SERVERS, name);
}

/** The servers that run under the common harness (scenarios 1-4). */
export function harnessed(names: readonly ServerName[]): HarnessedServerName[] {
  return names.filter((name): name is HarnessedServerName => SERVERS[name].entry !== undefined);
}
