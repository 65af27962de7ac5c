#!/usr/bin/env node
// hooktool's Paddle profile (the generic hmac scheme's format:
// Paddle-Signature: ts=<unix>;h1=<hex HMAC-SHA256 of "ts:body">) against
// Paddle's official Node SDK (@paddle/paddle-node-sdk,
// webhooks.isSignatureValid): what hooktool signs, the SDK accepts; a header
// made as Paddle makes it, hooktool accepts; a tampered body, a wrong
// secret, a stale timestamp and a spaced item are refused by both. The SDK's
// own choices that hooktool does not copy are listed as known differences
// and must stay what they are. Any other disagreement exits 1.
//
//   HOOKTOOL=/path/to/hooktool node run.js
"use strict";
const { execFileSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { Paddle } = require("@paddle/paddle-node-sdk");

const bin = process.env.HOOKTOOL;
if (!bin) {
  console.error("run.js: set HOOKTOOL to the hooktool binary");
  process.exit(2);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hooktool-paddle-"));
const config = path.join(dir, "hooktool.yaml");
fs.writeFileSync(config, `endpoints:
  paddle:
    scheme: hmac
    hmac: {header: Paddle-Signature, format: "ts={timestamp};h1={signature}", template: "{timestamp}:{body}"}
`);
const secret = "pdl_ntfset_01hx_interop_" + "k".repeat(24);
const paddle = new Paddle("apikey_interop_unused");

function hooktool(args, key, body) {
  const file = path.join(dir, "body");
  fs.writeFileSync(file, body);
  try {
    const out = execFileSync(bin, ["--config", config, ...args, "-e", "paddle", "-p", file], {
      env: { ...process.env, HOOKTOOL_SECRET: key, HOOKTOOL_CONFIG: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { code: 0, out: out.toString() };
  } catch (e) {
    return { code: e.status, out: (e.stdout || "").toString() + (e.stderr || "").toString() };
  }
}
const now = () => Math.floor(Date.now() / 1000);
function hooktoolSign(body, ts) {
  const r = hooktool(["sign", "--timestamp", String(ts), "--format", "json"], secret, body);
  if (r.code !== 0) throw new Error("hooktool sign: " + r.out);
  return JSON.parse(r.out).headers["Paddle-Signature"];
}
function hooktoolVerify(body, header, key = secret, extra = []) {
  const r = hooktool(["verify", "--json", "-H", "Paddle-Signature: " + header, ...extra], key, body);
  return { valid: r.code === 0, reason: r.out.match(/"reason":"([a-z_]+)"/)?.[1] || r.out.trim() };
}
async function sdkValid(body, header, key = secret) {
  try {
    return await paddle.webhooks.isSignatureValid(body, key, header);
  } catch {
    return false; // the SDK throws on a header it cannot read
  }
}
const h1 = (ts, body, key = secret) => crypto.createHmac("sha256", key).update(`${ts}:${body}`).digest("hex");

const body = JSON.stringify({
  event_id: "evt_01hv8x2acma2gz5vjqx2a9ks7s", event_type: "transaction.completed", occurred_at: new Date().toISOString(),
  notification_id: "ntf_01hv8x2af3bxj3w6dy0q1k8cjr", data: { id: "txn_01hv8wptq8987qeep44cyrewp9", status: "completed", currency_code: "EUR", details: { totals: { total: "2900" } } },
});

(async () => {
  const rows = [];
  let agree = 0, total = 0;
  function check(name, want, sdk, ours, known) {
    total++;
    const ok = known ? sdk === known.sdk && ours.valid === known.hooktool : sdk === want && ours.valid === want;
    if (ok) agree++;
    rows.push(`| ${name} | ${known ? "known difference: " + known.why : want ? "accept" : "refuse"} | ${sdk ? "accept" : "refuse"} | ${ours.valid ? "accept" : "refuse"} (${ours.reason}) | ${ok ? "yes" : "NO"} |`);
  }
  // A few seconds ahead: the SDK accepts 5 s of age and nothing checks how
  // far ahead, so a slow machine does not make the accepted cases stale.
  const ts = now() + 3;
  const ours = hooktoolSign(body, ts);
  check("hooktool signs", true, await sdkValid(body, ours), hooktoolVerify(body, ours));
  const theirs = `ts=${ts};h1=${h1(ts, body)}`;
  check("a header as Paddle makes it", true, await sdkValid(body, theirs), hooktoolVerify(body, theirs));
  check("tampered body", false, await sdkValid(body.replace("2900", "2901"), theirs), hooktoolVerify(body.replace("2900", "2901"), theirs));
  check("wrong secret", false, await sdkValid(body, theirs, "pdl_ntfset_other"), hooktoolVerify(body, theirs, "pdl_ntfset_other"));
  const stale = now() - 3600;
  const staleHeader = `ts=${stale};h1=${h1(stale, body)}`;
  check("an hour old", false, await sdkValid(body, staleHeader), hooktoolVerify(body, staleHeader));
  check("a spaced item (ts=…; h1=…)", false, await sdkValid(body, `ts=${ts}; h1=${h1(ts, body)}`), hooktoolVerify(body, `ts=${ts}; h1=${h1(ts, body)}`));
  const old = `ts=${ts};h1=${h1(ts, body, "pdl_ntfset_old")}`;
  check("rotation: two h1, the matching one last", true, await sdkValid(body, `${old};h1=${h1(ts, body)}`), hooktoolVerify(body, `${old};h1=${h1(ts, body)}`));
  check("rotation: two h1, the matching one first", true, await sdkValid(body, `${theirs};h1=${h1(ts, body, "pdl_ntfset_old")}`), hooktoolVerify(body, `${theirs};h1=${h1(ts, body, "pdl_ntfset_old")}`),
    { sdk: false, hooktool: true, why: "the SDK reads only the last h1; Paddle's docs say several may arrive during a rotation, and hooktool accepts any that matches" });
  const minute = now() - 60;
  const minuteHeader = `ts=${minute};h1=${h1(minute, body)}`;
  check("a minute old, --tolerance 5s (the SDK's limit)", false, await sdkValid(body, minuteHeader), hooktoolVerify(body, minuteHeader, secret, ["--tolerance", "5s"]));
  check("a minute old, hooktool's default 300 s", true, await sdkValid(body, minuteHeader), hooktoolVerify(body, minuteHeader),
    { sdk: false, hooktool: true, why: "the SDK accepts 5 seconds of age; hooktool's default tolerance is 300 s (give --tolerance 5s to match)" });

  console.log("| case | want | @paddle/paddle-node-sdk " + JSON.parse(fs.readFileSync(path.join(__dirname, "node_modules/@paddle/paddle-node-sdk/package.json"))).version + " | hooktool | agree |");
  console.log("|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  console.log(`paddle: ${agree}/${total} cases as expected`);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(agree === total ? 0 : 1);
})();
