// The load generator of bench/http.bench.ts: one autocannon run, in a Node process of its own,
// so that it never shares an event loop (or, on 2 cores, a core) with the server it measures.
//
// Usage: node bench/lib/autocannon_runner.mjs < config.json
//
// The config (JSON on stdin):
//   { url: "http://127.0.0.1:PORT", method: "GET" | "PUT", paths: string[], bodies?: string[],
//     headers?: object, connections: number, duration: s, warmup: s, timeout: s }
// Request n (over all connections) goes to paths[n % paths.length] with bodies[n % length], so
// the requests spread over the given ids, filters or terms. The URL's host must be a loopback
// address: this script refuses any other.
//
// Prints `{"event":"start"}` when the timed run starts (after the warmup), so that the caller can
// read its server's CPU time then, and at the end one line of JSON: { requests, seconds, rps, p50,
// p99, mean, errors, timeouts, non2xx, statusCodes, cpu } for the timed run. Latencies are in ms,
// from every response's own time (autocannon's histogram keeps whole milliseconds only); `cpu` is
// this process's CPU time over the timed run divided by its length: the load generator's share
// of a core (near 1, it is the bound, not the server).
import process from "node:process";
import autocannon from "autocannon";

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/;

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

const config = await readStdin();
const url = new URL(config.url);
if (!LOOPBACK.test(url.hostname)) {
  throw new Error(`Refusing to load "${url.hostname}": only loopback addresses are measured`);
}
const paths = config.paths;
const bodies = config.bodies;
if (!Array.isArray(paths) || paths.length === 0) throw new Error("No paths to request");
let next = 0;

const latencies = [];
let cpuAtStart;
let startedAt = 0;
const run = autocannon({
  url: url.origin,
  connections: config.connections,
  duration: config.duration,
  timeout: config.timeout ?? 10,
  warmup: config.warmup > 0
    ? { connections: config.connections, duration: config.warmup }
    : undefined,
  requests: [{
    method: config.method,
    headers: config.headers ?? {},
    setupRequest: (request) => {
      const i = next++;
      request.path = paths[i % paths.length];
      if (bodies !== undefined) request.body = bodies[i % bodies.length];
      return request;
    },
  }],
});
run.on("start", () => {
  cpuAtStart = process.cpuUsage();
  startedAt = performance.now();
  process.stdout.write(`${JSON.stringify({ event: "start" })}\n`);
});
run.on("response", (_client, _status, _bytes, ms) => latencies.push(ms));
const result = await run;
const cpu = process.cpuUsage(cpuAtStart);
const cpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - startedAt);

/** The `q` quantile by nearest rank. */
function quantile(sorted, q) {
  return sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}
const sorted = Float64Array.from(latencies).sort();

const statusCodes = result.statusCodeStats ?? {};
process.stdout.write(
  `${
    JSON.stringify({
      requests: result.requests.total,
      seconds: result.duration,
      rps: result.requests.total / result.duration,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      mean: sorted.reduce((sum, ms) => sum + ms, 0) / sorted.length,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      statusCodes: Object.fromEntries(
        Object.entries(statusCodes).map(([code, stat]) => [code, stat.count]),
      ),
      cpu: cpuShare,
    })
  }\n`,
);
