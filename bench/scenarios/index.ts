export { apiGatewayWay } from './api-gateway-way.ts';
export { browserBurst } from './browser-burst.ts';
export { busyRoom } from './busy-room.ts';
export { chat } from './chat.ts';
export { connectionRate } from './connection-rate.ts';
export { crossNode } from './cross-node.ts';
export { fanOut } from './fan-out.ts';
export { idleMemory } from './idle-memory.ts';
export { latency } from './latency.ts';
export { networkJitter } from './network-jitter.ts';
export { reconnectStorm } from './reconnect-storm.ts';
export type { Scenario, ScenarioOptions } from './scenario.ts';

import { apiGatewayWay } from './api-gateway-way.ts';
import { browserBurst } from './browser-burst.ts';
import { busyRoom } from './busy-room.ts';
import { chat } from './chat.ts';
import { connectionRate } from './connection-rate.ts';
import { crossNode } from './cross-node.ts';
import { fanOut } from './fan-out.ts';
import { idleMemory } from './idle-memory.ts';
import { latency } from './latency.ts';
import { networkJitter } from './network-jitter.ts';
import { reconnectStorm } from './reconnect-storm.ts';
import type { Scenario } from './scenario.ts';

/** Every scenario, in the order. */
export const SCENARIOS: readonly Scenario[] = [
  fanOut,
  latency,
  idleMemory,
  connectionRate,
  apiGatewayWay,
  chat,
  crossNode,
  browserBurst,
  networkJitter,
  reconnectStorm,
  busyRoom,
];
