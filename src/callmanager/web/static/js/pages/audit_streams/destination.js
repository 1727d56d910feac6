// A stream's destination: the kinds and their fields in the form, the API body read from those
// fields (secrets only when typed), and the one line that names a destination in the list.

import { h } from "../../dom.js";
import { field } from "../../ui.js";

/** The destination kinds, as the API names them, with their labels. */
export const KINDS = [["webhook", "Webhook (HTTPS, signed)"], ["syslog", "Syslog (RFC 5424 over TCP/TLS)"], ["splunk_hec", "Splunk HTTP Event Collector"]];
export const KIND_LABELS = { webhook: "Webhook", syslog: "Syslog", splunk_hec: "Splunk HEC" };

const input = (id, name, props = {}) => h("input", { id, name, autocomplete: "off", ...props });
const pem = (id, name, props = {}) => h("textarea", { id, name, rows: 3, class: "mono", spellcheck: "false", ...props });

/** The fields of one kind; `dest` is the stream's destination when editing (secrets never come back). */
function kindFields(kind, dest, editing) {
  const keep = (has) => (editing && has ? "Leave empty to keep the one stored." : null);
  if (kind === "webhook") {
    return [field("URL", input("stream-url", "url", { type: "url", required: true, value: dest?.url ?? "", placeholder: "https://siem.example.com/hooks/callmanager" }),
      editing ? "The signing secret stays; rotate it from the list." : "Call Manager generates the signing secret and shows it once, after you create the stream.")];
  }
  if (kind === "splunk_hec") {
    return [
      field("URL", input("stream-url", "url", { type: "url", required: true, value: dest?.url ?? "", placeholder: "https://splunk.example.com:8088" }),
        "The collector's base URL; events go to /services/collector/event."),
      field("HEC token", input("stream-token", "token", { type: "password", required: !editing, autocomplete: "new-password" }), keep(dest?.has_token)),
      h("div", { class: "editor-grid" },
        field("Source", input("stream-source", "source", { value: dest?.source ?? "callmanager" })),
        field("Sourcetype", input("stream-sourcetype", "sourcetype", { value: dest?.sourcetype ?? "callmanager:audit" })),
        field("Index (optional)", input("stream-index", "index", { value: dest?.index ?? "" })),
        field("Host (optional)", input("stream-host", "host", { value: dest?.host ?? "" }))),
    ];
  }
  return [
    h("div", { class: "editor-grid" },
      field("Host", input("stream-host", "host", { required: true, value: dest?.host ?? "", placeholder: "syslog.example.com" })),
      field("Port", input("stream-port", "port", { type: "number", required: true, min: 1, max: 65535, value: dest?.port ?? 6514 }))),
    h("label", { class: "checkbox" }, input("stream-tls", "tls", { type: "checkbox", checked: dest ? dest.tls : true }), "Use TLS (RFC 5425)"),
    field("CA certificate (PEM, optional)", pem("stream-ca", "ca_pem", { value: dest?.ca_pem ?? "" }),
      "Pin the receiver's CA; without it the system's trusted CAs are used."),
    field("Client certificate (PEM, optional)", pem("stream-client-cert", "client_cert_pem"), keep(dest?.has_client_key)),
    field("Client key (PEM, optional)", pem("stream-client-key", "client_key_pem"), keep(dest?.has_client_key)),
  ];
}

/** The destination part of the form: a kind picker (fixed when editing) and that kind's fields. */
export function destinationFields(stream, onKind) {
  const editing = Boolean(stream);
  const kind = h("select", { id: "stream-kind", name: "kind", disabled: editing },
    KINDS.map(([value, label]) => h("option", { value, selected: value === (stream?.destination.kind ?? "webhook") }, label)));
  const fields = h("div", { class: "stack destination-fields" });
  const show = () => {
    fields.replaceChildren(...kindFields(kind.value, stream?.destination, editing));
    onKind(kind.value);
  };
  kind.addEventListener("change", show);
  const node = h("fieldset", { class: "editor-section stack" }, h("legend", null, "Destination"),
    field("Kind", kind, editing ? "To send elsewhere in another way, create a new stream." : null), fields);
  return { node, kind: () => kind.value, show };
}

const text = (data, name) => String(data.get(name) ?? "").trim();
const optional = (data, name) => text(data, name) || null;

/** The API's destination object from the form; a secret field left empty is not sent. */
export function readDestination(kind, data) {
  if (kind === "webhook") return { kind, url: text(data, "url") };
  if (kind === "splunk_hec") {
    const dest = { kind, url: text(data, "url"), source: text(data, "source") || "callmanager",
      sourcetype: text(data, "sourcetype") || "callmanager:audit", index: optional(data, "index"), host: optional(data, "host") };
    if (text(data, "token")) dest.token = text(data, "token");
    return dest;
  }
  const dest = { kind, host: text(data, "host"), port: Number(text(data, "port")), tls: data.get("tls") === "on",
    ca_pem: optional(data, "ca_pem") };
  if (text(data, "client_cert_pem")) dest.client_cert_pem = text(data, "client_cert_pem");
  if (text(data, "client_key_pem")) dest.client_key_pem = text(data, "client_key_pem");
  return dest;
}

/** "https://siem.example.com/hook" or "syslog.example.com:6514 (TLS, pinned CA)". */
export function describeDestination(dest) {
  if (dest.kind === "syslog") {
    const notes = [dest.tls ? "TLS" : "plain TCP", dest.ca_pem ? "pinned CA" : null, dest.has_client_key ? "client certificate" : null];
    return `${dest.host}:${dest.port} (${notes.filter(Boolean).join(", ")})`;
  }
  if (dest.kind === "splunk_hec") return `${dest.url} · ${dest.sourcetype}${dest.index ? ` · index ${dest.index}` : ""}`;
  return dest.url;
}
