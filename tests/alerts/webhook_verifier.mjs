// A signed-webhook receiver on loopback for vigie's tests: every request is verified by the
// reference Standard Webhooks library (npm standardwebhooks, installed in tests/alerts/node by
// scripts/deps test), `new Webhook(secret).verify(body, headers)`, once per secret it knows.
//
//   node webhook_verifier.mjs SECRET [SECRET...]
// prints "PORT <n>" once it listens on 127.0.0.1, then serves until killed:
//   POST /hook            verified with each secret; answers 204 when one of them accepts
//                         it, 400 when none does (or the next status of the plan, see below)
//   GET  /__verifier/state           {"requests":[{id, timestamp, signature, body, status,
//                                      verified: {<secret index>: true|"<error>"}}]}
//   POST /__verifier/config {"plan":[429,500], "retry_after":"1"}
//                         the next requests are answered with these statuses in turn (after
//                         being verified and recorded), then 204/400 again
//   POST /__verifier/verify {"secret","body","headers"}  -> {"ok":true} or {"ok":false,"error"}
//                         the library's verdict on a request the test made up (a tampered one)
import http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(new URL("./node/package.json", import.meta.url));
const { Webhook } = require("standardwebhooks");

const secrets = process.argv.slice(2);
let requests = [];
let plan = [];
let retryAfter = null;

function verify(secret, body, headers) {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch (e) {
    return String(e && e.message ? e.message : e);
  }
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

function json(res, status, obj) {
  const data = JSON.stringify(obj);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
  res.end(data);
}

const server = http.createServer(async (req, res) => {
  const body = await readBody(req);
  if (req.url === "/__verifier/state") return json(res, 200, { requests });
  if (req.url === "/__verifier/config") {
    const c = JSON.parse(body || "{}");
    if (Array.isArray(c.plan)) plan = c.plan.slice();
    if ("retry_after" in c) retryAfter = c.retry_after;
    if (c.reset) requests = [];
    return json(res, 200, { plan, retry_after: retryAfter });
  }
  if (req.url === "/__verifier/verify") {
    const c = JSON.parse(body);
    const v = verify(c.secret, c.body, c.headers);
    return json(res, 200, v === true ? { ok: true } : { ok: false, error: v });
  }
  const headers = {
    "webhook-id": req.headers["webhook-id"],
    "webhook-timestamp": req.headers["webhook-timestamp"],
    "webhook-signature": req.headers["webhook-signature"],
  };
  const verified = {};
  secrets.forEach((s, i) => (verified[i] = verify(s, body, headers)));
  const any = Object.values(verified).some((v) => v === true);
  let status = any ? 204 : 400;
  if (plan.length) status = plan.shift();
  requests.push({
    method: req.method,
    path: req.url,
    content_type: req.headers["content-type"] || null,
    id: headers["webhook-id"] || null,
    timestamp: headers["webhook-timestamp"] || null,
    signature: headers["webhook-signature"] || null,
    body,
    verified,
    status,
    at: Date.now(),
  });
  const h = {};
  if (status === 429 || status === 503) if (retryAfter !== null) h["Retry-After"] = String(retryAfter);
  res.writeHead(status, h);
  res.end(status === 204 ? undefined : status >= 300 ? "not now" : "");
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
