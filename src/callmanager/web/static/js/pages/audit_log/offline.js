// The Audit Log's "Verify offline" panel: downloads of the latest signed checkpoint and of the
// whole log as a verifiable JSON Lines export, and how to check them without this server.

import { ctx } from "../../context.js";
import { h } from "../../dom.js";

const download = (href, filename, label) =>
  h("a", { class: "button button-secondary button-small", href, download: filename }, label);

/** The panel, for the current tenant. */
export function offlinePanel() {
  const base = `/api/v1${ctx.tenantApi("/audit-log")}`;
  const whole = new URLSearchParams({ format: "jsonl", action_type: "all", seq_start: "0" });
  return h("section", { class: "offline-verify", "aria-labelledby": "offline-verify-title" },
    h("h2", { id: "offline-verify-title" }, "Verify offline"),
    h("p", { class: "muted" },
      "Every entry is a leaf of this tenant's Merkle log, and the server signs its checkpoints. "
      + "Keep checkpoints to detect a rewritten history later."),
    h("div", { class: "offline-actions" },
      download(`${base}/checkpoint`, "audit-log-checkpoint.txt", "Download latest checkpoint"),
      download(`${base}/export?${whole}`, "audit-log-verifiable.jsonl", "Download verifiable export")),
    h("p", { class: "offline-how" }, "To verify the export without this server, run ",
      h("code", null, "callmanager audit verify --offline FILE --key VERIFIER_KEY"),
      " with the verifier key published at ",
      h("a", { href: "/api/v1/audit-log/keys", target: "_blank", rel: "noopener" }, "/api/v1/audit-log/keys"), "."));
}
