/**
 * The `paygate` CLI (API.md): start, migrate, merchant create, sandbox pay, sandbox --port.
 * `npm start` runs `paygate start`. `start`, `migrate` and `sandbox --port` run here; every
 * other command talks to the running gateway over its API (client.ts: --url / PAYGATE_URL,
 * the admin token as `npm start` keeps it), so it never needs the gateway's environment and
 * never opens the database itself. Options are parsed strictly: an unknown option or a bad
 * value is a one-line message and exit code 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createRuntime } from '../runtime.js';
import { loadConfig, ConfigError } from '../infra/config.js';
import { bootstrapDemo } from './demo.js';
import { admin, CliError, gatewayTarget, parseUrl, type GatewayTarget } from './client.js';
import { noSimulatorsMessage, provisionOverHttp, reachableSimulators, type ProviderAccount } from './sandbox-provision.js';
import { migrateDatabase } from '../app/ops.js';
import { reconcile } from './reconcile.js';

const USAGE = `usage: paygate <command>
  start                                   start the gateway (embedded default: SQLite in ./data, simulators mounted)
  migrate                                 apply database migrations and exit
  merchant create --name N [--sandbox [--simulators-url U]] [--json]
                                          create a merchant on the running gateway; --sandbox adds sandbox provider
                                          accounts at the gateway's simulators, or at standalone ones (--simulators-url)
  sandbox pay <payment_id> [--outcome success|fail]
                                          play the buyer of a sandbox payment (the gateway must be running)
  sandbox --port N                        run the provider simulators standalone (see docs/sandbox.md)
  reconcile --provider P --date YYYY-MM-DD [--account pa_…] [--json]
                                          reconcile the provider's bill of that day (every account of P, or one) on the
                                          running gateway; exit 0 clean, 1 differences found, 2 a run failed (docs/reconciliation.md)

Commands that talk to the running gateway take:
  --url U          the gateway (default: $PAYGATE_URL, else http://127.0.0.1:$PORT, PORT defaulting to 8080)
  --admin-url U    where its /admin/* is served, if PAYGATE_ADMIN_LISTEN moved it (default: $PAYGATE_ADMIN_URL, else --url)
  --admin-token T  its admin token (default: $PAYGATE_ADMIN_TOKEN, else the file \`paygate start\` wrote: $PAYGATE_DATA_DIR/admin.token, ./data/admin.token)
`;

const GATEWAY_OPTIONS = { url: { type: 'string' }, 'admin-url': { type: 'string' }, 'admin-token': { type: 'string' } } as const;

/** parseArgs, strict: an unknown option or a missing value is a usage error (exit 2), said in one line. */
function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message.split('\n')[0]} (paygate --help lists the options)`, 2);
  }
}

function target(values: { url?: string | boolean | undefined; 'admin-url'?: string | boolean | undefined; 'admin-token'?: string | boolean | undefined }): GatewayTarget {
  const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);
  return gatewayTarget({ url: str(values.url), adminUrl: str(values['admin-url']), adminToken: str(values['admin-token']) });
}

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'start': parse(rest, {}); return await start();
      case 'migrate': parse(rest, {}); return await runMigrate();
      case 'merchant': return await merchant(rest);
      case 'sandbox': return await sandbox(rest);
      case 'reconcile': {
        const { values, positionals } = parse(rest, { ...GATEWAY_OPTIONS, provider: { type: 'string' }, date: { type: 'string' }, account: { type: 'string' }, json: { type: 'boolean' } });
        if (positionals.length > 0) throw new CliError(`reconcile takes options only, got "${positionals[0]}" (usage: paygate reconcile --provider P --date YYYY-MM-DD)`, 2);
        process.exitCode = await reconcile(target(values), values);
        return;
      }
      case 'help': case '--help': case '-h':
        process.stdout.write(USAGE);
        return;
      default:
        process.stderr.write(cmd === undefined ? USAGE : `unknown command "${cmd}"\n${USAGE}`);
        process.exitCode = 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exitCode = 78;
      return;
    }
    if (err instanceof CliError) {
      console.error(`paygate: ${err.message}`);
      process.exitCode = err.exitCode;
      return;
    }
    // Anything else is a bug, but still one line: the stack only with DEBUG set.
    console.error(`paygate: ${(err as Error).message ?? String(err)}`);
    if (process.env.DEBUG) console.error((err as Error).stack);
    process.exitCode = 1;
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
  const applied = await migrateDatabase(loadConfig());
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
}

async function merchant(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { ...GATEWAY_OPTIONS, name: { type: 'string' }, sandbox: { type: 'boolean' }, 'simulators-url': { type: 'string' }, json: { type: 'boolean' } });
  if (positionals[0] !== 'create' || positionals.length > 1) throw new CliError(`usage: paygate merchant create --name N [--sandbox [--simulators-url U]] [--json]${positionals[0] && positionals[0] !== 'create' ? ` (unknown subcommand "${positionals[0]}")` : ''}`, 2);
  const name = values.name?.trim();
  if (!name) throw new CliError('merchant create needs --name, e.g. --name "My Shop"', 2);
  if (values['simulators-url'] !== undefined && !values.sandbox) throw new CliError('--simulators-url only goes with --sandbox', 2);
  const t = target(values);
  let providers: Awaited<ReturnType<typeof reachableSimulators>> = [];
  const simulatorsUrl = values['simulators-url'] !== undefined ? parseUrl(values['simulators-url'], '--simulators-url') : t.url;
  if (values.sandbox) {
    // Before anything is created: a merchant without its sandbox accounts is not what was asked for.
    providers = await reachableSimulators(simulatorsUrl);
    if (providers.length === 0) throw new CliError(noSimulatorsMessage(simulatorsUrl, t.url), 2);
  }
  const m = await admin<{ id: string; secret_key: string }>(t, 'POST', '/admin/merchants', { name });
  let accounts: ProviderAccount[] = [];
  if (values.sandbox) {
    try {
      accounts = await provisionOverHttp(t, m.id, simulatorsUrl, providers);
    } catch (err) {
      if (err instanceof CliError) throw new CliError(`merchant ${m.id} was created (secret key ${m.secret_key}), but adding its sandbox accounts failed: ${err.message}`);
      throw err;
    }
  }
  const out = values.sandbox ? { ...m, provider_accounts: accounts } : m;
  if (values.json) console.log(JSON.stringify(out));
  else {
    console.log(`merchant ${m.id}\nsecret key ${m.secret_key} (shown once: keep it)`);
    for (const a of accounts) console.log(`sandbox ${a.provider} account ${a.id} at ${a.base_url}`);
  }
}

async function sandbox(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { ...GATEWAY_OPTIONS, outcome: { type: 'string' }, port: { type: 'string' } });
  if (positionals[0] === 'pay') {
    if (positionals.length !== 2) throw new CliError('usage: paygate sandbox pay <payment_id> [--outcome success|fail]', 2);
    if (values.port !== undefined) throw new CliError('--port goes with `paygate sandbox --port N`, not with pay', 2);
    const outcome = values.outcome ?? 'success';
    if (outcome !== 'success' && outcome !== 'fail') throw new CliError(`--outcome must be success or fail, got "${outcome}"`, 2);
    const t = target(values);
    console.log(JSON.stringify(await admin(t, 'POST', `/admin/sandbox/payments/${encodeURIComponent(positionals[1]!)}/pay`, { outcome })));
    return;
  }
  if (positionals.length === 0 && values.port !== undefined) {
    for (const k of ['outcome', 'url', 'admin-url', 'admin-token'] as const) if (values[k] !== undefined) throw new CliError(`--${k} does not go with \`paygate sandbox --port N\``, 2);
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new CliError(`--port must be a port number 0..65535, got "${values.port}"`, 2);
    const { startSandboxServer } = await import('./sandbox-server.js');
    const config = loadConfig();
    const server = await startSandboxServer({ port: Number(values.port), host: config.HOST, dataDir: `${config.PAYGATE_DATA_DIR}/sandbox`, timeScale: config.sandboxTimeScale });
    for (const p of server.providers) console.log(`${p} simulator at ${server.url}/sandbox/${p}`);
    console.log(`index: ${server.url}/sandbox — attach them to a merchant: paygate merchant create --name N --sandbox --simulators-url ${server.url}`);
    const stop = () => void server.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return;
  }
  throw new CliError(positionals[0] ? `unknown sandbox command "${positionals[0]}"; use \`sandbox pay <payment_id>\` or \`sandbox --port N\`` : 'usage: paygate sandbox pay <payment_id> [--outcome success|fail] | paygate sandbox --port N', 2);
}
