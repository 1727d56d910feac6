// Where a call flow sends calls when open, closed and on holidays: the editor's section, the
// one-line label of a target, and the target as the API takes it.

import { h, replace } from "../../dom.js";

export const WHEN = [["open", "When open"], ["closed", "When closed"], ["holiday", "On holidays"]];
const TARGET_KINDS = [["group", "Group"], ["user", "Portal user"], ["voicemail", "Voicemail"], ["phone_number", "Phone number"]];

/** "Group Sales", "User ann@…", "Voicemail" or the number; `ref` holds the groups and users. */
export function targetLabel(target, ref) {
  switch (target.kind) {
    case "group": return `Group ${(ref.groups.find((g) => g.id === target.group_id) || { name: "(deleted)" }).name}`;
    case "user": return `User ${(ref.users.find((u) => u.id === target.user_id) || { email: "(removed)" }).email}`;
    case "voicemail": return "Voicemail";
    default: return target.phone_number;
  }
}

/** Only the fields of the target's kind, a phone number without spaces or brackets. */
export function cleanTarget(target) {
  switch (target.kind) {
    case "group": return { kind: "group", group_id: target.group_id };
    case "user": return { kind: "user", user_id: target.user_id };
    case "voicemail": return { kind: "voicemail", greeting: target.greeting || "" };
    default: return { kind: "phone_number", phone_number: (target.phone_number || "").replace(/[\s()-]/g, "") };
  }
}

/** A picker of the tenant's groups or portal users for a target of that kind. */
function picker(target, text, ref) {
  const group = target.kind === "group";
  const [list, key] = group ? [ref.groups, "group_id"] : [ref.users, "user_id"];
  if (!target[key] && list.length) target[key] = list[0].id;
  const options = list.map((item) =>
    h("option", { value: item.id, selected: item.id === target[key] }, group ? item.name : `${item.name} (${item.email})`));
  const sel = h("select", { "aria-label": `${text}: target` },
    group && !list.length ? h("option", { value: "" }, "No groups yet") : options);
  sel.addEventListener("change", () => { target[key] = sel.value; });
  return sel;
}

/** A voicemail greeting or a phone number, for a target of that kind. */
function textInput(target, text) {
  const voicemail = target.kind === "voicemail";
  const key = voicemail ? "greeting" : "phone_number";
  const input = h("input", voicemail
    ? { "aria-label": `${text}: voicemail greeting`, placeholder: "Greeting (optional)", maxlength: 500, value: target.greeting || "" }
    : { type: "tel", "aria-label": `${text}: phone number`, placeholder: "+442079460000", value: target.phone_number || "" });
  input.addEventListener("input", () => { target[key] = input.value; });
  return input;
}

/** The editor's routing, edited in place in `draft.routing`. */
export function routingSection(draft, ref) {
  const rows = WHEN.map(([when, text]) => {
    const kindId = `cf-route-${when}`;
    const kind = h("select", { id: kindId }, TARGET_KINDS.map(([v, t]) => h("option", { value: v, selected: draft.routing[when].kind === v }, t)));
    const slot = h("div", { class: "route-target" });
    const drawTarget = () => {
      const target = draft.routing[when];
      replace(slot, target.kind === "group" || target.kind === "user" ? picker(target, text, ref) : textInput(target, text));
    };
    kind.addEventListener("change", () => { draft.routing[when] = { kind: kind.value }; drawTarget(); });
    drawTarget();
    return h("div", { class: "route-row" }, h("label", { for: kindId }, text), kind, slot);
  });
  return h("fieldset", { class: "editor-section" }, h("legend", null, "Routing"), h("div", { class: "routes" }, rows));
}
