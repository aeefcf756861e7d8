export { apiGatewayWay } from './api-gateway-way.ts';
export { chat } from './chat.ts';
export { connectionRate } from './connection-rate.ts';
export { crossNode } from './cross-node.ts';
export { fanOut } from './fan-out.ts';
export { idleMemory } from './idle-memory.ts';
export { latency } from './latency.ts';
export type { Scenario, ScenarioOptions } from './scenario.ts';

import { apiGatewayWay } from './api-gateway-way.ts';
import { chat } from './chat.ts';
import { connectionRate } from './connection-rate.ts';
import { crossNode } from './cross-node.ts';
import { fanOut } from './fan-out.ts';
import { idleMemory } from './idle-memory.ts';
import { latency } from './latency.ts';
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
];
