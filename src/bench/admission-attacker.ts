/**
 * Child process of the admission bench: the attacker. Holds status streams and slow-body
 * connections against the gateway in another process, so the gateway's CPU is not shared
 * with the attack's own parsing. A slow body the gateway cuts (request timeout) is opened
 * again at once, as a real attacker would. Protocol over IPC:
 *   parent → {start: AttackPlan}; child → {ready, streams, refused, slow, ms}
 *   parent → {report}            ; child → {report, streamsOpen, slowOpen, slowCut}
 *   parent → {stop}              ; child exits.
 */
import { inBatches, loopbackAddress, openStream, slowBody, targetOf, type RawConn } from '../test-support/attack.js';

export interface AttackPlan {
  url: string;
  /** Payment id → streams to open on it. */
  streams: Array<[string, number]>;
  slowBodies: number;
  /** Slow bodies alternate between these paths (with the headers given for each). */
  slowTargets: Array<{ path: string; headers: Record<string, string> }>;
  /** Streams per client address (kept under the per-address rate). */
  perAddress: number;
}

type Msg = { start: AttackPlan } | { report: true } | { stop: true };

const open: RawConn[] = [];
const slow = new Set<RawConn>();
let slowCut = 0;
let stopping = false;

async function start(plan: AttackPlan): Promise<void> {
  const t = targetOf(plan.url);
  const started = Date.now();
  const ids = plan.streams.flatMap(([id, n]) => Array.from({ length: n }, () => id));
  const streams = await inBatches(ids, 200, (id, i) => openStream(t, id, loopbackAddress(Math.floor(i / plan.perAddress))));
  let refused = 0;
  for (const s of streams) {
    if (s.status() === 200) open.push(s);
    else {
      refused++;
      s.destroy();
    }
  }
  const openSlow = async (i: number): Promise<void> => {
    if (stopping) return;
    const target = plan.slowTargets[i % plan.slowTargets.length]!;
    const c = await slowBody(t, { path: target.path, headers: target.headers, from: loopbackAddress(5000 + i) });
    slow.add(c);
    void c.closed.then(() => {
      slow.delete(c);
      if (stopping) return;
      slowCut++;
      void openSlow(i);
    });
  };
  for (let i = 0; i < plan.slowBodies; i++) await openSlow(i);
  process.send?.({ ready: true, streams: open.length, refused, slow: slow.size, ms: Date.now() - started });
}

process.on('message', (msg: Msg) => {
  if ('start' in msg) {
    void start(msg.start).catch((err: unknown) => {
      process.send?.({ error: String(err) });
      process.exit(1);
    });
  } else if ('report' in msg) {
    process.send?.({ report: true, streamsOpen: open.filter((s) => !s.socket.destroyed).length, slowOpen: slow.size, slowCut });
  } else {
    stopping = true;
    for (const c of [...open, ...slow]) c.destroy();
    process.exit(0);
  }
});
