// The app shell: menu toggle, user menu, tenant switcher, logout, then the page's own module.

import { api } from "./api.js";
import { ctx } from "./context.js";
import { alertBox } from "./ui.js";

const PAGE_MODULES = {
  "groups": "./pages/groups/index.js",
  "call-flows": "./pages/call_flows/index.js",
  "call-logs": "./pages/call_logs/index.js",
  "portal-users": "./pages/portal_users/index.js",
  "audit-log": "./pages/audit_log/index.js",
  "audit-log/streams": "./pages/audit_streams/index.js",
  "admin-setup": "./pages/admin_setup.js",
};

function disclosure(button, panel, { closeOnOutside = true } = {}) {
  const set = (open) => {
    button.setAttribute("aria-expanded", String(open));
    panel.hidden = !open;
    panel.classList.toggle("open", open);
  };
  button.addEventListener("click", () => set(button.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      set(false);
      button.focus();
    }
  });
  if (closeOnOutside) {
    document.addEventListener("click", (event) => {
      if (!button.contains(event.target) && !panel.contains(event.target)) set(false);
    });
  }
  return set;
}

function wireShell() {
  const userButton = document.getElementById("user-menu-button");
  const userPanel = document.getElementById("user-menu");
  if (userButton && userPanel) disclosure(userButton, userPanel);

  const navToggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("sidenav");
  if (navToggle && nav) {
    navToggle.addEventListener("click", () => {
      const open = navToggle.getAttribute("aria-expanded") !== "true";
      navToggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    });
  }

  const switcher = document.querySelector("[data-tenant-switch]");
  if (switcher) switcher.addEventListener("change", () => location.assign(switcher.value));

  for (const button of document.querySelectorAll("[data-logout]")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await api("POST", "/auth/logout", undefined, { allowUnauthenticated: true });
      } finally {
        location.assign("/login");
      }
    });
  }
}

async function startPage() {
  const root = document.getElementById("page-root");
  const modulePath = PAGE_MODULES[ctx.page];
  if (!root || !modulePath) return;
  try {
    const module = await import(modulePath);
    await module.mount(root);
  } catch (err) {
    root.replaceChildren(alertBox(`This page failed to load: ${err.message}`));
  } finally {
    root.removeAttribute("aria-busy");
  }
}

wireShell();
startPage();
