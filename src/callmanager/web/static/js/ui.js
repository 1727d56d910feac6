// Shared UI pieces: toasts, modal dialogs, confirmations, alerts, empty states, copy buttons.

import { h, replace, uid } from "./dom.js";

let toastTimer = 0;
/** A short, polite announcement at the bottom of the screen. */
export function toast(message) {
  const region = document.getElementById("toast");
  if (!region) return;
  region.textContent = message;
  region.classList.add("toast-visible");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => region.classList.remove("toast-visible"), 4000);
}

export function alertBox(message, kind = "error") {
  return h("div", { class: `alert alert-${kind}`, role: kind === "error" ? "alert" : "status" }, message);
}

export function emptyState(title, text, ...actions) {
  return h("div", { class: "empty-state" }, h("h2", null, title), text ? h("p", null, text) : null,
    actions.length ? h("div", { class: "empty-actions" }, actions) : null);
}

/** Why a role sees no write buttons on a page: "Read only: …", said rather than left to guess. */
export function readOnlyNote(text) {
  return h("p", { class: "read-only-note", role: "note", "data-read-only": "" }, h("strong", null, "Read only. "), text);
}

/** The line above a list: what it holds, and the page's main action (if the role has one). */
export function toolbar(text, action) {
  return h("div", { class: "toolbar" }, h("p", { class: "muted toolbar-text" }, text), action);
}

export function button(label, onclick, { kind = "secondary", ...rest } = {}) {
  return h("button", { type: "button", class: `button button-${kind}`, onclick, ...rest }, label);
}

/** A modal dialog; resolves when closed. `render(close)` returns the dialog's content. */
export function openDialog({ title, render, wide = false }) {
  const titleId = uid("dialog-title");
  const dialog = h("dialog", { class: wide ? "dialog dialog-wide" : "dialog", "aria-labelledby": titleId });
  const close = () => dialog.close();
  const body = h("div", { class: "dialog-body" });
  dialog.append(
    h("div", { class: "dialog-header" },
      h("h2", { id: titleId }, title),
      h("button", { type: "button", class: "icon-button", "aria-label": "Close", onclick: close }, "×")),
    body,
  );
  replace(body, render(close, body));
  document.body.append(dialog);
  const opener = document.activeElement;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener instanceof HTMLElement) opener.focus();
      resolve(dialog.returnValue);
    });
    dialog.showModal();
    const first = body.querySelector("input, select, textarea, button");
    if (first) first.focus();
  });
}

/**
 * A dialog holding a form. `fields` is a list of nodes; `submit(formData)` may throw an
 * ApiError, shown in the dialog, or return a node to replace the form (e.g. a one-time link).
 */
export function formDialog({ title, fields, submitLabel, submit, wide = false }) {
  return openDialog({
    title,
    wide,
    render(close, body) {
      const error = h("div", { class: "dialog-error" });
      const submitButton = h("button", { type: "submit", class: "button button-primary" }, submitLabel);
      const form = h("form", { class: "stack", novalidate: true }, error, fields,
        h("div", { class: "dialog-actions" },
          h("button", { type: "button", class: "button button-secondary", onclick: close }, "Cancel"),
          submitButton));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (!form.reportValidity()) return;
        submitButton.disabled = true;
        replace(error);
        try {
          const result = await submit(new FormData(form));
          if (result instanceof Node) replace(body, result);
          else close();
        } catch (err) {
          replace(error, alertBox(err.message));
          submitButton.disabled = false;
          error.querySelector(".alert")?.focus?.();
        }
      });
      return form;
    },
  });
}

/** Ask before something irreversible; resolves true when confirmed. */
export function confirmDialog({ title, text, confirmLabel, danger = true }) {
  return new Promise((resolve) => {
    let confirmed = false;
    openDialog({
      title,
      render(close) {
        return h("div", { class: "stack" }, h("p", null, text),
          h("div", { class: "dialog-actions" },
            h("button", { type: "button", class: "button button-secondary", onclick: close }, "Cancel"),
            h("button", {
              type: "button",
              class: danger ? "button button-danger" : "button button-primary",
              onclick: () => { confirmed = true; close(); },
            }, confirmLabel)));
      },
    }).then(() => resolve(confirmed));
  });
}

/** A labelled form field. `control` is an <input>, <select> or <textarea> with an id. */
export function field(label, control, hint) {
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control,
    hint ? h("p", { class: "hint", id: hintId }, hint) : null);
}

/** Copy text to the clipboard; works on plain-http intranet hosts too. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = h("textarea", { class: "visually-hidden", readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

export function copyButton(getText, label = "Copy") {
  const btn = h("button", { type: "button", class: "button button-secondary button-small" }, label);
  btn.addEventListener("click", async () => {
    const ok = await copyText(getText());
    btn.textContent = ok ? "Copied" : "Copy failed";
    toast(ok ? "Copied to the clipboard." : "Couldn't copy; select the text and copy it yourself.");
    setTimeout(() => { btn.textContent = label; }, 2000);
  });
  return btn;
}

/** A table whose caption only screen readers see; a `null` heading is left out, "" names an actions column. */
export function dataTable(caption, headings, rows, className = "table") {
  return h("table", { class: className },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", null, h("tr", null, headings.filter((t) => t !== null).map((t) =>
      h("th", { scope: "col" }, t || h("span", { class: "visually-hidden" }, "Actions"))))),
    h("tbody", null, rows));
}

/** Ask before `run()`, then say how it went; resolves true when it was asked to run. */
export async function confirmThen({ title, text, confirmLabel, run, done, failed }) {
  if (!(await confirmDialog({ title, text, confirmLabel }))) return false;
  try {
    await run();
    toast(done);
  } catch (err) {
    toast(`${failed}: ${err.message}`);
  }
  return true;
}
