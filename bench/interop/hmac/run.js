#!/usr/bin/env node
// hooktool's HMAC schemes against the providers' official Node libraries:
//
//   svix                       Webhook.verify / Webhook.sign          (svix)
//   stripe                     webhooks.constructEvent /
//                              webhooks.generateTestHeaderString      (stripe)
//   @octokit/webhooks-methods  verify / sign                          (github)
//   @slack/bolt                verifySlackRequest                     (slack)
//   razorpay                   validateWebhookSignature   (--provider razorpay)
//
// Each case is one message (headers and body) judged by both sides: what
// `hooktool sign` sends, both accept; what the library signs (Bolt has no
// and Razorpay have no signer: their side is Node's crypto, as the
// providers' documentation says), both
// accept; that signature with the body tampered or judged with another
// secret, both refuse, hooktool with signature_mismatch; an hour-old
// timestamp (where the scheme signs one), both refuse, hooktool with
// timestamp_too_old. Differences the README documents are listed as such
// and must stay as they are. Any other disagreement exits 1.
//
//   HOOKTOOL=/path/to/hooktool node run.js
//
// The libraries take the body as a string (or decode it as UTF-8), so
// bodies that are not UTF-8 are left to the Go interop tests
// (bench/interop/go); svix and stripe parse the body as JSON once the
// signature matches, so they are given JSON bodies, as their providers send.
"use strict";
const { execFileSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");

const bin = process.env.HOOKTOOL;
if (!bin) {
  console.error("run.js: set HOOKTOOL to the hooktool binary");
  process.exit(2);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hooktool-hmac-"));

// hooktool runs in an empty directory (no config file is read), the
// secrets in a 0600 file, one a line (the first signs, any verifies).
function hooktool(args, secrets, body) {
  const secretFile = path.join(dir, "secret");
  const payload = path.join(dir, "body");
  fs.writeFileSync(secretFile, secrets.join("\n") + "\n", { mode: 0o600 });
  fs.writeFileSync(payload, body);
  try {
    const out = execFileSync(bin, [...args, "--secret-file", secretFile, "--payload", payload], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { code: 0, out: out.toString() };
  } catch (e) {
    if (typeof e.status !== "number") throw e;
    return { code: e.status, out: (e.stdout || "").toString(), err: (e.stderr || "").toString() };
  }
}
// A scheme's name, or provider:ID for a catalog provider's profile.
const selector = (scheme) => (scheme.startsWith("provider:") ? ["--provider", scheme.slice(9)] : ["--scheme", scheme]);
function hooktoolSign(scheme, secret, body, extra = []) {
  const r = hooktool(["sign", ...selector(scheme), "--format", "json", ...extra], [secret], body);
  if (r.code !== 0) throw new Error(`hooktool sign --scheme ${scheme}: exit ${r.code}: ${r.out}${r.err}`);
  return JSON.parse(r.out).headers;
}
function hooktoolVerify(scheme, secrets, headers, body) {
  const args = ["verify", ...selector(scheme), "--json"];
  for (const name of Object.keys(headers).sort()) args.push("--header", `${name}: ${headers[name]}`);
  const r = hooktool(args, secrets, body);
  if (r.code === 2) throw new Error(`hooktool verify --scheme ${scheme}: exit 2: ${r.out}${r.err}`);
  const v = JSON.parse(r.out);
  if (v.valid !== (r.code === 0)) throw new Error(`hooktool verify: exit ${r.code} with valid=${v.valid}`);
  return v.valid ? "valid" : v.reason;
}

// Read from the installed files: not every package exports its package.json.
const version = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, "node_modules", name, "package.json"))).version;
const now = () => Math.floor(Date.now() / 1000);
const hex = (key, ...parts) => {
  const mac = crypto.createHmac("sha256", key);
  for (const p of parts) mac.update(p);
  return mac.digest("hex");
};
function tamper(body) {
  const b = Buffer.from(body);
  b[b.length >> 1] ^= 1;
  return b;
}

const json = Buffer.from('{"id":"evt_1","type":"payment_intent.succeeded","data":{"amount":5000}}');
const bodies = [
  { name: "json", b: json },
  { name: "unicode", b: Buffer.from('{"name":"Zoë 🎉","note":"naïve café","amount":5000}') },
  { name: "newlines", b: Buffer.from('{"a":1,\n "b":[1,2]}\r\n') },
  { name: "64KiB", b: Buffer.from('{"pad":"' + "abcdefgh".repeat(8 << 10) + '"}') },
  { name: "form", b: Buffer.from("token=abc&team_id=T1&text=h%C3%A9llo+world&payload=%7B%22a%22%3A1%7D"), form: true },
];

async function main() {
  const { Webhook: SvixWebhook } = require("svix");
  const stripe = require("stripe")("sk_test_interop");
  const octokit = await import("@octokit/webhooks-methods");
  const { verifySlackRequest } = require("@slack/bolt");
  const Razorpay = require("razorpay");

  const whsec = () => "whsec_" + crypto.randomBytes(24).toString("base64");
  const libs = [
    {
      library: `svix ${version("svix")}`, scheme: "svix", secret: whsec(), other: whsec(), timestamped: true, ahead: "timestamp_in_future", base64: true,
      verify(h, body, secret) { new SvixWebhook(secret).verify(body, h); },
      sign(body, at, secret) {
        const id = "msg_interop";
        return { "svix-id": id, "svix-timestamp": String(at), "svix-signature": new SvixWebhook(secret).sign(id, new Date(at * 1000), body) };
      },
    },
    {
      library: `stripe ${version("stripe")}`, scheme: "stripe", secret: "whsec_interop_stripe_secret", other: "whsec_other", timestamped: true,
      ahead: "valid", // both check only the age, as stripe-go does
      verify(h, body, secret) { stripe.webhooks.constructEvent(body, h["Stripe-Signature"], secret, 300); },
      sign(body, at, secret) {
        return { "Stripe-Signature": stripe.webhooks.generateTestHeaderString({ payload: body.toString(), secret, timestamp: at }) };
      },
    },
    {
      library: `@octokit/webhooks-methods ${version("@octokit/webhooks-methods")}`, scheme: "github", secret: "It's a Secret to Everybody", other: "another secret", forms: true,
      async verify(h, body, secret) {
        if (!(await octokit.verify(secret, body.toString(), h["X-Hub-Signature-256"]))) throw new Error("signature does not match");
      },
      async sign(body, _at, secret) { return { "X-Hub-Signature-256": await octokit.sign(secret, body.toString()) }; },
    },
    {
      library: `@slack/bolt ${version("@slack/bolt")} (its side signed with Node's crypto)`, scheme: "slack", secret: "8f742231b10e8888abcd99yyyzzz85a5", other: "0000000000000000000000000000ffff", timestamped: true, forms: true,
      // Bolt checks only that the timestamp is not stale; hooktool refuses
      // one more than the tolerance ahead as well (the README says so).
      ahead: "timestamp_in_future", aheadLib: true,
      verify(h, body, secret) {
        verifySlackRequest({
          signingSecret: secret, body: body.toString(),
          headers: { "x-slack-request-timestamp": Number(h["X-Slack-Request-Timestamp"]), "x-slack-signature": h["X-Slack-Signature"] },
        });
      },
      sign(body, at, secret) { return { "X-Slack-Request-Timestamp": String(at), "X-Slack-Signature": "v0=" + hex(secret, `v0:${at}:`, body) }; },
    },
    {
      library: `razorpay ${version("razorpay")} (its side signed with Node's crypto)`, scheme: "provider:razorpay", secret: "razorpay_webhook_secret", other: "another_webhook_secret",
      verify(h, body, secret) {
        if (!Razorpay.validateWebhookSignature(body.toString(), h["X-Razorpay-Signature"], secret)) throw new Error("signature does not match");
      },
      sign(body, _at, secret) { return { "X-Razorpay-Signature": hex(secret, body) }; },
    },
  ];

  const rows = [];
  async function check(lib, name, headers, body, secret, wantOurs, wantLib = wantOurs === "valid") {
    let gotLib = true;
    try { await lib.verify(headers, body, secret); } catch { gotLib = false; }
    const gotOurs = hooktoolVerify(lib.scheme, [secret], headers, body);
    const known = wantLib !== (wantOurs === "valid");
    rows.push({ library: lib.library, name, gotLib, gotOurs, ok: gotLib === wantLib && gotOurs === wantOurs, known, wantLib, wantOurs });
  }
  for (const lib of libs) {
    const t = now();
    for (const [i, { name, b, form }] of bodies.entries()) {
      if (form && !lib.forms) continue;
      await check(lib, `${name}: hooktool signs`, hooktoolSign(lib.scheme, lib.secret, b), b, lib.secret, "valid");
      const theirs = await lib.sign(b, t, lib.secret);
      await check(lib, `${name}: library signs`, theirs, b, lib.secret, "valid");
      await check(lib, `${name}: tampered body`, theirs, tamper(b), lib.secret, "signature_mismatch");
      await check(lib, `${name}: wrong secret`, theirs, b, lib.other, "signature_mismatch");
      if (!lib.timestamped) continue;
      await check(lib, `${name}: library signs an hour ago`, await lib.sign(b, t - 3600, lib.secret), b, lib.secret, "timestamp_too_old");
      if (i === 0) {
        await check(lib, `${name}: library signs an hour ahead`, await lib.sign(b, t + 3600, lib.secret), b, lib.secret, lib.ahead, lib.aheadLib ?? lib.ahead === "valid");
        const old = hooktoolSign(lib.scheme, lib.secret, b, ["--timestamp", String(t - 3600)]);
        await check(lib, `${name}: hooktool signs an hour ago`, old, b, lib.secret, "timestamp_too_old");
      }
    }
  }
  // A hex signature in upper case: the same MAC. These libraries compare
  // the text with the lower-case hex they compute and refuse it, and so
  // does hooktool (signature_mismatch, with a hint); stripe-go, go-github
  // and slack-go accept it (bench/interop/go).
  for (const lib of libs) {
    if (lib.base64) continue;
    const m = await lib.sign(json, now(), lib.secret);
    for (const k of Object.keys(m)) m[k] = m[k].replace(/[0-9a-f]{40,}/g, (x) => x.toUpperCase());
    await check(lib, "the signature in upper-case hex", m, json, lib.secret, "signature_mismatch");
  }
  // Stripe-Signature headers stripe-node reads its own way.
  const s = libs[1], t = now();
  const sig = hex(s.secret, `${t}.`, json), otherSig = hex(s.other, `${t}.`, json);
  for (const [name, header, want] of [
    ["a second v1 that is not hex", `t=${t},v1=${sig},v1=potato`, "valid"],
    ["another secret's v1 first (rotation)", `t=${t},v1=${otherSig},v1=${sig}`, "valid"],
    ["v1 before t", `v1=${sig},t=${t}`, "valid"],
    ["a space after the comma before v1", `t=${t}, v1=${sig}`, "malformed_header"],
    ["only a v1 that is not hex", `t=${t},v1=potato`, "malformed_header"],
    ["no v1", `t=${t}`, "malformed_header"],
  ]) {
    await check(s, `header: ${name}`, { "Stripe-Signature": header }, json, s.secret, want);
  }

  let failed = false;
  for (const lib of libs) {
    const mine = rows.filter((r) => r.library === lib.library);
    console.log(`\n| ${lib.library}: case | library | hooktool | agree |\n|---|---|---|---|`);
    for (const r of mine) {
      const mark = r.ok ? (r.known ? "as documented" : "yes") : `NO (want library ${r.wantLib ? "accept" : "refuse"}, hooktool ${r.wantOurs})`;
      console.log(`| ${r.name} | ${r.gotLib ? "accept" : "refuse"} | ${r.gotOurs} | ${mark} |`);
    }
  }
  console.log("\n| library | scheme | cases as expected / total |\n|---|---|---|");
  for (const lib of libs) {
    const mine = rows.filter((r) => r.library === lib.library);
    const ok = mine.filter((r) => r.ok).length;
    if (ok !== mine.length) failed = true;
    console.log(`| ${lib.library} | ${lib.scheme} | ${ok} / ${mine.length} |`);
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => { fs.rmSync(dir, { recursive: true, force: true }); process.exit(code); },
  (err) => { console.error(err); fs.rmSync(dir, { recursive: true, force: true }); process.exit(1); },
);
