// hooktool's inspector page, over the API of internal/inspect (doc.go).
//
// Delivery content is hostile: every node is made with createElement and
// every piece of delivery data is set as textContent (or a value), never
// parsed as HTML; URLs the page builds are its own API's, with ids passed
// through encodeURIComponent. No inline script, no eval: the CSP forbids
// them.
"use strict";

const $ = (id) => document.getElementById(id);

// el makes an element: el("td", {className: "x"}, "text", child...).
// Strings become text nodes.
function el(tag, props, ...kids) {
  const n = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (k === "dataset") Object.assign(n.dataset, v);
      else n[k] = v;
    }
  }
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    n.append(typeof k === "string" ? document.createTextNode(k) : k);
  }
  return n;
}

// How many rows the list keeps: older ones are dropped (and can be
// loaded again) so the page stays small however long it is open.
const MAX_ROWS = 2000;
// The most JSON tree nodes and hex bytes drawn for one body.
const MAX_TREE_NODES = 5000;
const MAX_HEX_BYTES = 64 * 1024;
// The most deliveries selected for one HAR download (their ids go in its
// URL).
const MAX_PICKED = 1000;

const state = {
  filter: new URLSearchParams(),
  next: "", // the cursor of the next older page, "" at the end
  newest: -1, // the seq the stream goes on after
  events: null,
  rows: new Map(), // id -> tr
  data: new WeakMap(), // tr -> summary
  selected: null, // tr
  open: null, // the Detail shown
  marked: null, // {id, label}
  picked: new Set(), // ids selected for a HAR download
  fixed: [], // the open delivery's headers an edit may not name: [{name, reason}]
  loading: false,
  total: 0, // deliveries indexed, as the last page and the stream tell
  skipped: 0,
};

// ---- API -----------------------------------------------------------

// keepNumbers, a JSON.parse reviver, keeps a number whose text says more
// than its value (12345678901234567890, 1.50e2: a delivery's, in a diff)
// as that text, which JSON.stringify writes back (JSON.rawJSON); where the
// browser has no source text for the reviver, numbers are parsed as ever.
function keepNumbers(key, v, ctx) {
  if (typeof v === "number" && ctx && typeof ctx.source === "string" && String(v) !== ctx.source &&
      typeof JSON.rawJSON === "function") {
    return JSON.rawJSON(ctx.source);
  }
  return v;
}

async function api(path, opts) {
  let r;
  try {
    r = await fetch(path, Object.assign({ credentials: "same-origin", cache: "no-store" }, opts));
  } catch (e) {
    throw new Error("the inspector does not answer (" + e.message + ")");
  }
  let body = null;
  try {
    body = JSON.parse(await r.text(), keepNumbers);
  } catch (e) {
    throw new Error("HTTP " + r.status + ": the answer is not JSON");
  }
  if (!r.ok) throw new Error((body && body.error) || "HTTP " + r.status);
  return body;
}

function post(path, obj) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(obj),
  });
}

const idPath = (id) => "/api/deliveries/" + encodeURIComponent(id);

// ---- formatting ------------------------------------------------------

function fmtTime(s) {
  const d = new Date(s);
  if (isNaN(d)) return String(s);
  const p = (n, w) => String(n).padStart(w || 2, "0");
  return p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds()) + "." + p(d.getMilliseconds(), 3);
}

function fmtSize(n) {
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KiB";
  return (n / 1024 / 1024).toFixed(1) + " MiB";
}

function fmtMS(ms) {
  return (ms < 10 ? ms.toFixed(1) : Math.round(ms)) + " ms";
}

function badge(d) {
  let cls = "badge ";
  if (d.valid) cls += "ok";
  else if (!d.verdict || d.verdict === "unsigned" || d.verdict === "sent") cls += "none";
  else cls += "bad";
  return el("span", { className: cls, title: d.verdict || "" }, d.verdict || "—");
}

function appCell(f) {
  if (!f) return "";
  const what = f.status ? String(f.status) : f.error || "error";
  return what + " · " + fmtMS(f.latency_ms || 0);
}

// ---- the list --------------------------------------------------------

function row(d) {
  const tr = el("tr", { tabIndex: -1 });
  const td = (content, cls) => tr.append(el("td", cls ? { className: cls } : null, content));
  // Out of the Tab order: x selects the current row from the keyboard.
  const box = el("input", { type: "checkbox", tabIndex: -1, checked: state.picked.has(d.id) });
  box.setAttribute("aria-label", "select for a HAR download");
  box.addEventListener("change", () => pick(d.id, box.checked));
  td(box, "pick");
  if (box.checked) tr.classList.add("picked");
  td(el("span", { title: fmtTime(d.received_at) + " " + d.received_at }, fmtTime(d.received_at).slice(0, 8)), "time");
  td(d.method);
  const path = d.path + (d.query ? "?" + d.query : "");
  td(el("span", { title: path }, path), "path");
  td(el("span", { title: d.event || "" }, d.event || ""), "event");
  td(badge(d));
  td(fmtSize(d.body_size), "num");
  // A delivery sent again (replay_of) was answered by no one: status 0.
  td(d.answer && d.answer.status ? String(d.answer.status) : "", "num");
  const app = appCell(d.forward);
  td(app, d.forward && (d.forward.error || d.forward.status >= 400) ? "bad-text" : "");
  if (d.replay_of) tr.classList.add("replay");
  state.data.set(tr, d);
  tr.setAttribute("aria-selected", "false");
  return tr;
}

function add(d, atTop) {
  if (state.rows.has(d.id)) return null;
  const tr = row(d);
  state.rows.set(d.id, tr);
  const rows = $("rows");
  if (atTop) rows.prepend(tr);
  else rows.append(tr);
  if (state.marked && state.marked.id === d.id) tr.classList.add("is-marked");
  $("empty").hidden = true;
  return tr;
}

// trim drops the oldest rows beyond MAX_ROWS; "Load older" brings them
// back from the server.
function trim() {
  const rows = $("rows");
  let dropped = false;
  while (rows.children.length > MAX_ROWS) {
    const last = rows.lastElementChild;
    if (last === state.selected) break;
    const d = state.data.get(last);
    state.rows.delete(d.id);
    last.remove();
    dropped = true;
  }
  if (dropped) {
    const last = state.data.get(rows.lastElementChild);
    state.next = String(last.seq);
    $("more").hidden = false;
  }
}

async function loadPage() {
  if (state.loading) return;
  state.loading = true;
  const q = new URLSearchParams(state.filter);
  if (state.next) q.set("cursor", state.next);
  try {
    const first = !state.next;
    const body = await api("/api/deliveries?" + q);
    for (const d of body.deliveries) add(d, false);
    if (first) state.newest = body.total - 1;
    state.next = body.next;
    $("more").hidden = !state.next;
    $("empty").hidden = $("rows").children.length > 0;
    // One row is in the Tab order: the selected one, else the newest.
    if (!state.selected && $("rows").firstElementChild) $("rows").firstElementChild.tabIndex = 0;
    state.total = Math.max(state.total, body.total);
    state.skipped = body.skipped || 0;
    showCount();
    trim();
  } catch (e) {
    status(e.message, true);
  } finally {
    state.loading = false;
  }
}

// showCount says how many deliveries are indexed (and listed, when
// filtered): after each page, and as live ones arrive.
function showCount() {
  const n = state.total;
  let s = n + (n === 1 ? " delivery" : " deliveries") + " indexed";
  if (state.filter.toString()) s += "; " + $("rows").children.length + " matching listed" + (state.next ? " (more below)" : "");
  if (state.skipped) s += "; " + state.skipped + " could not be read";
  status(s);
}

function status(text, bad) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("bad-text", !!bad);
}

function live() {
  if (state.events) state.events.close();
  const q = new URLSearchParams(state.filter);
  q.set("after", String(state.newest));
  const es = new EventSource("/api/events?" + q);
  state.events = es;
  es.addEventListener("open", () => { $("live").textContent = "live"; $("live").className = "live on"; });
  es.addEventListener("error", () => {
    // The browser reconnects by itself, sending the last id it saw.
    const closed = es.readyState === EventSource.CLOSED;
    $("live").textContent = closed ? "not live (reload the page)" : "reconnecting…";
    $("live").className = "live off";
  });
  es.addEventListener("delivery", (e) => {
    let d;
    try { d = JSON.parse(e.data); } catch (err) { return; }
    state.newest = Math.max(state.newest, d.seq);
    // Seqs count from 0: at least seq + 1 are indexed now.
    state.total = Math.max(state.total, d.seq + 1);
    const tr = add(d, true);
    if (tr) {
      tr.classList.add("new");
      setTimeout(() => tr.classList.remove("new"), 1500);
    }
    trim();
    showCount();
  });
  es.addEventListener("reset", () => reload());
}

function reload() {
  $("rows").replaceChildren();
  state.rows.clear();
  state.selected = null;
  state.next = "";
  state.newest = -1;
  state.total = 0;
  harAllLink();
  loadPage().then(live);
}

function harAllLink() {
  const q = state.filter.toString();
  $("har-all").href = "/api/har" + (q ? "?" + q : "");
}

// pick selects the delivery id for a HAR download (or not, when on is
// false); the link downloads the HAR of those selected.
function pick(id, on) {
  if (on && !state.picked.has(id) && state.picked.size >= MAX_PICKED) {
    status("At most " + MAX_PICKED + " deliveries can be selected: download the HAR of all shown instead.", true);
    on = false;
  }
  if (on) state.picked.add(id);
  else state.picked.delete(id);
  const tr = state.rows.get(id);
  if (tr) {
    tr.classList.toggle("picked", on);
    const box = tr.querySelector("td.pick input");
    if (box) box.checked = on;
  }
  pickedLink();
}

function pickedLink() {
  const n = state.picked.size;
  const q = new URLSearchParams();
  for (const id of state.picked) q.append("id", id);
  $("har-picked").href = "/api/har?" + q;
  $("har-picked").textContent = "Download HAR (" + n + " selected)";
  $("har-picked").hidden = n === 0;
  $("unpick").hidden = n === 0;
}

function unpickAll() {
  for (const id of Array.from(state.picked)) pick(id, false);
}

function select(tr, focus) {
  if (!tr) return;
  if (state.selected) {
    state.selected.classList.remove("selected");
    state.selected.setAttribute("aria-selected", "false");
    state.selected.tabIndex = -1;
  }
  state.selected = tr;
  tr.classList.add("selected");
  tr.setAttribute("aria-selected", "true");
  tr.tabIndex = 0;
  if (focus) tr.focus();
  tr.scrollIntoView({ block: "nearest" });
}

function move(step) {
  const rows = $("rows");
  let tr = state.selected;
  if (!tr || !tr.isConnected) tr = step > 0 ? rows.firstElementChild : rows.lastElementChild;
  else tr = step > 0 ? tr.nextElementSibling : tr.previousElementSibling;
  if (tr) select(tr, true);
  else if (step > 0 && state.next) loadPage();
}

// ---- the detail ------------------------------------------------------

async function show(id) {
  let d;
  try {
    d = await api(idPath(id));
  } catch (e) {
    status(e.message, true);
    return;
  }
  state.open = d;
  const tr = state.rows.get(id);
  if (tr) select(tr, false);
  $("detail").hidden = false;
  document.body.classList.add("has-detail");
  closePanel();
  $("har-one").href = idPath(id) + "/har";
  $("body-dl").href = idPath(id) + "/body";
  $("view").replaceChildren(...detailView(d));
  $("close").focus();
}

function closeDetail() {
  state.open = null;
  $("detail").hidden = true;
  document.body.classList.remove("has-detail");
  if (state.selected) state.selected.focus();
}

function section(title, ...kids) {
  return el("section", { className: "part" }, el("h2", null, title), ...kids);
}

function kv(pairs) {
  const dl = el("dl", { className: "kv" });
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === "") continue;
    dl.append(el("dt", null, k), el("dd", null, v));
  }
  return dl;
}

function detailView(d) {
  const out = [];
  const target = d.path + (d.query ? "?" + d.query : "");
  out.push(el("h2", { className: "reqline" },
    el("span", { className: "method" }, d.method), " ",
    el("span", { className: "target" }, target), " ",
    el("span", { className: "note" }, d.proto || "")));
  out.push(kv([
    ["id", d.id],
    ["received", new Date(d.received_at).toString()],
    ["event", d.event],
    ["provider", d.provider],
    ["route", d.route],
    ["from", d.remote_addr],
    ["on", d.local_addr],
    ["host", d.host],
    ["answer", d.answer.status ? String(d.answer.status) + (d.answer.reason ? " " + d.answer.reason : "") + (d.answer.delay_ms ? " after " + d.answer.delay_ms + " ms" : "") : ""],
    ["repeat of", d.repeat_of],
    ["replay of", d.replay_of ? idLink(d.replay_of) : ""],
  ]));
  out.push(verdictView(d));
  out.push(section("Headers", headersView(d.headers)));
  out.push(section("Body · " + fmtSize(d.body.size), bodyView(d.body)));
  if (d.forward || (d.forward_attempts && d.forward_attempts.length)) out.push(forwardView(d));
  return out;
}

function idLink(id) {
  const b = el("button", { type: "button", className: "link" }, id);
  b.addEventListener("click", () => show(id));
  return b;
}

function verdictView(d) {
  const v = d.signature;
  const kids = [el("p", null, badge(d))];
  if (v) {
    kids.push(kv([
      ["scheme", v.scheme],
      ["reason", v.reason],
      ["message", v.message],
      ["header", v.header],
      ["clock skew", v.skew_seconds !== undefined ? v.skew_seconds + " s" : ""],
      // secret_index counts from 1 (signature.Verdict.SecretIndex).
      ["secret", v.valid && v.secret_index ? "#" + v.secret_index : ""],
    ]));
    if (v.hints && v.hints.length) {
      kids.push(el("ul", { className: "hints" }, ...v.hints.map((h) => el("li", null, h))));
    }
  } else {
    kids.push(el("p", { className: "note" }, "No signature was checked."));
  }
  return section("Signature", ...kids);
}

function headersView(headers) {
  if (!headers.length) return el("p", { className: "note" }, "none");
  const t = el("table", { className: "headers" });
  for (const h of headers) {
    for (const v of h.values) {
      const val = el("td", { className: h.redacted ? "redacted" : "" }, v);
      if (h.not_utf8) val.title = "not UTF-8: the capture keeps the bytes";
      t.append(el("tr", null, el("th", { scope: "row" }, h.name), val));
    }
  }
  return t;
}

function forwardView(d) {
  const kids = [];
  const one = (f, title) => {
    const parts = [kv([
      ["to", f.url],
      ["status", f.status ? String(f.status) : ""],
      ["latency", fmtMS(f.latency_ms || 0)],
      ["error", f.error],
    ])];
    if (f.body) parts.push(el("pre", { className: "raw small" }, f.body));
    return el("div", { className: "attempt" }, title ? el("h3", null, title) : null, ...parts);
  };
  if (d.forward) kids.push(one(d.forward, ""));
  const att = d.forward_attempts || [];
  if (att.length > 1) att.forEach((f, i) => kids.push(one(f, "attempt " + (i + 1))));
  return section("Forwarded to the app", ...kids);
}

// ---- bodies ----------------------------------------------------------

function bodyView(b) {
  const box = el("div", { className: "body" });
  if (b.size === 0) {
    box.append(el("p", { className: "note" }, "empty"));
    return box;
  }
  if (b.encoding === "base64") {
    box.append(el("p", { className: "note" }, "Not UTF-8: shown as hex (the bytes as received are under “Body bytes”)."));
    box.append(hexView(b.base64 || ""));
    return box;
  }
  const text = b.text || "";
  let tree = null;
  if (b.json) {
    try {
      tree = jsonTree(parseJSON(text)); // for display only: the bytes are never re-encoded
    } catch (e) {
      tree = null;
    }
  }
  const raw = el("pre", { className: "raw", tabIndex: 0 }, text);
  if (tree) {
    box.append(el("div", { className: "cols" },
      el("div", { className: "col" }, el("h3", null, "tree"), tree),
      el("div", { className: "col" }, el("h3", null, "raw"), raw)));
  } else {
    box.append(raw);
  }
  return box;
}

// The deepest nesting parseJSON follows; a deeper body is shown raw.
const MAX_JSON_DEPTH = 500;

// parseJSON reads JSON text into a tree that keeps what JSON.parse would
// lose: a number as its text (12345678901234567890 is not rounded to
// 12345678901234567000, 1.50e2 stays 1.50e2), and every member of an
// object in order, a repeated key included. Nodes: {t: "object",
// members: [[key, node]...]}, {t: "array", items: [node...]},
// {t: "string", v}, {t: "number", raw}, {t: "literal", raw}. Strings are
// decoded by JSON.parse of their own token. It throws on text that is not
// JSON.
function parseJSON(text) {
  let i = 0;
  const ws = /[ \t\n\r]*/y;
  const num = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const skip = () => { ws.lastIndex = i; ws.exec(text); i = ws.lastIndex; };
  const fail = () => { throw new Error("not JSON at " + i); };
  const str = () => {
    const start = i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (isNaN(c)) fail();
      if (c === 0x5c) i += 2;
      else if (c === 0x22) break;
      else i++;
    }
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (depth) => {
    if (depth > MAX_JSON_DEPTH) fail();
    skip();
    const c = text[i];
    if (c === "{") {
      i++;
      const members = [];
      skip();
      if (text[i] === "}") { i++; return { t: "object", members }; }
      for (;;) {
        skip();
        if (text[i] !== '"') fail();
        const key = str();
        skip();
        if (text[i++] !== ":") fail();
        members.push([key, value(depth + 1)]);
        skip();
        const d = text[i++];
        if (d === "}") return { t: "object", members };
        if (d !== ",") fail();
      }
    }
    if (c === "[") {
      i++;
      const items = [];
      skip();
      if (text[i] === "]") { i++; return { t: "array", items }; }
      for (;;) {
        items.push(value(depth + 1));
        skip();
        const d = text[i++];
        if (d === "]") return { t: "array", items };
        if (d !== ",") fail();
      }
    }
    if (c === '"') return { t: "string", v: str() };
    for (const lit of ["true", "false", "null"]) {
      if (text.startsWith(lit, i)) { i += lit.length; return { t: "literal", raw: lit }; }
    }
    num.lastIndex = i;
    const m = num.exec(text);
    if (!m) fail();
    i = num.lastIndex;
    return { t: "number", raw: m[0] };
  };
  const v = value(0);
  skip();
  if (i !== text.length) fail();
  return v;
}

function jsonTree(value) {
  const budget = { n: MAX_TREE_NODES };
  const root = el("div", { className: "tree" });
  root.append(node(null, value, budget, 0));
  if (budget.n <= 0) root.append(el("p", { className: "note" }, "The tree stops at " + MAX_TREE_NODES + " values: the raw text has all of it."));
  return root;
}

function scalar(v) {
  switch (v.t) {
    case "string": return el("span", { className: "j-str" }, JSON.stringify(v.v));
    case "number": return el("span", { className: "j-num" }, v.raw);
    case "literal": return el("span", { className: v.raw === "null" ? "j-null" : "j-bool" }, v.raw);
  }
  return el("span", null, "");
}

function node(key, v, budget, depth) {
  budget.n--;
  const label = key === null ? null : el("span", { className: "j-key" }, key + ": ");
  if (v.t !== "object" && v.t !== "array") {
    return el("div", { className: "j-leaf" }, label, scalar(v));
  }
  const arr = v.t === "array";
  const kids = arr ? v.items.map((x, i) => [String(i), x]) : v.members.map(([k, x]) => [JSON.stringify(k), x]);
  const summary = el("summary", null, label, el("span", { className: "note" },
    arr ? "[" + kids.length + "]" : "{" + kids.length + "}"));
  const det = el("details", { open: depth < 3 }, summary);
  for (const [k, x] of kids) {
    if (budget.n <= 0) {
      det.append(el("div", { className: "note" }, "…"));
      break;
    }
    det.append(node(k, x, budget, depth + 1));
  }
  return det;
}

function hexView(b64) {
  let bin;
  try { bin = atob(b64); } catch (e) { return el("p", { className: "bad-text" }, "The body's base64 does not decode."); }
  const n = Math.min(bin.length, MAX_HEX_BYTES);
  const lines = [];
  for (let off = 0; off < n; off += 16) {
    let hex = "", ascii = "";
    for (let i = off; i < off + 16; i++) {
      if (i < n) {
        const c = bin.charCodeAt(i);
        hex += c.toString(16).padStart(2, "0") + " ";
        ascii += c >= 0x20 && c < 0x7f ? bin[i] : ".";
      } else {
        hex += "   ";
      }
      if (i === off + 7) hex += " ";
    }
    lines.push(off.toString(16).padStart(8, "0") + "  " + hex + " " + ascii);
  }
  if (bin.length > n) lines.push("… " + (bin.length - n) + " more bytes");
  return el("pre", { className: "raw hex", tabIndex: 0 }, lines.join("\n"));
}

// ---- copying ---------------------------------------------------------

function headersText(d) {
  return d.headers.map((h) => h.values.map((v) => h.name + ": " + v).join("\n")).join("\n") + "\n";
}

function bodyText(d) {
  return d.body.encoding === "base64" ? d.body.base64 || "" : d.body.text || "";
}

// copyCurl copies the server's curl command (export.Curl: the one
// writer of shell commands from delivery bytes).
async function copyCurl() {
  if (!state.open) return;
  try {
    const r = await api(idPath(state.open.id) + "/curl");
    await copy("curl command", r.curl);
  } catch (e) {
    $("copied").textContent = "could not copy: " + e.message;
  }
}

async function copy(what, text) {
  const out = $("copied");
  try {
    await navigator.clipboard.writeText(text);
    out.textContent = what + " copied";
  } catch (e) {
    out.textContent = "could not copy: " + e.message;
  }
  setTimeout(() => { out.textContent = ""; }, 2500);
}

// ---- actions ---------------------------------------------------------

function openPanel(which) {
  if (!state.open) return;
  $("panel").hidden = false;
  $("replay-form").hidden = which !== "replay";
  $("edit-form").hidden = which !== "edit";
  $("action-out").replaceChildren();
  if (which === "replay") $("replay-send").focus();
  if (which === "edit") {
    const b = state.open.body;
    const ta = $("edit-body");
    $("header-rows").replaceChildren();
    $("header-rows").dataset.for = "";
    $("header-fixed").replaceChildren();
    if (b.encoding === "base64") {
      ta.value = "";
      ta.disabled = true;
      $("edit-preview").disabled = true;
      $("edit-send").disabled = true;
      $("add-header").disabled = true;
      $("action-out").append(el("p", { className: "note" }, "This body is not UTF-8 text: it cannot be edited here (replay it instead)."));
    } else {
      ta.disabled = false;
      $("edit-preview").disabled = false;
      $("edit-send").disabled = false;
      $("add-header").disabled = false;
      ta.value = b.text || "";
      ta.dataset.for = state.open.id;
      headerEditor(state.open);
      ta.focus();
    }
  }
}

// headerEditor fills the edit panel's header rows: one per value of the
// delivery's headers, a name and a value box each with a Remove button.
// The headers the server says no edit may name (framing ones, the
// signature's, made anew on send) are shown as text with why; a preview
// with no edits tells which.
async function headerEditor(d) {
  const box = $("header-rows");
  box.dataset.for = "";
  box.replaceChildren(el("p", { className: "note" }, "reading the headers…"));
  state.fixed = [];
  try {
    const p = await post(idPath(d.id) + "/resend?preview=1", {});
    state.fixed = p.fixed || [];
  } catch (e) {
    $("header-fixed").replaceChildren("Which headers are made anew is not known: " + e.message);
  }
  if (!state.open || state.open.id !== d.id) return;
  const why = new Map(state.fixed.map((f) => [f.name.toLowerCase(), f.reason]));
  const rows = [];
  for (const h of d.headers) {
    for (const v of h.values) {
      const reason = why.get(h.name.toLowerCase());
      rows.push(reason ? fixedRow(h.name, v, reason) : headerRow(h.name, v, true));
    }
  }
  box.replaceChildren(...rows);
  box.dataset.for = d.id;
  const absent = state.fixed.filter((f) => !d.headers.some((h) => h.name.toLowerCase() === f.name.toLowerCase()));
  if (absent.length) {
    $("header-fixed").replaceChildren("Also made anew on send: " + absent.map((f) => f.name).join(", ") + ".");
  }
}

function headerRow(name, value, original) {
  const row = el("div", { className: "hrow" });
  const n = el("input", { className: "h-name", value: name, spellcheck: false, autocomplete: "off", placeholder: "Name" });
  n.setAttribute("aria-label", original ? "header name" : "new header name");
  if (original) {
    n.readOnly = true;
    row.dataset.orig = name;
  }
  const v = el("input", { className: "h-value", value: value, spellcheck: false, autocomplete: "off", placeholder: "value" });
  v.setAttribute("aria-label", original ? "value of " + name : "new header value");
  const rm = el("button", { type: "button", className: "h-remove" }, "Remove");
  rm.setAttribute("aria-label", "remove " + (name || "this") + " header");
  rm.addEventListener("click", () => {
    // Keep the keyboard's place: the next row's value, else Add header.
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    const to = next && next.querySelector("input, .h-remove");
    (to || $("add-header")).focus();
  });
  row.append(n, v, rm);
  return row;
}

function fixedRow(name, value, reason) {
  return el("div", { className: "hrow fixed", title: reason },
    el("span", { className: "h-name" }, name), el("span", { className: "h-value" }, value),
    el("span", { className: "note" }, "(" + reason + ")"));
}

const sameValues = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

// headerEdits compares the rows with the delivery's headers: a name whose
// values changed is set (each value of its rows, in order), one no row
// names any longer is unset. Fixed headers are no edit.
function headerEdits(d) {
  // Until the rows are drawn there is nothing to compare: no edits.
  if ($("header-rows").dataset.for !== d.id) return { set: [], unset: [] };
  const fixed = new Set(state.fixed.map((f) => f.name.toLowerCase()));
  const orig = new Map();
  for (const h of d.headers) {
    if (!fixed.has(h.name.toLowerCase())) orig.set(h.name.toLowerCase(), h);
  }
  const now = new Map();
  for (const row of $("header-rows").querySelectorAll(".hrow:not(.fixed)")) {
    const name = row.querySelector(".h-name").value.trim();
    if (!name) continue;
    const k = name.toLowerCase();
    if (!now.has(k)) now.set(k, { name: name, values: [] });
    now.get(k).values.push(row.querySelector(".h-value").value);
  }
  const set = [], unset = [];
  for (const [k, h] of orig) if (!now.has(k)) unset.push(h.name);
  for (const [k, h] of now) {
    const o = orig.get(k);
    if (o && sameValues(o.values, h.values)) continue;
    for (const v of h.values) set.push({ name: o ? o.name : h.name, value: v });
  }
  return { set, unset };
}

function closePanel() {
  // The focus leaves the form it hides, or the next key would go to an
  // element no one sees (typed, not a shortcut) and Tab start over.
  const inside = $("panel").contains(document.activeElement);
  $("panel").hidden = true;
  if (inside && !$("detail").hidden) $("close").focus();
  $("replay-form").hidden = true;
  $("edit-form").hidden = true;
  $("action-out").replaceChildren();
}

function busy(on) {
  for (const id of ["replay-send", "edit-preview", "edit-send", "add-header"]) $(id).disabled = on;
}

async function doReplay() {
  const d = state.open;
  if (!d) return;
  const req = { resign: $("mode-resign").checked };
  const to = $("replay-to").value.trim();
  if (to) req.to = to;
  const out = $("action-out");
  out.replaceChildren(el("p", { className: "note" }, "sending…"));
  busy(true);
  try {
    const res = await post(idPath(d.id) + "/replay", req);
    out.replaceChildren(resultView(res));
  } catch (e) {
    out.replaceChildren(el("p", { className: "bad-text" }, "Not sent: " + e.message));
  } finally {
    busy(false);
  }
}

function resendRequest() {
  const d = state.open;
  const req = {};
  // A textarea gives line ends as LF: an untouched body is not sent back,
  // so its bytes (CR LF included) go as they came.
  const text = $("edit-body").value;
  if (text !== (d.body.text || "").replace(/\r\n?/g, "\n")) req.body = text;
  const h = headerEdits(d);
  if (h.set.length) req.set_headers = h.set;
  if (h.unset.length) req.unset_headers = h.unset;
  const to = $("edit-to").value.trim();
  if (to) req.to = to;
  return req;
}

async function doPreview() {
  const d = state.open;
  if (!d) return;
  const out = $("action-out");
  busy(true);
  try {
    const p = await post(idPath(d.id) + "/resend?preview=1", resendRequest());
    const kids = [el("h3", null, "What would change (nothing sent)"), el("h3", null, "Headers")];
    kids.push(p.headers && p.headers.length ? headerChanges(p.headers) : el("p", { className: "note" }, "No header changes."));
    if (p.fixed && p.fixed.length) {
      kids.push(el("p", { className: "note" }, "Not edited: " + p.fixed.map((f) => f.name + " (" + f.reason + ")").join("; ") + "."));
    }
    kids.push(el("h3", null, "Body"), bodyChanges(p.changes),
      el("p", { className: "note" }, "The edited body: " + fmtSize(p.body.size) + (p.body.json ? ", JSON" : "")));
    out.replaceChildren(...kids);
  } catch (e) {
    out.replaceChildren(el("p", { className: "bad-text" }, "No preview: " + e.message));
  } finally {
    busy(false);
  }
}

async function doResend() {
  const d = state.open;
  if (!d) return;
  const out = $("action-out");
  out.replaceChildren(el("p", { className: "note" }, "sending…"));
  busy(true);
  try {
    const res = await post(idPath(d.id) + "/resend", resendRequest());
    out.replaceChildren(resultView(res));
  } catch (e) {
    out.replaceChildren(el("p", { className: "bad-text" }, "Not sent: " + e.message));
  } finally {
    busy(false);
  }
}

function resultView(r) {
  const ok = r.acknowledged;
  const head = el("p", { className: ok ? "ok-text" : "bad-text" },
    ok ? "Acknowledged" : r.error ? "Failed" : "Not acknowledged",
    r.status ? " · " + r.status : "",
    " · " + fmtMS(r.latency_ms || 0),
    r.resigned ? " · re-signed" : " · byte-exact");
  const kids = [el("h3", null, "Result"), head, kv([
    ["to", r.url],
    ["error", r.error ? (r.error_kind ? r.error_kind + ": " : "") + r.error : ""],
    ["body sent", fmtSize(r.body_size || 0)],
    ["recorded as", r.recorded ? idLink(r.recorded) : ""],
  ])];
  if (r.warnings && r.warnings.length) kids.push(el("ul", { className: "hints" }, ...r.warnings.map((w) => el("li", null, w))));
  if (r.answer) kids.push(el("h3", null, "The answer" + (r.answer_truncated ? " (its start)" : "")), el("pre", { className: "raw small" }, r.answer));
  if (r.sent && r.sent.length) kids.push(el("details", null, el("summary", null, "Headers sent"), headersView(r.sent)));
  return el("div", { className: "result" }, ...kids);
}

// ---- diff ------------------------------------------------------------

function mark() {
  const tr = state.selected;
  const d = state.open || (tr && state.data.get(tr));
  if (!d) return;
  for (const t of document.querySelectorAll("tr.is-marked")) t.classList.remove("is-marked");
  if (state.marked && state.marked.id === d.id) {
    state.marked = null;
    $("marked").textContent = "";
    return;
  }
  state.marked = { id: d.id, label: d.method + " " + d.path + (d.event ? " " + d.event : "") };
  const row = state.rows.get(d.id);
  if (row) row.classList.add("is-marked");
  $("marked").textContent = "marked: " + state.marked.label + " (" + d.id + ")";
}

async function doDiff() {
  const b = state.open || (state.selected && state.data.get(state.selected));
  if (!state.marked || !b) {
    status("Mark a delivery (m), then choose another and press d.", true);
    return;
  }
  let res;
  try {
    res = await api("/api/diff?a=" + encodeURIComponent(state.marked.id) + "&b=" + encodeURIComponent(b.id));
  } catch (e) {
    status("No diff: " + e.message, true);
    return;
  }
  if (!state.open || state.open.id !== b.id) await show(b.id);
  $("panel").hidden = false;
  $("replay-form").hidden = true;
  $("edit-form").hidden = true;
  $("action-out").replaceChildren(diffView(res));
  $("action-out").scrollIntoView({ block: "nearest" });
}

function diffView(r) {
  const side = (s) => s.method + " " + s.path + (s.query ? "?" + s.query : "") + (s.event ? " · " + s.event : "") + " · " + s.id;
  const kids = [el("h3", null, r.same ? "The same" : "Different"),
    el("p", { className: "del" }, "− " + side(r.a)),
    el("p", { className: "ins" }, "+ " + side(r.b))];
  if (r.request && r.request.length) {
    const t = el("table", { className: "diff" });
    for (const f of r.request) t.append(el("tr", null, el("th", { scope: "row" }, f.field), el("td", { className: "del" }, f.old), el("td", { className: "ins" }, f.new)));
    kids.push(el("h3", null, "Request"), t);
  }
  if (r.headers && r.headers.length) kids.push(el("h3", null, "Headers"), headerChanges(r.headers));
  kids.push(el("h3", null, "Body"), bodyChanges(r.body));
  return el("div", { className: "result" }, ...kids);
}

// headerChanges shows compare.Header changes: name, kind, old, new.
function headerChanges(headers) {
  const t = el("table", { className: "diff" });
  for (const h of headers) {
    t.append(el("tr", null, el("th", { scope: "row" }, h.name), el("td", { className: "kind" }, h.kind),
      el("td", { className: "del" }, (h.old || []).join("\n")), el("td", { className: "ins" }, (h.new || []).join("\n"))));
  }
  return t;
}

function rawJSON(v) {
  return v === undefined ? "" : JSON.stringify(v);
}

// bodyChanges shows a compare.Body: structural changes of JSON bodies,
// else where the bytes first differ.
function bodyChanges(b) {
  if (!b) return el("p", { className: "note" }, "—");
  if (b.same) return el("p", { className: "note" }, "The same bytes.");
  const box = el("div", null, el("p", { className: "note" }, "as " + (b.format || "bytes")));
  if (b.changes && b.changes.length) {
    const t = el("table", { className: "diff" });
    for (const c of b.changes) {
      t.append(el("tr", null, el("th", { scope: "row" }, c.path || "(the whole body)"), el("td", { className: "kind" }, c.kind),
        el("td", { className: "del" }, rawJSON(c.old)), el("td", { className: "ins" }, rawJSON(c.new))));
    }
    box.append(t);
  }
  if (b.bytes) {
    const x = b.bytes;
    const ex = (e) => (e.text !== undefined && e.text !== "" ? e.text : e.hex || "") + (e.truncated ? "…" : "");
    box.append(kv([
      ["sizes", fmtSize(x.old_size) + " → " + fmtSize(x.new_size)],
      ["first difference", "byte " + x.offset + (x.line ? " (line " + x.line + ", column " + x.column + ")" : "")],
      ["common end", x.suffix + " bytes"],
    ]));
    box.append(el("pre", { className: "raw small" }, ex(x.context || {})),
      el("pre", { className: "raw small del" }, "− " + ex(x.old || {})),
      el("pre", { className: "raw small ins" }, "+ " + ex(x.new || {})));
  }
  return box;
}

// ---- wiring ----------------------------------------------------------

// splitConditions splits the where box at each && outside double quotes:
// each part is one --where (all must hold).
function splitConditions(text) {
  const out = [];
  let cur = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === "\\" && i + 1 < text.length) { cur += c + text[++i]; continue; }
    if (c === '"') quoted = !quoted;
    if (!quoted && c === "&" && text[i + 1] === "&") { out.push(cur); cur = ""; i++; continue; }
    cur += c;
  }
  out.push(cur);
  return out.map((w) => w.trim()).filter((w) => w);
}

function readFilter() {
  const f = new URLSearchParams();
  const ev = $("event").value.trim();
  if (ev) f.set("event", ev);
  for (const w of splitConditions($("where").value)) f.append("where", w);
  const q = $("q").value;
  if (q) f.set("q", q);
  return f;
}

function typing(t) {
  return t && ((t.tagName === "INPUT" && t.type !== "checkbox") || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "Escape") {
    if (!$("panel").hidden) closePanel();
    else if (state.open) closeDetail();
    else if (typing(e.target)) e.target.blur();
    return;
  }
  if (typing(e.target)) return;
  const cur = () => state.selected && state.data.get(state.selected);
  switch (e.key) {
    case "j": move(1); break;
    case "k": move(-1); break;
    case "/": $("event").focus(); break;
    case "Enter":
      if (e.target.tagName === "BUTTON" || e.target.tagName === "A" || e.target.tagName === "SUMMARY") return;
      if (cur()) show(cur().id);
      break;
    case "r":
      if (state.open) openPanel("replay");
      else if (cur()) show(cur().id).then(() => openPanel("replay"));
      break;
    case "e":
      if (state.open) openPanel("edit");
      else if (cur()) show(cur().id).then(() => openPanel("edit"));
      break;
    case "x":
      if (cur()) pick(cur().id, !state.picked.has(cur().id));
      break;
    case "m": mark(); break;
    case "d": doDiff(); break;
    default: return;
  }
  e.preventDefault();
}

function init() {
  $("filter").addEventListener("submit", (e) => {
    e.preventDefault();
    state.filter = readFilter();
    reload();
  });
  $("clear").addEventListener("click", () => {
    for (const id of ["event", "where", "q"]) $(id).value = "";
    state.filter = new URLSearchParams();
    reload();
  });
  $("more").addEventListener("click", loadPage);
  $("unpick").addEventListener("click", unpickAll);
  $("add-header").addEventListener("click", () => {
    const row = headerRow("", "", false);
    $("header-rows").append(row);
    row.querySelector(".h-name").focus();
  });
  $("rows").addEventListener("click", (e) => {
    if (e.target.closest("td.pick")) {
      // The box (or its cell) selects; it does not open the delivery.
      const tr = e.target.closest("tr");
      if (e.target.tagName !== "INPUT" && tr && state.data.has(tr)) {
        const id = state.data.get(tr).id;
        pick(id, !state.picked.has(id));
      }
      return;
    }
    const tr = e.target.closest("tr");
    if (tr && state.data.has(tr)) show(state.data.get(tr).id);
  });
  $("rows").addEventListener("focusin", (e) => {
    const tr = e.target.closest("tr");
    if (tr && tr !== state.selected && state.data.has(tr)) select(tr, false);
  });
  $("close").addEventListener("click", closeDetail);
  $("mark").addEventListener("click", mark);
  $("open-replay").addEventListener("click", () => openPanel("replay"));
  $("open-edit").addEventListener("click", () => openPanel("edit"));
  $("open-diff").addEventListener("click", doDiff);
  $("copy-body").addEventListener("click", () => state.open && copy("body", bodyText(state.open)));
  $("copy-headers").addEventListener("click", () => state.open && copy("headers", headersText(state.open)));
  $("copy-curl").addEventListener("click", copyCurl);
  $("replay-form").addEventListener("submit", (e) => { e.preventDefault(); doReplay(); });
  $("edit-form").addEventListener("submit", (e) => { e.preventDefault(); doResend(); });
  $("edit-preview").addEventListener("click", doPreview);
  for (const b of document.querySelectorAll("button.cancel")) b.addEventListener("click", closePanel);
  document.addEventListener("keydown", onKey);
  reload();
}

init();
