// The providers' official verification libraries, driven by
// bench/interop_test.go: it hands this script (on stdin) the deliveries
// hooktool signed, to verify with each library, and asks for deliveries
// signed the library's way, which it then gives to `hooktool verify`. The
// answer is one JSON document on stdout.
//
//   verify: [{name, lib, key, body (base64), headers}] -> {name, accepted, error}
//   sign:   [{name, lib, body (base64), timestamp, id, key?}] -> {name, headers, key, otherKey}
//
// Libraries (lib):
//   standardwebhooks      the official Standard Webhooks library: v1 (HMAC)
//                         entries; it has no v1a (Ed25519) support
//   v1a                   Standard Webhooks v1a as its spec describes it,
//                         with Node's crypto (Ed25519)
//   discord-interactions  Discord's official library (verifyKey); it does not
//                         sign, so its deliveries are signed with Node's crypto
//   sendgrid              @sendgrid/eventwebhook (EventWebhook.verifySignature),
//                         signatures made with starkbank-ecdsa, the ECDSA
//                         library it verifies with
//   telnyx                Telnyx's Ed25519 webhooks as its SDKs' docs
//                         describe them, with Node's crypto: "timestamp|body",
//                         base64 signature, base64 public key, 300 s
'use strict';

const crypto = require('node:crypto');
const { Webhook } = require('standardwebhooks');
const { verifyKey } = require('discord-interactions');
const { EventWebhook } = require('@sendgrid/eventwebhook');
const ecdsa = require('starkbank-ecdsa');

function b64url(b64) {
  return b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(s) {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

// An Ed25519 public key from its 32 raw bytes.
function edPublic(raw) {
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(raw.toString('base64')) }, format: 'jwk' });
}

// A fresh Ed25519 pair: the private KeyObject and the raw public key.
function edPair() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { privateKey, raw: fromB64url(jwk.x) };
}

// Standard Webhooks v1a, as the spec says: Ed25519 of "id.timestamp.body",
// "v1a,<base64>" entries among the space-separated ones, whpk_<base64> keys.
function v1aVerify(whpk, body, headers) {
  if (!whpk.startsWith('whpk_')) throw new Error('not a whpk_ key');
  const pub = edPublic(Buffer.from(whpk.slice(5), 'base64'));
  const content = Buffer.concat([Buffer.from(`${headers['webhook-id']}.${headers['webhook-timestamp']}.`), body]);
  const ts = Number(headers['webhook-timestamp']);
  if (!Number.isInteger(ts) || Math.abs(Date.now() / 1000 - ts) > 300) throw new Error('timestamp outside the 300 s tolerance');
  for (const entry of String(headers['webhook-signature'] || '').split(' ')) {
    const [version, sig] = entry.split(',');
    if (version === 'v1a' && sig && crypto.verify(null, content, pub, Buffer.from(sig, 'base64'))) return true;
  }
  return false;
}

// Telnyx, as its SDKs describe it: Ed25519 of "timestamp|body", the
// signature base64 in telnyx-signature-ed25519, the public key the base64
// of its 32 bytes, timestamps within 300 s.
function telnyxVerify(key, body, headers) {
  const pub = edPublic(Buffer.from(key, 'base64'));
  const ts = headers['telnyx-timestamp'];
  if (!/^[0-9]+$/.test(String(ts)) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) throw new Error('timestamp outside the 300 s tolerance');
  const content = Buffer.concat([Buffer.from(`${ts}|`), body]);
  return crypto.verify(null, content, pub, Buffer.from(String(headers['telnyx-signature-ed25519'] || ''), 'base64'));
}

async function verify(c) {
  const body = Buffer.from(c.body, 'base64');
  const h = {};
  for (const [k, v] of Object.entries(c.headers)) h[k.toLowerCase()] = v;
  switch (c.lib) {
    case 'standardwebhooks':
      new Webhook(c.key).verify(body, h, { jsonParse: false });
      return true;
    case 'v1a':
      return v1aVerify(c.key, body, h);
    case 'telnyx':
      return telnyxVerify(c.key, body, h);
    case 'discord-interactions':
      return await verifyKey(body, h['x-signature-ed25519'], h['x-signature-timestamp'], c.key);
    case 'sendgrid': {
      const ew = new EventWebhook();
      const key = ew.convertPublicKeyToECDSA(c.key);
      return ew.verifySignature(key, body.toString(), h['x-twilio-email-event-webhook-signature'], h['x-twilio-email-event-webhook-timestamp']);
    }
  }
  throw new Error(`unknown library ${c.lib}`);
}

// sign returns the headers the library's side sends, the public key that
// verifies them (in hooktool's form for the scheme) and another, unrelated
// public key of the same form.
function sign(c) {
  const body = Buffer.from(c.body, 'base64');
  const ts = String(c.timestamp);
  switch (c.lib) {
    case 'standardwebhooks': {
      const wh = new Webhook(c.key);
      const sig = wh.sign(c.id, new Date(c.timestamp * 1000), body);
      return { headers: { 'webhook-id': c.id, 'webhook-timestamp': ts, 'webhook-signature': sig }, key: c.key };
    }
    case 'v1a': {
      const k = edPair();
      const sig = crypto.sign(null, Buffer.concat([Buffer.from(`${c.id}.${ts}.`), body]), k.privateKey).toString('base64');
      const other = edPair();
      return {
        headers: { 'webhook-id': c.id, 'webhook-timestamp': ts, 'webhook-signature': `v1a,${sig}` },
        key: 'whpk_' + k.raw.toString('base64'),
        otherKey: 'whpk_' + other.raw.toString('base64'),
      };
    }
    case 'discord-interactions': {
      const k = edPair();
      const sig = crypto.sign(null, Buffer.concat([Buffer.from(ts), body]), k.privateKey).toString('hex');
      return {
        headers: { 'X-Signature-Ed25519': sig, 'X-Signature-Timestamp': ts },
        key: k.raw.toString('hex'),
        otherKey: edPair().raw.toString('hex'),
      };
    }
    case 'telnyx': {
      const k = edPair();
      const sig = crypto.sign(null, Buffer.concat([Buffer.from(`${ts}|`), body]), k.privateKey).toString('base64');
      return {
        headers: { 'telnyx-signature-ed25519': sig, 'telnyx-timestamp': ts },
        key: k.raw.toString('base64'),
        otherKey: edPair().raw.toString('base64'),
      };
    }
    case 'sendgrid': {
      const priv = new ecdsa.PrivateKey(require('starkbank-ecdsa/ellipticcurve/curve').prime256v1);
      const sig = ecdsa.Ecdsa.sign(ts + body.toString(), priv).toBase64();
      const der = (k) => Buffer.from(k.publicKey().toDer(), 'binary').toString('base64');
      return {
        headers: { 'X-Twilio-Email-Event-Webhook-Signature': sig, 'X-Twilio-Email-Event-Webhook-Timestamp': ts },
        key: der(priv),
        otherKey: der(new ecdsa.PrivateKey(require('starkbank-ecdsa/ellipticcurve/curve').prime256v1)),
        // The private key as starkbank writes it (SEC 1 PEM): hooktool signs with it too.
        privateKey: priv.toPem(),
      };
    }
  }
  throw new Error(`unknown library ${c.lib}`);
}

async function main() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const req = JSON.parse(input);
  const out = { verified: [], signed: [] };
  for (const c of req.verify || []) {
    try {
      out.verified.push({ name: c.name, accepted: (await verify(c)) === true });
    } catch (e) {
      out.verified.push({ name: c.name, accepted: false, error: String(e.message || e) });
    }
  }
  for (const c of req.sign || []) {
    out.signed.push({ name: c.name, ...sign(c) });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e.stack || e) + '\n');
  process.exit(2);
});
