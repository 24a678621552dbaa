// tsvirtd --listen-metrics HOST:PORT: GET /metrics alone, without a session, for a Prometheus
// server to scrape (bind it to an address only the scraper reaches). Everything else is a 404.
import * as http from 'node:http';
import { METRICS_PATH } from '../protocol/methods.js';
import { toTsvirtError } from '../util/errors.js';
import { errorBody, sendJson, sendMetrics, type ServerDeps } from './http-server.js';
import { listenTcp } from './web-server.js';

export async function listenMetrics(addr: { host: string; port: number }, deps: Pick<ServerDeps, 'metrics'>): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if ((req.method !== 'GET' && req.method !== 'HEAD') || url.pathname !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end(`only GET ${METRICS_PATH} is served here\n`);
    }
    await sendMetrics(deps, res).catch((e) => sendJson(res, 500, errorBody(toTsvirtError(e))));
  });
  return listenTcp(server, addr);
}
