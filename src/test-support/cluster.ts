/**
 * Multi-process helpers for the cluster tests and the cluster bench, one module per piece:
 * gateway nodes as real `paygate start` child processes (gateway-node.ts), a private
 * PostgreSQL cluster (private-postgres.ts; a private redis-server is in redis.ts), the
 * Alipay simulator as its own process (simulator-process.ts), a front proxy that stands in
 * for a load balancer (front-proxy.ts), ports and readiness (ports.ts) and CPU accounting
 * (proc-stats.ts). This file only gathers them, so the tests import one place.
 */
export { freePort, ROOT, waitReady } from './ports.js';
export { cpuSeconds, machineJiffies } from './proc-stats.js';
export { gatewayNode, startNodes, type GatewayNode } from './gateway-node.js';
export { startPrivatePostgres, type PrivatePostgres } from './private-postgres.js';
export { startFrontProxy, type FrontProxy, type NotifyCopy, type NotifyRecord } from './front-proxy.js';
export { startSimulatorProcess, type SimulatorProcess } from './simulator-process.js';
