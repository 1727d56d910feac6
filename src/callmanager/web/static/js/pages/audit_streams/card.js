// One stream as a card: its name and status, where it sends and in what form, its health, and
// (for Owners) the buttons that change it.

import { h, uid } from "../../dom.js";
import { button } from "../../ui.js";
import { KIND_LABELS, describeDestination } from "./destination.js";
import { FORMAT_LABELS } from "./form.js";
import { STATUSES, healthFacts, statusBadge } from "./health.js";

const small = (label, onclick, props = {}) => button(label, onclick, { class: "button button-secondary button-small", ...props });

function ownerButtons(stream, actions, line) {
  const name = stream.name;
  const resume = stream.health.status === "paused" || stream.health.status === "failing";
  const toggle = small(resume ? "Resume" : "Pause", () => actions.pauseOrResume(stream, toggle), { "aria-label": `${resume ? "Resume" : "Pause"} ${name}` });
  const test = small("Send test event", () => actions.test(stream, test, line), { "aria-label": `Send test event to ${name}` });
  return h("div", { class: "button-row stream-actions" },
    test, toggle,
    small("Edit", () => actions.edit(stream), { "aria-label": `Edit ${name}` }),
    stream.destination.kind === "webhook"
      ? small("Rotate secret", () => actions.rotate(stream), { "aria-label": `Rotate secret of ${name}` }) : null,
    button("Delete", () => actions.remove(stream), { class: "button button-danger-quiet button-small", "aria-label": `Delete ${name}` }));
}

/** "Native · All (including reads) · from seq 0" — the form, filter and start of the stream. */
function shape(stream, actionLabels) {
  const entries = actionLabels[stream.action_type] || stream.action_type;
  return `${FORMAT_LABELS[stream.format] || stream.format} · ${entries} · from seq ${stream.start_seq}`;
}

/** `actions` is null for roles that only read. */
export function streamCard(stream, actionLabels, actions) {
  const titleId = uid("stream");
  const line = h("p", { class: "stream-test-result", role: "status", "aria-live": "polite" });
  const status = STATUSES[stream.health.status];
  return h("article", { class: "card stream-card", "aria-labelledby": titleId, "data-stream-id": stream.id, "data-status": stream.health.status },
    h("header", { class: "stream-head" },
      h("h2", { id: titleId, class: "stream-name" }, stream.name),
      statusBadge(stream.health.status),
      status ? h("span", { class: "muted stream-status-text" }, status.says) : null),
    h("p", { class: "stream-where" },
      h("span", { class: "badge badge-info" }, KIND_LABELS[stream.destination.kind] || stream.destination.kind), " ",
      h("span", { class: "mono stream-destination" }, describeDestination(stream.destination))),
    h("p", { class: "muted stream-shape" }, shape(stream, actionLabels)),
    healthFacts(stream.health),
    actions ? ownerButtons(stream, actions, line) : null,
    line);
}
