// One entry in full, under its row: the call, the way to its resource's history, the facts,
// what an edit changed, and the request and response as JSON trees, with markers for sensitive,
// truncated and unknown outcomes.

import { api } from "../../api.js";
import { ctx } from "../../context.js";
import { h, replace } from "../../dom.js";
import { jsonView } from "../../json_view.js";
import { fullTime } from "../../time.js";
import { alertBox, button, copyButton } from "../../ui.js";
import { shownZone } from "../../zone.js";
import { changesView } from "./changes.js";
import { resourceNoun } from "./state.js";
import { verificationMark } from "./verify_mark.js";

function formatSize(bytes) {
  if (bytes === null || bytes === undefined) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function marker(kind, title, text) {
  return h("div", { class: `marker marker-${kind}`, "data-marker": kind }, h("strong", null, title), text);
}

/** What was kept of a body: markers, then its JSON (with a copy button) or why there is none. */
function bodyContent(body, tools) {
  const content = [];
  if (body.sensitive) {
    content.push(marker("sensitive", "Response not stored — sensitive, summary only.",
      " Only the fields below were kept; the rest of the response (such as tokens) was never stored."));
  }
  if (body.truncated) {
    content.push(marker("truncated", "Truncated.",
      ` The body (${formatSize(body.size)}) was larger than the capture limit; only its size${body.sha256 ? " and SHA-256" : ""} were kept.`));
  }
  if ("body" in body) {
    tools.push(copyButton(() => JSON.stringify(body.body, null, 2), "Copy JSON"));
    content.push(jsonView(body.body));
  } else if (!body.truncated) {
    content.push(h("p", { class: "muted" }, body.size ? "Not JSON: only its type, size and SHA-256 were kept." : "Empty body."));
  }
  if (body.sha256) content.push(h("p", { class: "sha" }, "SHA-256 ", h("code", null, body.sha256)));
  return content;
}

function bodyPanel(title, body, entry, isResponse) {
  const meta = [];
  if (body?.content_type) meta.push(body.content_type);
  if (body && typeof body.size === "number") meta.push(formatSize(body.size));
  const tools = [];
  const content = body ? bodyContent(body, tools)
    : h("p", { class: "muted" }, isResponse && entry.outcome === "unknown"
      ? "Not recorded: the outcome of this call is unknown."
      : "No body.");
  return h("section", { class: "body-panel", "aria-label": title },
    h("div", { class: "body-panel-head" }, h("h3", null, title),
      meta.length ? h("span", { class: "muted body-meta" }, meta.join(" · ")) : null, tools),
    content);
}

function fact(label, value) {
  if (value === null || value === undefined || value === "") return null;
  return [h("dt", null, label), h("dd", null, value)];
}

function who(actor = {}) {
  if (actor.type === "system") return `System${actor.id ? ` (task ${actor.id})` : ""}`;
  if (actor.type === "partner") return "Partner (via Access Service)";
  if (actor.type === "anonymous") return "Anonymous";
  return actor.email || actor.name || actor.id || "";
}

const absent = (value) => value === null || value === undefined;

function resourceFact(resource) {
  if (!resource?.type) return "None: this path names no known resource";
  return [resourceNoun(resource.type), resource.name ? h("strong", null, ` ${resource.name}`) : null,
    resource.id ? h("code", { class: "resource-id" }, ` ${resource.id}`) : null];
}

function facts(entry) {
  return h("dl", { class: "detail-facts" },
    fact("When", fullTime(entry.occurred_at, shownZone())),
    fact("Duration", absent(entry.duration_ms) ? "—" : `${entry.duration_ms} ms`),
    fact("Status", absent(entry.status) ? "—" : `${entry.status} · ${entry.outcome}`),
    fact("Who", who(entry.actor || {})),
    fact("Source", entry.source),
    fact("Resource", resourceFact(entry.resource)),
    fact("Route", entry.route ? `${entry.method} ${entry.route}` : null),
    fact("Client", entry.client_ip),
    fact("User agent", entry.user_agent),
    fact("Entry id", h("code", null, entry.id)),
    fact("Seq", absent(entry.seq) ? "— (not yet in the log)" : h("code", { class: "entry-seq" }, String(entry.seq))),
    fact("Integrity", verificationMark(entry)));
}

/** "History of this group": everything that happened to the entry's resource, in the list. */
function historyButton(entry, showHistory) {
  const { type, id } = entry.resource || {};
  if (!type || !id || !showHistory) return null;
  return button(`History of this ${resourceNoun(type)}`, () => showHistory(entry.resource),
    { class: "button button-secondary button-small history-button", "data-action": "history" });
}

function detailView(entry, showHistory) {
  return h("div", { class: "detail" },
    h("div", { class: "detail-call" },
      h("span", { class: `method method-${entry.method.toLowerCase()}` }, entry.method),
      h("code", { class: "detail-path" }, entry.path),
      copyButton(() => `${entry.method} ${entry.path}`, "Copy"), historyButton(entry, showHistory)),
    entry.outcome === "unknown" ? marker("unknown", "Outcome unknown.",
      " The call was recorded before it ran, but its response was never stored: the service stopped, or the audit store stayed unavailable. It may or may not have taken effect; check the resource itself. An outcome established later replaces this.")
      : null,
    facts(entry),
    entry.action === "edit" ? changesView(entry.changes) : null,
    h("div", { class: "detail-bodies" },
      bodyPanel("Request", entry.request, entry, false),
      bodyPanel("Response", entry.response, entry, true)));
}

/**
 * Fetch entry `entryId` once and show it in `detailRow` (a retry button if that fails);
 * `showHistory(resource)` lists everything that happened to the entry's resource.
 */
export async function loadDetail(entryId, detailRow, showHistory) {
  const cell = detailRow.firstElementChild;
  detailRow.dataset.loaded = "loading";
  replace(cell, h("p", { class: "loading" }, "Loading the request and response…"));
  try {
    const entry = await api("GET", ctx.tenantApi(`/audit-log/${entryId}`));
    replace(cell, detailView(entry, showHistory));
    detailRow.dataset.loaded = "yes";
  } catch (err) {
    delete detailRow.dataset.loaded;
    replace(cell, alertBox(`Couldn't load this entry: ${err.message}`),
      button("Try again", () => loadDetail(entryId, detailRow, showHistory), { class: "button button-secondary button-small" }));
  }
}
