/** `paygate sandbox --port N`: every provider simulator on one server, without the gateway. */
import Fastify from 'fastify';
import { createSimulators } from '../sandbox/index.js';
import { registerSandboxIndex } from '../http/routes/sandbox-index.js';

export async function startSandboxServer(o: { port: number; host: string; dataDir: string; timeScale: number }) {
  let url = '';
  const sims = createSimulators({ dataDir: o.dataDir, timeScale: o.timeScale, publicUrl: () => url }).filter((s) => s.provider !== 'webhooks');
  const app = Fastify({ logger: false });
  for (const sim of sims) await app.register(sim.plugin, { prefix: `/sandbox/${sim.provider}` });
  registerSandboxIndex(app, { providers: sims.map((s) => s.provider), inbox: false });
  await app.listen({ port: o.port, host: o.host });
  const { port } = app.server.address() as { port: number };
  url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  return {
    url,
    providers: sims.map((s) => s.provider),
    async close() {
      await app.close();
      for (const sim of sims) await sim.close();
    },
  };
}
