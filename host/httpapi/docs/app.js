// Renders /openapi.json into the page. Everything from the document is
// inserted as text, never as HTML: descriptions come from plugin publishers.
"use strict";

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : String(c));
  return e;
}

function resolve(doc, obj) {
  if (obj && typeof obj.$ref === "string" && obj.$ref.startsWith("#/")) {
    let cur = doc;
    for (const part of obj.$ref.slice(2).split("/")) cur = cur ? cur[part] : undefined;
    return cur || obj;
  }
  return obj;
}

function schemaBlock(doc, label, schema) {
  const d = el("details", {}, el("summary", {}, label));
  d.append(el("pre", {}, JSON.stringify(resolve(doc, schema), null, 2)));
  return d;
}

function curlExample(server, path, op) {
  const lines = ["curl -sS -X POST " + server + path,
    "  -H \"Authorization: Bearer $TOKEN\"",
    "  -H 'Content-Type: application/json'",
    "  -d '{}'"];
  return op.requestBody ? lines.join(" \\\n") : "curl -sS -H \"Authorization: Bearer $TOKEN\" " + server + path;
}

function operation(doc, server, path, method, op) {
  const box = el("section", { class: "op", id: op.operationId || path });
  box.append(el("h3", {}, el("span", { class: "method" }, method), el("span", { class: "path" }, path)));
  if (op.description) box.append(el("p", {}, op.description));
  const effect = op["x-saa-effect"];
  if (effect) box.append(el("p", {}, "Effect: ", el("span", { class: "effect-" + effect }, effect)));
  const scopes = ((op.security || doc.security || [])[0] || {}).oauth2 || [];
  if (scopes.length) {
    const p = el("p", {}, "Scopes: ");
    scopes.forEach((s) => p.append(el("span", { class: "scope" }, s)));
    box.append(p);
  }
  const body = op.requestBody && resolve(doc, op.requestBody);
  if (body && body.content && body.content["application/json"]) {
    box.append(schemaBlock(doc, "Input schema", body.content["application/json"].schema));
  }
  const ok = op.responses && resolve(doc, op.responses["200"]);
  if (ok && ok.content && ok.content["application/json"]) {
    box.append(schemaBlock(doc, "Output schema", ok.content["application/json"].schema));
  }
  box.append(el("pre", {}, curlExample(server, path, op)));
  return box;
}

function render(doc) {
  const server = (doc.servers && doc.servers[0] && doc.servers[0].url) || location.origin;
  document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
  document.getElementById("description").textContent = doc.info.description || "";
  const cc = doc.components.securitySchemes.oauth2.flows.clientCredentials;
  document.getElementById("token-example").textContent =
    "curl -sS -u \"$CLIENT_ID:$CLIENT_SECRET\" -d grant_type=client_credentials \\\n  -d 'scope=<scopes, space-separated>' " + cc.tokenUrl;
  const ops = document.getElementById("operations");
  const toc = document.getElementById("toc");
  ops.replaceChildren();
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths).sort()) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(doc, server, path, method, op));
    }
  }
  for (const tag of doc.tags || []) {
    if (!byTag.has(tag.name)) continue;
    toc.append(el("a", { href: "#tag-" + tag.name }, tag.name));
    ops.append(el("h2", { id: "tag-" + tag.name }, tag.name));
    if (tag.description) ops.append(el("p", {}, tag.description));
    byTag.get(tag.name).forEach((b) => ops.append(b));
  }
}

fetch("/openapi.json")
  .then((r) => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
  .then(render)
  .catch((e) => { document.getElementById("operations").textContent = "Cannot load /openapi.json: " + e.message; });
