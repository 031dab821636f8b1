/** Child-process entry for runLoad (see load.ts): receives one LoadSpec, runs autocannon, sends back a LoadResult, exits. */
import autocannon from 'autocannon';
import type { LoadMessage, LoadResult, LoadSpec } from './load.js';

async function main(spec: LoadSpec): Promise<LoadResult> {
  const expected = spec.expectBody;
  const base: autocannon.Options = {
    url: spec.url,
    method: spec.method ?? 'POST',
    headers: spec.headers,
    connections: spec.connections,
    // verifyBody, not expectBody: autocannon refuses expectBody together with `requests`.
    ...(expected !== undefined ? { verifyBody: (body: autocannon.Request['body']) => String(body) === expected } : {}),
  };
  let opts: autocannon.Options;
  let overflow = 0;
  // Fixed-amount runs: autocannon notices the last answer only on its next one-second tick,
  // so its finish time rounds the run up to whole seconds (1000 answers in 2.2 s read as
  // 3.02 s). The first send and the last answer, taken here, give the real span.
  let firstSentAt = 0;
  let lastAnsweredAt = 0;
  if (spec.bodies) {
    const bodies = spec.bodies;
    const perBody = spec.headersPerBody;
    if (perBody && perBody.length !== bodies.length) throw new Error(`headersPerBody has ${perBody.length} entries for ${bodies.length} bodies`);
    let next = 0;
    // autocannon calls setupRequest exactly once per request it sends (the first one per
    // connection at construction, then before each further one), so with amount =
    // bodies.length a shared cursor hands out every body exactly once.
    const setupRequest = (req: autocannon.Request): autocannon.Request => {
      if (firstSentAt === 0) firstSentAt = performance.now();
      if (next >= bodies.length) overflow++;
      const i = Math.min(next++, bodies.length - 1);
      const extra = perBody?.[i];
      // A body and its signature headers travel together, or the signature would not match.
      return extra ? { ...req, body: bodies[i], headers: { ...req.headers, ...extra } } : { ...req, body: bodies[i] };
    };
    const onResponse = () => {
      lastAnsweredAt = performance.now();
    };
    opts = { ...base, amount: bodies.length, requests: [{ setupRequest, onResponse }] };
  } else {
    if (spec.durationSec === undefined || (spec.bodyTemplate === undefined && spec.method !== 'GET')) throw new Error('a spec needs bodies, or durationSec and bodyTemplate (GET: durationSec)');
    opts = { ...base, duration: spec.durationSec, ...(spec.bodyTemplate !== undefined ? { body: spec.bodyTemplate, idReplacement: true } : {}) };
  }

  const r = await autocannon(opts);
  const statusCounts: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCounts[code] = s.count ?? 0;
  const answered = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  const unexpectedStatus = answered - (statusCounts[String(spec.expectStatus)] ?? 0);
  // r.requests.average is a per-second-sample mean that drops partial seconds; completed
  // answers over wall time is the honest throughput for short, fixed-amount runs.
  const durationSec = spec.bodies && lastAnsweredAt > firstSentAt ? (lastAnsweredAt - firstSentAt) / 1000 : (r.finish.getTime() - r.start.getTime()) / 1000;
  const mismatches = r.mismatches + overflow;
  return {
    requests: answered,
    durationSec,
    rps: durationSec > 0 ? answered / durationSec : 0,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    statusCounts,
    unexpectedStatus,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    mismatches,
    clean: unexpectedStatus === 0 && r.errors === 0 && r.timeouts === 0 && mismatches === 0 && answered > 0,
  };
}

function reply(msg: LoadMessage): void {
  if (!process.connected) return;
  // Disconnect once sent so the process exits on its own.
  process.send?.(msg, () => {
    if (process.connected) process.disconnect();
  });
}

// The bench went away (Ctrl-C, crash): stop firing requests at nobody's gateway.
process.once('disconnect', () => process.exit(0));

process.once('message', (spec: LoadSpec) => {
  main(spec).then(
    (result) => reply({ ok: true, result }),
    (err: unknown) => reply({ ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
  );
});
