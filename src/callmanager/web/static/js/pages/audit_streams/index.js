// Organization > Audit Log > Streams: the tenant's streams to its SIEM with each one's health;
// Owners create, edit, pause, resume, test and delete them, others read. While a stream has work
// in hand the list looks again now and then (each look is an audited read, so not often).

import { ApiError, api } from "../../api.js";
import { ctx } from "../../context.js";
import { h, replace } from "../../dom.js";
import { alertBox, button, emptyState, readOnlyNote, toolbar } from "../../ui.js";
import { zoneSwitch } from "../../zone.js";
import { ownerActions } from "./actions.js";
import { streamCard } from "./card.js";
import { unsettled } from "./health.js";

const REFRESH_MS = 15_000;
// Used only when the vocabulary can't be had: the API's action types, named plainly.
const FALLBACK_TYPES = [["all", "All"], ["modifications", "Modifications"], ["create", "Create"], ["edit", "Edit"], ["delete", "Delete"], ["read", "Read"]];

async function actionTypes() {
  try {
    const words = await api("GET", ctx.tenantApi("/audit-log/vocabulary"));
    return words.action_types.map(({ value, label }) => [value, label]);
  } catch {
    return FALLBACK_TYPES;
  }
}

/** Only Owners change streams: the API asks for the Owner's permission (and refuses others anyway). */
const mayManage = () => ctx.can("manage_users");

function failure(err, retry) {
  if (err instanceof ApiError && err.status === 403) return alertBox("Your role can't see this tenant's streams.");
  return h("div", { class: "error-state", role: "alert" }, h("h2", null, "Couldn't load the streams"),
    h("p", null, err.message), h("div", { class: "empty-actions" }, button("Try again", retry, { kind: "primary" })));
}

export async function mount(root) {
  const types = await actionTypes();
  const labels = Object.fromEntries(types);
  const region = h("div", { class: "streams" });
  const actions = mayManage() ? ownerActions(types, load) : null;
  const create = (props) => button("New stream", () => actions.create(), { kind: "primary", ...props });
  let timer = 0;
  let stale = false;
  // A hidden tab doesn't ask; coming back to it asks at once if a stream was still busy.
  document.addEventListener("visibilitychange", () => { if (!document.hidden && stale) load(); });

  async function load() {
    clearTimeout(timer);
    region.setAttribute("aria-busy", "true");
    try {
      const { items } = await api("GET", ctx.tenantApi("/audit-log/streams"));
      replace(region, items.length > 0 ? items.map((s) => streamCard(s, labels, actions))
        : emptyState("No streams yet", actions
          ? "A stream sends every audit entry to your SIEM as it is recorded: a signed webhook, syslog over TLS or Splunk HEC."
          : "No streams send this tenant's audit entries anywhere. Owners set them up.", actions ? create() : null));
      stale = items.some((s) => unsettled(s.health));
      if (stale) timer = setTimeout(() => { if (!document.hidden) load(); }, REFRESH_MS);
    } catch (err) {
      replace(region, failure(err, load));
    } finally {
      region.removeAttribute("aria-busy");
    }
  }

  replace(root,
    toolbar("Streams deliver this tenant's audit entries to its SIEM, in order, each with its seq so a gap shows at the receiver.",
      h("div", { class: "button-row" },
        button("Refresh", load, { class: "button button-secondary button-small", "data-action": "refresh" }),
        actions ? create({ "data-action": "new-stream" }) : null)),
    actions ? null : readOnlyNote(`As a ${ctx.roleLabel(ctx.role) || "viewer"} you can see the streams and their health; only Owners create, change, test and delete them, and secrets are never shown.`),
    region,
    zoneSwitch(load));
  await load();
}
