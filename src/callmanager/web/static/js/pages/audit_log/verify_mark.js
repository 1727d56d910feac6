// The Verified mark of an expanded entry: fetches the published keys (once) and the entry's
// proof, checks them in this browser (proof.js), and shows Verified, Verification failed with
// the reason, or Pending until a checkpoint covers the entry (checking again by itself).

import { ApiError, api } from "../../api.js";
import { ctx } from "../../context.js";
import { h, replace } from "../../dom.js";
import { VerifyError, parseVerifierKey } from "../../tlog.js";
import { button } from "../../ui.js";
import { verifyProof } from "./proof.js";

const MAX_AUTO_WAIT_S = 60;
let published = null;

/** The published verifier keys, fetched once per page (again after a failure). */
function publishedKeys() {
  published ??= api("GET", "/audit-log/keys")
    .then(({ keys }) => Promise.all(keys.map((key) => parseVerifierKey(key.verifier_key))))
    .catch((err) => {
      published = null;
      throw err;
    });
  return published;
}

const sentence = (text) => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
const state = (kind, label, ...rest) =>
  [h("span", { class: `badge verify-badge badge-${kind}` }, label), ...rest];

function verified({ keyName, treeSize, seq }) {
  const checks = `Signed by ${keyName} · leaf ${seq} of a tree of ${treeSize}`;
  const title = `Checked in this browser: the checkpoint's Ed25519 signature by the published key ${keyName}, `
    + `this entry equals its leaf, and the leaf's SHA-256 inclusion path leads to the signed root of ${treeSize} entries.`;
  return [h("span", { class: "badge verify-badge badge-success", title }, "Verified"),
    h("span", { class: "verify-note muted" }, checks)];
}

/** A mark for `entry` (as GET …/audit-log/{id} returned it) that checks itself once shown. */
export function verificationMark(entry) {
  const mark = h("span", { class: "verify-mark", "data-verify": "checking", "aria-live": "polite" });
  let timer = 0;
  const show = (kind, children) => {
    mark.dataset.verify = kind;
    replace(mark, ...children);
  };
  const again = () => button("Check again", check, { class: "button button-secondary button-small" });

  async function check() {
    clearTimeout(timer);
    show("checking", state("neutral", "Verifying…"));
    try {
      const [keys, proof] = await Promise.all([publishedKeys(), api("GET", ctx.tenantApi(`/audit-log/${entry.id}/proof`))]);
      show("verified", verified(await verifyProof({ entry, proof, keys, tenantId: ctx.tenantId })));
    } catch (err) {
      if (err instanceof VerifyError) {
        show("failed", state("danger", "Verification failed", h("span", { class: "verify-reason" }, sentence(err.message))));
      } else if (err instanceof ApiError && err.status === 409) {
        const wait = err.retryAfter ?? 10;
        show("pending", state("warning", `Pending (next checkpoint within ${wait} s)`, again()));
        if (wait <= MAX_AUTO_WAIT_S) timer = setTimeout(() => mark.isConnected && check(), wait * 1000);
      } else {
        show("error", state("neutral", "Not checked", h("span", { class: "verify-reason muted" }, ` ${err.message}`), again()));
      }
    }
  }

  check();
  return mark;
}
