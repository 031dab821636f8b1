/**
 * The host every simulator class extends: options checked once, the fault settings, the
 * background tick (expiry sweeps, refund settlement, due notifications), a shutdown that
 * cuts hung requests short, the error handler, and the order things close in. A provider's
 * simulator adds only its protocol: its routes, its state, how it signs.
 */
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { DEFAULT_FAULTS, FaultsInputError, parseFaultsPatch, type Faults } from './faults.js';
import { abortableSleep } from './lifecycle.js';
import { Outbox, type OutboxProtocol, type OutboxRow, type OutboxTable } from './outbox.js';

export interface SimulatorOptions {
  /** Where keys and state persist; unset: in memory with fresh keys. */
  dataDir?: string | undefined;
  /** Multiplies notification retry delays and other provider-side waits (1 = the provider's real pace). */
  timeScale?: number | undefined;
  /** e.g. "http://127.0.0.1:8080/sandbox/alipay"; known only after listen, hence a function. */
  publicBaseUrl: () => string;
  /** Where unexpected errors go; defaults to console.error. */
  log?: ((message: string) => void) | undefined;
}

/** What every provider's route modules get from the host (each SimContext extends it). */
export interface HostContext {
  faults(): Faults;
  /** The public base URL without a trailing slash. */
  publicBaseUrl(): string;
  now(): number;
  /** A delay that close() cuts short, so injected latency/hangs never block shutdown. */
  sleep(ms: number): Promise<void>;
  random(): number;
  log(message: string): void;
}

interface Closeable {
  close(): void | Promise<void>;
}

export abstract class SimulatorHost {
  readonly timeScale: number;
  private readonly shutdown = new AbortController();
  private readonly resources: Closeable[] = [];
  private readonly logLine: (message: string) => void;
  private currentFaults: Faults = { ...DEFAULT_FAULTS };
  private ticker: NodeJS.Timeout | undefined;
  private closed = false;

  /** `name` prefixes log lines, e.g. "alipay-sim". */
  protected constructor(readonly name: string, private readonly opts: SimulatorOptions) {
    const timeScale = opts.timeScale ?? 1;
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError('timeScale must be a positive number');
    this.timeScale = timeScale;
    this.logLine = opts.log ?? ((m: string) => console.error(m));
  }

  setFaults(f: Partial<Faults>): void {
    // Same validation as POST /_faults, so programmatic callers cannot set nonsense either.
    this.currentFaults = { ...this.currentFaults, ...parseFaultsPatch(f) };
  }

  get faults(): Faults {
    return { ...this.currentFaults };
  }

  protected now(): number {
    return Date.now();
  }

  protected log(message: string): void {
    this.logLine(message);
  }

  /** Stops the tick, cuts sleeping requests short, then closes what was handed to closeWith, in order. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    this.shutdown.abort();
    for (const r of this.resources) await r.close();
  }

  /** The host's part of a provider's SimContext. */
  protected hostContext(): HostContext {
    return {
      faults: () => this.currentFaults,
      publicBaseUrl: () => this.opts.publicBaseUrl().replace(/\/+$/, ''),
      now: () => this.now(),
      sleep: (ms) => abortableSleep(this.shutdown.signal, ms),
      random: Math.random,
      log: (m) => this.log(m),
    };
  }

  /** Closed by close(), in the order given (an outbox before the store it writes to). */
  protected closeWith(...resources: Closeable[]): void {
    this.resources.push(...resources);
  }

  /** The notification outbox in `table`, closed (in-flight sends awaited) when the simulator closes. */
  protected outbox<R extends OutboxRow>(table: OutboxTable<R>, protocol: OutboxProtocol<R>): Outbox<R> {
    const host = { name: this.name, timeScale: this.timeScale, faults: () => this.currentFaults, now: () => this.now(), log: (m: string) => this.log(m) };
    return new Outbox(host, table, protocol);
  }

  /**
   * One loop for the background work, scaled so tiny timeScales still retry promptly:
   * `baseMs` × timeScale, kept between 25 ms and 1 s. A failing tick is logged, never thrown.
   */
  protected startTicking(tick: () => void, baseMs = 1000): void {
    const tickMs = Math.min(1000, Math.max(25, Math.round(baseMs * this.timeScale)));
    const run = () => {
      if (this.closed) return;
      try {
        tick();
      } catch (err) {
        this.log(`${this.name}: background tick failed: ${String(err)}`);
      }
    };
    this.ticker = setInterval(run, tickMs);
    this.ticker.unref();
    setImmediate(run);
  }

  /**
   * The simulator's Fastify plugin: the shared error handler (a 4xx passes through in the
   * provider's error shape, anything else is logged and answered as its internal error) and a
   * preClose hook, then the provider's routes. Register it under a prefix; it is encapsulated.
   */
  protected hostPlugin(errorBody: (err: FastifyError, internal: boolean) => unknown, routes: (app: FastifyInstance) => void): FastifyPluginAsync {
    return async (app: FastifyInstance) => {
      app.setErrorHandler((err: FastifyError, _req, reply) => {
        const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status === 500) this.log(`${this.name}: ${err.stack ?? err.message}`);
        return reply.code(status).send(errorBody(err, status === 500));
      });
      // Hung requests (timeout fault) must not hold up the host app's close().
      app.addHook('preClose', (done) => {
        this.shutdown.abort();
        done();
      });
      routes(app);
    };
  }

  /**
   * GET/POST /_faults, the same fields everywhere (API.md); `badRequest` is the provider's
   * error shape (default: the sandbox's own { error: { code, message } }), `body` how its
   * plugin hands over a JSON body (some keep bodies as raw text).
   */
  protected faultsRoutes(app: FastifyInstance, o: { badRequest?: (message: string) => unknown; bodyLimit?: number; body?: (req: FastifyRequest) => unknown } = {}): void {
    const badRequest = o.badRequest ?? ((message: string) => ({ error: { code: 'INVALID_REQUEST', message } }));
    app.get('/_faults', async () => this.faults);
    app.post('/_faults', o.bodyLimit === undefined ? {} : { bodyLimit: o.bodyLimit }, async (req, reply) => {
      try {
        this.setFaults(parseFaultsPatch(o.body ? o.body(req) : req.body));
        return this.faults;
      } catch (err) {
        if (err instanceof FaultsInputError) return reply.code(400).send(badRequest(err.message));
        throw err;
      }
    });
  }
}

/** The error shape of the sandbox's own routes (and of Alipay's and UnionPay's simulators). */
export const sandboxErrorBody = (err: { code?: string; message: string }, internal: boolean) =>
  ({ error: { code: internal ? 'INTERNAL' : (err.code ?? 'INVALID_REQUEST'), message: internal ? 'internal error' : err.message } });

const FORM = 'application/x-www-form-urlencoded';

/**
 * Replaces the form parser inside a simulator's (encapsulated) plugin, leaving the host app's
 * alone; `parse` gets the body as text (the default keeps it so) and may throw to refuse it.
 */
export function formParser(app: FastifyInstance, bodyLimit: number, parse: (body: string, req: FastifyRequest) => unknown = (b) => b): void {
  if (app.hasContentTypeParser(FORM)) app.removeContentTypeParser(FORM);
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit }, (req, body, done) => {
    try {
      done(null, parse(String(body), req));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
