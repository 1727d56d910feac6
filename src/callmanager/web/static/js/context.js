// What the server told the page about the tenant and the caller (data-* attributes on <body>).

const data = document.body.dataset;
const permissions = new Set((data.permissions || "").split(" ").filter(Boolean));

export const ctx = {
  page: data.page || "",
  tenantId: data.tenantId || "",
  tenantName: data.tenantName || "",
  timeZone: data.tenantTz || "UTC",
  role: data.role || "",
  actorKind: data.actorKind || "",
  /** May the caller do `permission` here (read, write, manage_users, audit_read, ...)? */
  can(permission) {
    return permissions.has(permission);
  },
  /** The tenant API path of `rest`, e.g. tenantApi("/groups") → /tenants/<id>/groups. */
  tenantApi(rest = "") {
    return `/tenants/${this.tenantId}${rest}`;
  },
};
