/**
 * Child process of the cashier benchmark: holds N server-sent-event connections to one
 * payment's /events, so the gateway process is measured without sharing its CPU with the
 * clients' parsing. Protocol over IPC: {open: url, n} → {ready, ms} once every stream has its
 * first frame; then {done, times} with the wall-clock time each stream saw the terminal status.
 */
import http from 'node:http';

interface OpenMsg { open: string; n: number; want: string }

process.on('message', (msg: OpenMsg) => {
  void run(msg).catch((err: unknown) => {
    process.send?.({ error: String(err) });
    process.exit(1);
  });
});

async function run({ open, n, want }: OpenMsg): Promise<void> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const started = Date.now();
  const got: number[] = [];
  let ready = 0;
  let failed = 0;
  const connect = () => new Promise<void>((resolve) => {
    const req = http.get(open, { agent }, (res) => {
      if (res.statusCode !== 200) {
        failed++;
        res.resume();
        return resolve();
      }
      let first = true;
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        if (first && buf.includes('data: ')) {
          first = false;
          ready++;
          resolve();
        }
        if (buf.includes(`"status":"${want}"`)) {
          got.push(Date.now());
          buf = '';
          res.destroy();
        } else if (buf.length > 4096) {
          buf = buf.slice(-512);
        }
      });
    });
    req.on('error', () => {
      failed++;
      resolve();
    });
  });
  // Batches: a burst of thousands of SYNs would overflow the listen backlog and time the kernel, not Paygate.
  for (let i = 0; i < n; i += 250) await Promise.all(Array.from({ length: Math.min(250, n - i) }, connect));
  process.send?.({ ready, failed, ms: Date.now() - started });
  const deadline = Date.now() + 30_000;
  while (got.length < ready && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  process.send?.({ done: true, times: got });
  agent.destroy();
}
