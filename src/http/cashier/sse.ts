/**
 * GET /pay/{id}/events: the payment's status as server-sent events. Each connection
 * subscribes to the node's StatusBus (one hub entry per payment, fed from the committed state
 * change), so an idle page costs a socket and a map entry, never a database query. The
 * current status is sent on connect; a terminal status is the last message and ends the
 * stream. One shared timer writes heartbeat comments, so proxies keep idle streams open and
 * dead sockets are noticed, without a timer per connection. How many streams may be open
 * (per payment, per node) is decided before this route runs, in http/admission.ts.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { isPaymentStatus, isTerminal } from '../../domain/payment-state.js';
import { heartbeatMs } from '../timeouts.js';
import { PAYMENT_ID, buyerStatus } from '../../app/cashier.js';
import { statusMessage } from './view.js';

/** How long an EventSource waits before reconnecting: after a node drains, or without a bus. */
const RETRY_MS = 2_000;

const terminal = (s: string): boolean => isPaymentStatus(s) && isTerminal(s);

export function sseRoutes(app: FastifyInstance, ctx: AppContext): void {
  const open = new Set<ServerResponse>();
  // Often enough that the socket timeout (PAYGATE_SOCKET_TIMEOUT_MS) never cuts a healthy stream.
  const every = heartbeatMs(ctx.config);
  let heartbeat: NodeJS.Timeout | undefined;
  const track = (res: ServerResponse) => {
    open.add(res);
    heartbeat ??= setInterval(() => {
      for (const r of open) r.write(': hb\n\n');
    }, every).unref();
  };
  const untrack = (res: ServerResponse) => {
    open.delete(res);
    if (open.size === 0 && heartbeat) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
  };
  app.addHook('onClose', async () => {
    if (heartbeat) clearInterval(heartbeat);
    for (const r of open) r.end();
  });

  app.get<{ Params: { id: string } }>('/pay/:id/events', async (req, reply) => {
    const id = req.params.id;
    const notFound = () => reply.code(404).header('cache-control', 'no-store').send({ error: { code: 'PAYMENT.NOT_FOUND', message: 'no such payment', request_id: req.id } });
    if (!PAYMENT_ID.test(id)) return notFound();

    // Subscribe before reading: a change committed between the read and the subscribe would
    // otherwise be missed. Publication happens after commit, so the read below sees any
    // status already delivered to us, or a newer one.
    const res = reply.raw;
    let ended = false;
    let last: string | undefined;
    let returnUrl: string | null = null;
    const queued: string[] = [];
    let ready = false;
    const send = (status: string, declined = false) => {
      const key = `${status}:${declined}`;
      if (ended || key === last) return;
      last = key;
      res.write(`data: ${JSON.stringify(statusMessage(status, returnUrl, declined))}\n\n`);
      if (terminal(status)) end();
    };
    // The bus carries only a status. An open one may come with a new decline (the status did
    // not change), which only the row knows: read it then. Terminal statuses go out at once.
    const onStatus = (s: string) => {
      if (terminal(s)) return send(s);
      void buyerStatus(ctx, id).then((now) => { if (now) send(now.status, now.declined); }, () => send(s));
    };
    const end = () => {
      if (ended) return;
      ended = true;
      unsubscribe();
      if (!ready) return; // the bus closed while we were reading: answered below
      untrack(res);
      res.end();
    };
    const unsubscribe = ctx.statusBus?.subscribe(id, (s) => (ready ? onStatus(s) : queued.push(s)), end) ?? (() => undefined);

    const p = await buyerStatus(ctx, id);
    if (!p) {
      unsubscribe();
      return notFound();
    }
    if (ended) return reply.code(503).header('retry-after', '1').send({ error: { code: 'SERVICE.UNAVAILABLE', message: 'this node is shutting down; reconnect', request_id: req.id } });
    returnUrl = p.returnUrl;
    reply.hijack();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx and friends buffer responses by default; a buffered event stream is a dead one.
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
      'request-id': req.id,
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    res.on('close', end);
    track(res);
    ready = true;
    // Statuses published during the read come after it, unless the read already saw them:
    // send() drops repeats, and a terminal status ends the stream, so order cannot regress.
    send(p.status, p.declined);
    for (const s of queued) onStatus(s);
    // Without a bus (a context built by hand), end after the snapshot: the browser reconnects, which polls.
    if (!ctx.statusBus) end();
    return reply;
  });
}
