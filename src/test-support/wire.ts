/** Connector tests: the request a create builder produced, or the test fails with the builder's refusal. */
import type { ConnectorFailure, WireRequest } from '../connectors/types.js';

export function sent(built: WireRequest | ConnectorFailure): WireRequest {
  if ('ok' in built) throw new Error(`the builder refused to build: ${built.code} ${built.message}`);
  return built;
}
