#!/usr/bin/env node
// hooktool's Twilio profile (the generic hmac scheme: base64 HMAC-SHA1 of
// the URL and the sorted form parameters, X-Twilio-Signature) against
// Twilio's official library (the npm package twilio): what hooktool signs,
// validateRequest / validateRequestWithBody accept; what the library signs,
// hooktool verifies; a tampered body or URL and a wrong auth token are
// refused by both. Any disagreement exits 1.
//
//   HOOKTOOL=/path/to/hooktool node run.js
//
// Twilio signs no timestamp, so there is no stale-timestamp case.
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const querystring = require("querystring");
const twilio = require("twilio");

const bin = process.env.HOOKTOOL;
if (!bin) {
  console.error("run.js: set HOOKTOOL to the hooktool binary");
  process.exit(2);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hooktool-twilio-"));
const config = path.join(dir, "hooktool.yaml");
fs.writeFileSync(config, `endpoints:
  twilio:
    scheme: hmac
    hmac: {header: X-Twilio-Signature, hash: sha1, encoding: base64, template: "{url}{form}", url_body_sha256: bodySHA256}
`);

const token = "12345abcdef";
function hooktool(args, secret, body) {
  const file = path.join(dir, "body");
  fs.writeFileSync(file, body);
  try {
    const out = execFileSync(bin, ["--config", config, ...args, "-e", "twilio", "-p", file], {
      env: { ...process.env, HOOKTOOL_SECRET: secret, HOOKTOOL_CONFIG: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { code: 0, out: out.toString() };
  } catch (e) {
    return { code: e.status, out: (e.stdout || "").toString() + (e.stderr || "").toString() };
  }
}
function hooktoolSign(url, body, secret = token) {
  const r = hooktool(["sign", "--to", url, "--format", "json"], secret, body);
  if (r.code !== 0) throw new Error("hooktool sign: " + r.out);
  return JSON.parse(r.out).headers["X-Twilio-Signature"];
}
function hooktoolVerify(url, body, sig, secret = token) {
  const r = hooktool(["verify", "--url", url, "--json", "-H", "X-Twilio-Signature: " + sig], secret, body);
  return { valid: r.code === 0, reason: r.out.match(/"reason":"([a-z_]+)"/)?.[1] || r.out.trim() };
}
function form(params) {
  return Object.keys(params).map((k) => [].concat(params[k]).map((v) => encodeURIComponent(k) + "=" + encodeURIComponent(v)).join("&")).join("&");
}
const isJSON = (body) => body.startsWith("{");
function twilioValid(url, body, sig, secret = token) {
  if (isJSON(body)) return twilio.validateRequestWithBody(secret, sig, url, body);
  return twilio.validateRequest(secret, sig, url, querystring.parse(body));
}
function twilioSign(url, body, secret = token) {
  return twilio.getExpectedTwilioSignature(secret, url, isJSON(body) ? {} : querystring.parse(body));
}

const voice = { CallSid: "CA1234567890ABCDE", Caller: "+12349013030", Digits: "1234", From: "+12349013030", To: "+18005551212" };
const sms = { MessageSid: "SM" + "a".repeat(32), Body: "Héllo wörld & more: 100% ✓", From: "+447700900123", To: "+15005550006", NumMedia: "0" };
const repeated = "To=%2B15005550006&MediaUrl=https%3A%2F%2Fa.example%2F2&From=%2B447700900123&MediaUrl=https%3A%2F%2Fa.example%2F1";
const jsonBody = JSON.stringify({ CallSid: "CA123", CallStatus: "completed", Duration: 42 });
const sha = require("crypto").createHash("sha256").update(jsonBody).digest("hex");
const jsonURL = "https://example.com/status?bodySHA256=" + sha;

const cases = [
  { name: "voice form (the docs' example)", url: "https://mycompany.com/myapp.php?foo=1&bar=2", body: form(voice) },
  { name: "sms form, unicode and escapes", url: "https://hooks.example.com/sms", body: form(sms) },
  { name: "a repeated parameter", url: "https://hooks.example.com/mms?x=1", body: repeated },
  { name: "JSON body, bodySHA256 in the URL", url: jsonURL, body: jsonBody },
  { name: "URL with the default port", url: "https://hooks.example.com:443/voice", body: form(voice), signURL: "https://hooks.example.com/voice" },
];

let agree = 0, total = 0;
const rows = [];
function check(name, want, lib, ours) {
  total++;
  const ok = lib === want && ours.valid === want;
  if (ok) agree++;
  rows.push(`| ${name} | ${want ? "accept" : "refuse"} | ${lib ? "accept" : "refuse"} | ${ours.valid ? "accept" : "refuse"} (${ours.reason}) | ${ok ? "yes" : "NO"} |`);
}
for (const c of cases) {
  const signURL = c.signURL || c.url;
  // hooktool signs, the library verifies (and hooktool too).
  const ours = hooktoolSign(signURL, c.body);
  check(`${c.name}: hooktool signs`, true, twilioValid(c.url, c.body, ours), hooktoolVerify(c.url, c.body, ours));
  // The library signs, hooktool verifies.
  const theirs = twilioSign(signURL, c.body);
  check(`${c.name}: twilio signs`, true, twilioValid(c.url, c.body, theirs), hooktoolVerify(c.url, c.body, theirs));
  // A tampered body, a wrong token, another URL: both refuse.
  const tampered = c.body.replace(/[0-9]/, (d) => String((Number(d) + 1) % 10));
  check(`${c.name}: tampered body`, false, twilioValid(c.url, tampered, theirs), hooktoolVerify(c.url, tampered, theirs));
  check(`${c.name}: wrong token`, false, twilioValid(c.url, c.body, theirs, "wrong-token"), hooktoolVerify(c.url, c.body, theirs, "wrong-token"));
  const otherURL = c.url.replace("https://", "http://");
  check(`${c.name}: http instead of https`, false, twilioValid(otherURL, c.body, theirs), hooktoolVerify(otherURL, c.body, theirs));
}

console.log("| case | want | twilio " + require("twilio/package.json").version + " | hooktool | agree |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(r);
console.log(`twilio: ${agree}/${total} cases agree`);
fs.rmSync(dir, { recursive: true, force: true });
process.exit(agree === total ? 0 : 1);
