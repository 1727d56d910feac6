// Transparency-log checks with WebCrypto and no DOM: C2SP signed notes (Ed25519), C2SP
// checkpoints, and RFC 9162 leaf hashes and inclusion proofs. Every failure is a VerifyError
// whose message says what did not hold.

const SIGNATURE_LINE = /^\u2014 ([^\s+]+) (\S+)$/; // "— <key name> base64(key id ‖ signature)"
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/; // C2SP signed-note: none but the newline
const MAX_SIGNATURES = 100; // as Go's sumdb/note
const ED25519 = 0x01;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class VerifyError extends Error {}

/** The bytes of standard base64 `text` (padded); VerifyError naming `what` if it is not. */
export function fromBase64(text, what = "a value") {
  if (typeof text !== "string" || !BASE64.test(text)) throw new VerifyError(`${what} is not base64`);
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
};

export const equalBytes = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** RFC 9162 2.1.1: a leaf's hash is SHA-256(0x00 ‖ leaf bytes). */
export const leafHash = (leaf) => sha256(concat(Uint8Array.of(0x00), leaf));

/** RFC 9162 2.1.1: an interior node's hash is SHA-256(0x01 ‖ left ‖ right). */
export const nodeHash = (left, right) => sha256(concat(Uint8Array.of(0x01), left, right));

/** The signed-note key id: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key). */
export async function keyId(name, publicKey) {
  const prefix = new TextEncoder().encode(`${name}\n`);
  return (await sha256(concat(prefix, Uint8Array.of(ED25519), publicKey))).slice(0, 4);
}

const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

/** A verifier key string `<name>+<key id hex>+<base64(0x01 ‖ key)>` as `{name, id, publicKey}`. */
export async function parseVerifierKey(text) {
  // Split at the first two "+" only, as Go's sumdb/note does: base64 may hold "+" too.
  const match = String(text).trim().match(/^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/);
  if (!match) throw new VerifyError("a published key is not <name>+<key id>+<base64 key>");
  const [, name, hint, encoded] = match;
  const data = fromBase64(encoded, `the key of ${name}`);
  if (data.length !== 33 || data[0] !== ED25519) throw new VerifyError(`the key of ${name} is not an Ed25519 key`);
  const publicKey = data.slice(1);
  const id = await keyId(name, publicKey);
  if (hex(id) !== hint) throw new VerifyError(`the key id of ${name} does not match its name and key`);
  return { name, id, publicKey };
}

/**
 * A note's text and signatures, unverified: text lines, a blank line, `— name base64` lines.
 * Read as Go's sumdb/note reads them (tested against it): a signature of another key may be of
 * any algorithm and length, but every line must be well formed.
 */
export function splitNote(note) {
  const cut = typeof note === "string" ? note.lastIndexOf("\n\n") : -1;
  if (cut < 0 || !note.endsWith("\n")) throw new VerifyError("the checkpoint is not a signed note");
  if (CONTROL.test(note)) throw new VerifyError("the checkpoint holds a control character");
  const text = note.slice(0, cut + 1);
  const lines = note.slice(cut + 2, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw new VerifyError("the checkpoint has too many signatures");
  const signatures = lines.map((line) => {
    const match = line.match(SIGNATURE_LINE);
    if (!match) throw new VerifyError("a signature line of the checkpoint is malformed");
    const data = fromBase64(match[2], "a signature");
    if (data.length < 5) throw new VerifyError(`the signature of ${match[1]} is too short`);
    return { name: match[1], id: data.slice(0, 4), signature: data.slice(4) };
  });
  return { text, signatures };
}

/**
 * The text of `note` and the key (of `keys`, as parseVerifierKey gives them) whose signature
 * verifies over it; VerifyError if none of the keys signed it or a matching signature is bad.
 */
export async function openNote(note, keys) {
  const { text, signatures } = splitNote(note);
  const message = new TextEncoder().encode(text);
  const unchecked = [...keys];
  let signer = null;
  for (const sig of signatures) {
    // Every signature of a published key must verify (a key's repeated signature is ignored).
    const at = unchecked.findIndex((k) => k.name === sig.name && equalBytes(k.id, sig.id));
    if (at < 0) continue;
    const [key] = unchecked.splice(at, 1);
    const publicKey = await crypto.subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
    const good = sig.signature.length === 64
      && (await crypto.subtle.verify({ name: "Ed25519" }, publicKey, sig.signature, message));
    if (!good) throw new VerifyError(`the checkpoint's signature by ${key.name} does not verify`);
    signer ??= key;
  }
  if (signer) return { text, key: signer };
  const names = signatures.map((s) => s.name).join(", ") || "nobody";
  throw new VerifyError(`the checkpoint is signed by ${names}, not by a published key`);
}

/** A checkpoint's text (origin, size, base64 root, extension lines) as `{origin, size, root}`. */
export function parseCheckpoint(text) {
  const lines = text.split("\n");
  const [origin, size, root] = lines;
  if (!origin || root === undefined) throw new VerifyError("the checkpoint lacks its origin, size or root lines");
  if (lines.pop() !== "" || lines.includes("")) throw new VerifyError("the checkpoint has an empty line");
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) {
    throw new VerifyError("the checkpoint's tree size is not a decimal number");
  }
  const digest = fromBase64(root, "the checkpoint's root hash");
  if (digest.length !== 32) throw new VerifyError("the checkpoint's root hash is not 32 bytes");
  return { origin, size: Number(size), root: digest };
}

/**
 * RFC 9162 2.1.3.2: the root that `path` (leaf side first) leads to from the leaf hash at
 * `index` in a tree of `size` leaves; VerifyError if the path has the wrong length.
 */
export async function rootFromInclusion(index, size, hash, path) {
  if (!(index >= 0 && index < size)) throw new VerifyError(`leaf ${index} is outside a tree of ${size}`);
  let fn = index;
  let sn = size - 1;
  let r = hash;
  const half = (n) => Math.floor(n / 2);
  for (const p of path) {
    if (sn === 0) throw new VerifyError("the inclusion path is longer than the tree is deep");
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new VerifyError("the inclusion path is shorter than the tree is deep");
  return r;
}
