// What an Owner does to a stream once it exists: edit, pause or resume, send a test event (and
// see what the receiver answered), rotate a webhook's secret (shown once), delete. Each reloads
// the list once the server has answered.

import { api } from "../../api.js";
import { ctx } from "../../context.js";
import { h, replace } from "../../dom.js";
import { confirmDialog, confirmThen, openDialog, toast } from "../../ui.js";
import { streamDialog } from "./form.js";
import { secretPanel } from "./secret.js";

const path = (stream, rest = "") => ctx.tenantApi(`/audit-log/streams/${stream.id}${rest}`);

/** "Delivered: the receiver answered 200 OK" or why not, in the card's result line. */
function testOutcome(result) {
  const answer = result.answer || (result.status ? `status ${result.status}` : "no answer");
  return result.delivered
    ? h("span", { class: "stream-test-ok" }, h("span", { "aria-hidden": "true" }, "✓ "), `Test event delivered. The receiver answered: ${answer}`)
    : h("span", { class: "stream-test-failed" }, h("span", { "aria-hidden": "true" }, "✕ "), `Test event not delivered. The receiver answered: ${answer}`);
}

export function ownerActions(actionTypes, reload) {
  return {
    create: () => streamDialog(null, actionTypes, reload),
    edit: (stream) => streamDialog(stream, actionTypes, reload),

    async pauseOrResume(stream, control) {
      const resume = stream.health.status === "paused" || stream.health.status === "failing";
      control.disabled = true;
      try {
        await api("POST", path(stream, resume ? "/resume" : "/pause"));
        toast(`${stream.name} ${resume ? "resumed" : "paused"}.`);
      } catch (err) {
        toast(`Couldn't ${resume ? "resume" : "pause"} ${stream.name}: ${err.message}`);
      }
      await reload();
    },

    async test(stream, control, line) {
      control.disabled = true;
      replace(line, "Sending a test event…");
      try {
        replace(line, testOutcome(await api("POST", path(stream, "/test"))));
      } catch (err) {
        replace(line, h("span", { class: "stream-test-failed" }, `Couldn't send a test event: ${err.message}`));
      } finally {
        control.disabled = false;
      }
    },

    async rotate(stream) {
      const sure = await confirmDialog({
        title: "Rotate the signing secret?",
        text: `“${stream.name}” gets a new secret, shown once; from then on requests are signed with it only, so update your receiver.`,
        confirmLabel: "Rotate secret",
      });
      if (!sure) return;
      let rotated;
      try {
        rotated = await api("PATCH", path(stream), { rotate_secret: true });
      } catch (err) {
        toast(`Couldn't rotate the secret: ${err.message}`);
        return;
      }
      // The list is redrawn first, so nothing changes under the person once they close the secret.
      await reload();
      await openDialog({ title: "New signing secret", wide: true, render: () => secretPanel(rotated, "rotated") });
    },

    async remove(stream) {
      const asked = await confirmThen({
        title: "Delete stream?",
        text: `Delete “${stream.name}”? Delivery stops at once; the audit log itself keeps every entry.`,
        confirmLabel: "Delete stream",
        run: () => api("DELETE", path(stream)),
        done: `${stream.name} deleted.`,
        failed: "Couldn't delete",
      });
      if (asked) await reload();
    },
  };
}
