// The create / edit dialog of a stream: name, destination, format (CEF only for syslog), the
// action types it carries, and (when creating) where it starts: now, or from a seq to backfill.

import { api } from "../../api.js";
import { ctx } from "../../context.js";
import { h } from "../../dom.js";
import { field, formDialog } from "../../ui.js";
import { destinationFields, readDestination } from "./destination.js";
import { secretPanel } from "./secret.js";

export const FORMATS = [["native", "Native (the entry as the API returns it)"], ["ocsf", "OCSF 1.5.0 API Activity"], ["cef", "CEF (syslog only)"]];
export const FORMAT_LABELS = { native: "Native", ocsf: "OCSF", cef: "CEF" };

function formatSelect(stream) {
  const select = h("select", { id: "stream-format", name: "format" },
    FORMATS.map(([value, label]) => h("option", { value, selected: value === (stream?.format ?? "native") }, label)));
  return {
    node: field("Format", select),
    /** CEF is a syslog line: offer it only there, and fall back to native when leaving syslog. */
    allow(kind) {
      const cef = select.querySelector('option[value="cef"]');
      cef.disabled = kind !== "syslog";
      cef.hidden = kind !== "syslog";
      if (cef.disabled && select.value === "cef") select.value = "native";
    },
  };
}

function actionTypeSelect(stream, actionTypes) {
  const value = stream?.action_type ?? "all";
  return field("Entries to send", h("select", { id: "stream-action-type", name: "action_type" },
    actionTypes.map(([type, label]) => h("option", { value: type, selected: type === value }, label))),
    "The same choice as the Audit Log's Action Type: all entries (reads included), modifications, or one type.");
}

function startFields() {
  const seq = h("input", { id: "stream-from-seq", name: "from_seq", type: "number", min: 0, step: 1, inputmode: "numeric", disabled: true });
  const radio = (value, label, checked) => h("label", { class: "checkbox" },
    h("input", { type: "radio", name: "start", value, checked, onchange: () => { seq.disabled = value !== "seq"; seq.required = value === "seq"; } }), label);
  return h("fieldset", { class: "editor-section stack" }, h("legend", null, "Start"),
    radio("now", "From now: entries recorded after the stream is created", true),
    radio("seq", "From a seq (backfill): every entry from that position on", false),
    field("From seq", seq, "The log's position, as shown beside each verified entry; 0 sends the whole log."));
}

function body(kind, data, creating) {
  const payload = {
    name: String(data.get("name")).trim(),
    destination: readDestination(kind, data),
    format: data.get("format"),
    action_type: data.get("action_type"),
  };
  if (creating) {
    payload.start = data.get("start") === "seq" ? { from_seq: Number(data.get("from_seq")) } : "now";
  }
  return payload;
}

/**
 * Create (`stream` null) or edit a stream; `actionTypes` are the log's [value, label] pairs.
 * After creating a webhook, the dialog shows its signing secret, once.
 */
export function streamDialog(stream, actionTypes, reload) {
  const creating = !stream;
  const format = formatSelect(stream);
  const destination = destinationFields(stream, (kind) => format.allow(kind));
  destination.show();
  return formDialog({
    title: creating ? "New stream" : `Edit stream ${stream.name}`,
    fields: [
      field("Name", h("input", { id: "stream-name", name: "name", required: true, maxlength: 200, value: stream?.name ?? "", autocomplete: "off" })),
      destination.node,
      h("div", { class: "editor-grid" }, format.node, actionTypeSelect(stream, actionTypes)),
      creating ? startFields() : null,
    ],
    submitLabel: creating ? "Create stream" : "Save changes",
    wide: true,
    async submit(data) {
      const payload = body(destination.kind(), data, creating);
      const path = ctx.tenantApi("/audit-log/streams");
      const saved = creating ? await api("POST", path, payload) : await api("PATCH", `${path}/${stream.id}`, payload);
      reload();
      return saved.secret ? secretPanel(saved, "created") : null;
    },
  });
}
