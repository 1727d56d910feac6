// A webhook's signing secret, shown the one time the server hands it out (after creating the
// stream or rotating its secret), with a copy button and a plain warning that it won't be shown again.

import { h } from "../../dom.js";
import { alertBox, copyButton } from "../../ui.js";

/** The panel that replaces the dialog's form; `how` is "created" or "rotated". */
export function secretPanel(stream, how) {
  const secret = stream.secret;
  // A textarea, so a narrow screen shows the whole secret on two lines instead of cutting it.
  const input = h("textarea", { id: "stream-secret", class: "mono secret-value", readonly: true, rows: 1, spellcheck: "false", value: secret });
  input.addEventListener("focus", () => input.select());
  const done = (event) => event.target.closest("dialog").close();
  return h("div", { class: "stack secret-issued", "data-secret-panel": "" },
    alertBox(how === "created" ? `Stream “${stream.name}” created.` : `A new signing secret was issued for “${stream.name}”; the old one no longer signs.`, "success"),
    h("p", null, h("strong", null, "Copy this signing secret now: you will not see it again."),
      " Call Manager keeps it encrypted and never shows it after this dialog closes. Your receiver "
      + "uses it to verify each request's webhook-signature (Standard Webhooks)."),
    h("div", { class: "field" }, h("label", { for: "stream-secret" }, "Signing secret"),
      h("div", { class: "input-with-button" }, input, copyButton(() => secret, "Copy secret"))),
    h("div", { class: "dialog-actions" }, h("button", { type: "button", class: "button button-primary", onclick: done }, "Done")));
}
