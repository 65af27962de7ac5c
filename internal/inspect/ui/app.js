// A placeholder over the inspector's API. Delivery content is hostile: it
// is only ever set as textContent, never as HTML.
"use strict";

const rows = document.getElementById("rows");
const more = document.getElementById("more");
const status = document.getElementById("status");
const detail = document.getElementById("detail");
let filter = new URLSearchParams();
let next = "";
let events = null;
let newest = -1; // the seq the stream goes on after

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function row(d) {
  const tr = document.createElement("tr");
  tr.tabIndex = 0;
  cell(tr, new Date(d.received_at).toLocaleTimeString());
  cell(tr, d.method);
  cell(tr, d.path + (d.query ? "?" + d.query : ""));
  cell(tr, d.event || "");
  cell(tr, d.verdict, d.valid || d.verdict === "unsigned" ? "" : "invalid");
  cell(tr, String(d.body_size));
  cell(tr, String(d.answer.status));
  cell(tr, d.forward ? (d.forward.status || d.forward.error) + " " + Math.round(d.forward.latency_ms) + " ms" : "");
  tr.addEventListener("click", () => show(d.id));
  tr.addEventListener("keydown", (e) => { if (e.key === "Enter") show(d.id); });
  return tr;
}

async function show(id) {
  const r = await fetch("/api/deliveries/" + encodeURIComponent(id));
  detail.textContent = JSON.stringify(await r.json(), null, 2);
}

async function page() {
  const q = new URLSearchParams(filter);
  if (next) q.set("cursor", next);
  const r = await fetch("/api/deliveries?" + q);
  const body = await r.json();
  if (!r.ok) { status.textContent = body.error; return; }
  for (const d of body.deliveries) rows.appendChild(row(d));
  if (!next) newest = body.total - 1;
  next = body.next;
  more.hidden = !next;
  status.textContent = body.total + " deliveries";
}

function live() {
  if (events) events.close();
  const q = new URLSearchParams(filter);
  q.set("after", String(newest));
  events = new EventSource("/api/events?" + q);
  events.addEventListener("delivery", (e) => rows.prepend(row(JSON.parse(e.data))));
  events.addEventListener("reset", () => reload());
}

function reload() {
  rows.replaceChildren();
  next = "";
  page().then(live);
}

document.getElementById("filter").addEventListener("submit", (e) => {
  e.preventDefault();
  filter = new URLSearchParams();
  for (const k of ["event", "where", "q"]) {
    const v = document.getElementById(k).value;
    if (v) filter.set(k, v);
  }
  reload();
});
more.addEventListener("click", page);
reload();
