// The retention line: how long this tenant keeps its log and the day its history begins
// ("Kept for 400 days: history begins 2025-10-26"), for every role, on the Audit Log and on
// Admin Setup; Owners change the period from either (30 to 3,650 days), an audited edit of the
// tenant.

import { api } from "../../api.js";
import { ctx } from "../../context.js";
import { h, replace, uid } from "../../dom.js";
import { alertBox, button, toast } from "../../ui.js";

export const MIN_DAYS = 30;
export const MAX_DAYS = 3650;

/** "Kept for 400 days: history begins 2025-10-26." from the tenant resource. */
export const retentionText = (tenant) =>
  `Kept for ${tenant.audit_retention_days} days: history begins ${tenant.audit_history_begins}.`;

/** The line (and, for Owners, its Change form); `load()` fills it from the tenant, `show(tenant)`
 * from a tenant the page already read. */
export function retentionLine() {
  const node = h("div", { class: "retention", "data-retention": "" });
  const canChange = ctx.can("manage_users");

  async function load() {
    try {
      show(await api("GET", ctx.tenantApi()));
    } catch {
      replace(node); // the page works without it; the tenant's own page says why
    }
  }

  function show(tenant, error = "") {
    const line = h("p", { class: "retention-line muted", "data-retention-line": "" }, retentionText(tenant));
    const change = canChange ? button("Change", () => edit(tenant), { class: "button button-secondary button-small", "aria-label": "Change how long the audit log is kept" }) : null;
    replace(node, h("div", { class: "retention-row" }, line, change),
      error ? alertBox(error) : null);
  }

  function edit(tenant) {
    const id = uid("retention-days");
    const input = h("input", {
      id, type: "number", min: String(MIN_DAYS), max: String(MAX_DAYS), step: "1", required: "",
      value: String(tenant.audit_retention_days), class: "retention-days", "aria-describedby": `${id}-hint`,
    });
    const form = h("form", { class: "retention-form", "aria-label": "Audit log retention" },
      h("label", { for: id }, "Keep the audit log for"), input, h("span", null, "days"),
      h("button", { type: "submit", class: "button button-primary button-small" }, "Save"),
      button("Cancel", () => show(tenant), { class: "button button-secondary button-small" }),
      h("p", { class: "hint", id: `${id}-hint` },
        `${MIN_DAYS} to ${MAX_DAYS.toLocaleString("en")} days. Entries older than this are pruned each day; each entry's hash stays in the log, so what remains still verifies.`));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const changed = await api("PATCH", ctx.tenantApi(), { audit_retention_days: Number(input.value) });
        toast(`The audit log is now kept for ${changed.audit_retention_days} days.`);
        show(changed);
      } catch (err) {
        show(tenant, `Couldn't change the retention period: ${err.message}`);
      }
    });
    replace(node, form);
    input.focus();
  }

  return { node, load, show: (tenant) => show(tenant) };
}
