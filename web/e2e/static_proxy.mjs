// Serves web/dist and forwards every other request to a running `candor serve`
// (same origin for the browser). Used by scripts/web_test.sh only when the
// server itself does not serve the client at "/" (it says so loudly).
//   node e2e/static_proxy.mjs PORT UPSTREAM_URL
import {createServer, request} from 'node:http';
import {existsSync, readFileSync, statSync} from 'node:fs';
import {dirname, extname, join, normalize} from 'node:path';
import {fileURLToPath} from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const [port, upstream] = [Number(process.argv[2]), new URL(process.argv[3])];
const types = {'.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png'};

createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (req.method === 'GET' && !path.startsWith('/v1/') && path !== '/healthz' && path !== '/metrics') {
    const f = normalize(join(dist, path.endsWith('/') ? path + 'index.html' : path));
    if (f.startsWith(dist) && existsSync(f) && statSync(f).isFile()) {
      res.writeHead(200, {'Content-Type': types[extname(f)] || 'application/octet-stream', 'Cache-Control': 'no-cache'});
      return res.end(readFileSync(f));
    }
  }
  const up = request({host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers}, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', () => { res.writeHead(502); res.end(); });
  req.pipe(up);
}).listen(port, '127.0.0.1');
