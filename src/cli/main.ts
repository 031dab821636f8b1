/**
 * The `paygate` CLI (API.md): start, migrate, merchant create, sandbox pay, sandbox --port.
 * `npm start` runs `paygate start`.
 */
import { parseArgs } from 'node:util';
import { createRuntime } from '../runtime.js';
import { migrate, openDb } from '../infra/db/index.js';
import { loadConfig, ConfigError } from '../infra/config.js';
import { createMerchant } from '../app/merchants.js';
import { createSandboxMerchant } from '../sandbox/index.js';
import { bootstrapDemo, simulatorsOffReason } from './demo.js';

const USAGE = `usage: paygate <command>
  start                                   start the gateway (embedded default: SQLite in ./data, simulators mounted)
  migrate                                 apply database migrations and exit
  merchant create --name N [--sandbox] [--json]
                                          create a merchant; --sandbox adds sandbox provider accounts
  sandbox pay <payment_id> [--outcome success|fail]
                                          play the buyer in the simulator (the gateway must be running)
  sandbox --port N                        run the provider simulators standalone
`;

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'start': return await start();
      case 'migrate': return await runMigrate();
      case 'merchant': return await merchant(rest);
      case 'sandbox': return await sandbox(rest);
      case 'reconcile':
        console.error('reconcile is not available in this version yet');
        process.exitCode = 2;
        return;
      default:
        process.stdout.write(USAGE);
        if (cmd !== 'help' && cmd !== '--help') process.exitCode = 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exitCode = 78;
      return;
    }
    throw err;
  }
}

async function start(): Promise<void> {
  const rt = await createRuntime();
  let address: string;
  try {
    address = await rt.listen();
  } catch (err) {
    // A port in use or not ours (PORT, PAYGATE_ADMIN_LISTEN, PAYGATE_HTTP_REDIRECT_PORT): say which, close what opened.
    console.error((err as Error).message);
    await rt.stop();
    process.exitCode = 1;
    return;
  }
  for (const n of rt.notes) rt.ctx.log.warn(n);
  rt.ctx.log.info({ address, ...(rt.listeners.admin ? { admin: rt.listeners.admin } : {}), ...(rt.listeners.redirect ? { http_redirect: rt.listeners.redirect } : {}), database: rt.ctx.dbh.dialect }, 'paygate listening');
  const demo = await bootstrapDemo(rt);
  if (demo) process.stdout.write(demo);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.ctx.log.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
    rt.stop().then(() => process.exit(0), (err: unknown) => {
      rt.ctx.log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

async function runMigrate(): Promise<void> {
  const config = loadConfig();
  const h = openDb({ ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}), dataDir: config.PAYGATE_DATA_DIR });
  try {
    const applied = await migrate(h.db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await h.destroy();
  }
}

async function merchant(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { name: { type: 'string' }, sandbox: { type: 'boolean' }, json: { type: 'boolean' } } });
  if (positionals[0] !== 'create' || !values.name) {
    process.stdout.write(USAGE);
    process.exitCode = 2;
    return;
  }
  const rt = await createRuntime({ ...process.env, PAYGATE_WORKER: 'false', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  try {
    if (values.sandbox && !rt.config.PAYGATE_SIMULATORS) {
      // Sandbox accounts point at the in-process simulators; without them they could never take a payment.
      console.error(`--sandbox needs the provider simulators, which are off here (${simulatorsOffReason(rt.config)}). Set PAYGATE_SIMULATORS=true on this command and on the gateway to use them (never on a node that takes real payments), or create the merchant without --sandbox and add provider accounts with POST /admin/merchants/{id}/provider_accounts. Nothing was created.`);
      process.exitCode = 2;
      return;
    }
    const m = values.sandbox ? await createSandboxMerchant(rt.ctx, rt.simulators, values.name) : await createMerchant(rt.ctx, { name: values.name });
    if (values.json) console.log(JSON.stringify(m));
    else console.log(`merchant ${m.id}\nsecret key ${m.secret_key}`);
  } finally {
    await rt.stop();
  }
}

async function sandbox(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { outcome: { type: 'string', default: 'success' }, port: { type: 'string' } } });
  if (positionals[0] === 'pay' && positionals[1]) {
    const { sandboxPay } = await import('./sandbox-pay.js');
    const outcome = values.outcome === 'fail' ? 'fail' : 'success';
    console.log(JSON.stringify(await sandboxPay(positionals[1], outcome)));
    return;
  }
  if (positionals.length === 0 && values.port !== undefined) {
    const { startSandboxServer } = await import('./sandbox-server.js');
    const config = loadConfig();
    const server = await startSandboxServer({ port: Number(values.port), host: config.HOST, dataDir: `${config.PAYGATE_DATA_DIR}/sandbox`, timeScale: config.sandboxTimeScale });
    for (const p of server.providers) console.log(`${p} simulator at ${server.url}/sandbox/${p}`);
    const stop = () => void server.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return;
  }
  process.stdout.write(USAGE);
  process.exitCode = 2;
}
