// Checks one entry's proof (GET …/audit-log/{id}/proof) against the entry shown and the
// published keys: the checkpoint's signature and origin, the leaf's content, and its inclusion
// in the signed tree. No DOM: resolves to what was checked, or rejects with a VerifyError.

import { VerifyError, equalBytes, fromBase64, leafHash, openNote, parseCheckpoint, rootFromInclusion } from "../../tlog.js";

/** Do two parsed JSON values hold the same data (object keys in any order)? */
export function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
}

/** The top-level fields in which `leaf` and `entry` differ, sorted. */
function differences(leaf, entry) {
  const fields = new Set([...Object.keys(leaf), ...Object.keys(entry)]);
  return [...fields].filter((field) => !sameJson(leaf[field], entry[field])).sort();
}

function decodeLeaf(bytes) {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new VerifyError("the leaf is not UTF-8 JSON");
  }
}

/**
 * Verify `proof` for `entry` (as GET …/audit-log/{id} returned it) of tenant `tenantId`, with
 * `keys` (parseVerifierKey's). Resolves to `{ keyName, treeSize, seq, origin }`.
 */
export async function verifyProof({ entry, proof, keys, tenantId }) {
  if (proof.entry_id !== entry.id) throw new VerifyError("the proof is for another entry");
  const { text, key } = await openNote(proof.checkpoint, keys);
  const checkpoint = parseCheckpoint(text);
  const suffix = `/tenants/${tenantId}/audit-log`;
  if (!checkpoint.origin.endsWith(suffix)) {
    throw new VerifyError(`the checkpoint names another log (${checkpoint.origin})`);
  }
  if (checkpoint.size !== proof.tree_size) {
    throw new VerifyError(`the checkpoint's tree size (${checkpoint.size}) is not the proof's (${proof.tree_size})`);
  }
  const leafBytes = fromBase64(proof.leaf, "the leaf");
  const leaf = decodeLeaf(leafBytes);
  if (leaf === null || typeof leaf !== "object" || Array.isArray(leaf)) throw new VerifyError("the leaf is not an entry");
  if (leaf.id !== entry.id || leaf.seq !== entry.seq || proof.seq !== entry.seq) {
    throw new VerifyError(`the leaf at seq ${proof.seq} is not this entry (seq ${entry.seq})`);
  }
  const changed = differences(leaf, entry);
  if (changed.length) throw new VerifyError(`the entry differs from its signed leaf in: ${changed.join(", ")}`);
  if (!Array.isArray(proof.inclusion_path)) throw new VerifyError("the proof has no inclusion path");
  const path = proof.inclusion_path.map((node) => {
    const hash = fromBase64(node, "a hash of the inclusion path");
    if (hash.length !== 32) throw new VerifyError("a hash of the inclusion path is not 32 bytes");
    return hash;
  });
  const root = await rootFromInclusion(entry.seq, checkpoint.size, await leafHash(leafBytes), path);
  if (!equalBytes(root, checkpoint.root)) {
    throw new VerifyError(`this entry's content is not what the signed tree of ${checkpoint.size} entries holds at seq ${entry.seq}`);
  }
  return { keyName: key.name, treeSize: checkpoint.size, seq: entry.seq, origin: checkpoint.origin };
}
