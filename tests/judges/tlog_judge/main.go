// Command tlog_judge is test tooling, not product: an outside judge of the audit log's formats.
//
// It verifies what Call Manager serves with Go's reference implementations of signed notes and
// transparency-log proofs, golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog (the code
// behind the Go checksum database, whose proofs are RFC 6962 compatible):
//
//   - a checkpoint's signature: note.Open with note.NewVerifier built from the published
//     verifier key string as is (-key, or -keys with the body of GET /api/v1/audit-log/keys);
//   - a leaf's hash: tlog.RecordHash of the base64-decoded leaf bytes;
//   - inclusion: tlog.CheckRecord of the served inclusion_path against the checkpoint's root;
//   - consistency: tlog.CheckTree of the served proof between two signed checkpoints;
//   - a whole tree: the root of the served leaves, computed with tlog.StoredHashes/tlog.TreeHash.
//
// tlog.ParseTree reads only the Go checksum database's own origin line, so the body of a C2SP
// tlog-checkpoint (origin, decimal size, base64 root hash, optional extension lines) is parsed
// here; the root is parsed with tlog.ParseHash. Not judged here: what the leaf bytes say (that
// they are the entry's canonical JSON, that an export line's fields equal its leaf) and the
// meaning of extension lines — those are Call Manager's own formats, not the library's.
//
// Usage:
//
//	tlog_judge checkpoint  KEYS [-origin O] NOTE_FILE...
//	tlog_judge proof       KEYS [-origin O] PROOF_JSON_FILE...
//	tlog_judge consistency KEYS [-origin O] -checkpoints FILE [-checkpoints FILE...] CONSISTENCY_JSON_FILE...
//	tlog_judge leaves      KEYS [-origin O] -checkpoint NOTE_FILE LEAVES_JSONL_FILE
//	tlog_judge export      KEYS [-origin O] EXPORT_JSONL_FILE
//
// Flags come before the files. KEYS is -key VERIFIER_KEY and/or -keys KEYS_JSON_FILE (both
// repeatable). A file named "-" is stdin.
// A JSON file may hold several documents one after another (each proof, each consistency answer,
// each page of GET .../audit-log/checkpoints); a -checkpoints file is either such pages or one
// signed note. Prints one "ok ..." line per verified item; on any failure prints
// "tlog_judge: FAIL ..." lines to stderr and exits 1 (2 for bad usage or unreadable input).
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// judge holds the trusted keys and counts the failures.
type judge struct {
	verifiers note.Verifiers
	origin    string
	failures  int
}

func (j *judge) fail(format string, args ...any) {
	j.failures++
	fmt.Fprintf(os.Stderr, "tlog_judge: FAIL "+format+"\n", args...)
}

func ok(format string, args ...any) {
	fmt.Printf("ok "+format+"\n", args...)
}

func usage(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "tlog_judge: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage("usage: tlog_judge checkpoint|proof|consistency|leaves|export [flags] FILE...")
	}
	command := os.Args[1]
	flags := flag.NewFlagSet(command, flag.ExitOnError)
	var keys, keyFiles, checkpointFiles listFlag
	flags.Var(&keys, "key", "a trusted verifier key string (repeatable)")
	flags.Var(&keyFiles, "keys", "a file holding the body of GET /api/v1/audit-log/keys (repeatable)")
	origin := flags.String("origin", "", "the origin every checkpoint must name")
	flags.Var(&checkpointFiles, "checkpoints", "consistency: signed checkpoints (pages of .../checkpoints, or a note)")
	checkpoint := flags.String("checkpoint", "", "leaves: the signed checkpoint the leaves must make")
	if err := flags.Parse(os.Args[2:]); err != nil {
		usage("%v", err)
	}
	j := &judge{origin: *origin}
	j.verifiers = loadVerifiers(keys, keyFiles)
	files := flags.Args()
	if len(files) == 0 {
		usage("%s: no input file", command)
	}
	switch command {
	case "checkpoint":
		for _, name := range files {
			if head, err := j.open(readFile(name)); err != nil {
				j.fail("checkpoint %s: %v", name, err)
			} else {
				ok("checkpoint %s: origin %q, size %d, root %s", name, head.origin, head.size, head.root)
			}
		}
	case "proof":
		for _, name := range files {
			eachJSON(name, func(n int, raw json.RawMessage) { j.proof(fmt.Sprintf("%s#%d", name, n), raw) })
		}
	case "consistency":
		heads := j.checkpoints(checkpointFiles)
		for _, name := range files {
			eachJSON(name, func(n int, raw json.RawMessage) {
				j.consistency(fmt.Sprintf("%s#%d", name, n), raw, heads)
			})
		}
	case "leaves":
		if *checkpoint == "" || len(files) != 1 {
			usage("leaves: -checkpoint NOTE_FILE and one LEAVES_JSONL_FILE")
		}
		j.leaves(*checkpoint, files[0])
	case "export":
		if len(files) != 1 {
			usage("export: one EXPORT_JSONL_FILE")
		}
		j.export(files[0])
	default:
		usage("unknown command %q", command)
	}
	if j.failures > 0 {
		fmt.Fprintf(os.Stderr, "tlog_judge: %d failure(s)\n", j.failures)
		os.Exit(1)
	}
}

// -- keys and signed checkpoints ----------------------------------------------------------------

func loadVerifiers(keys, keyFiles []string) note.Verifiers {
	for _, name := range keyFiles {
		var body struct {
			Keys []struct {
				VerifierKey string `json:"verifier_key"`
			} `json:"keys"`
		}
		if err := json.Unmarshal(readFile(name), &body); err != nil {
			usage("-keys %s: not the body of GET /api/v1/audit-log/keys: %v", name, err)
		}
		for _, key := range body.Keys {
			keys = append(keys, key.VerifierKey)
		}
	}
	if len(keys) == 0 {
		usage("no trusted key: give -key VERIFIER_KEY or -keys FILE")
	}
	var list []note.Verifier
	for _, key := range keys {
		verifier, err := note.NewVerifier(key)
		if err != nil {
			usage("verifier key %q: %v", key, err)
		}
		list = append(list, verifier)
	}
	return note.VerifierList(list...)
}

type treeHead struct {
	origin string
	size   int64
	root   tlog.Hash
}

// open checks a signed checkpoint's signature with note.Open and parses its C2SP body.
func (j *judge) open(signed []byte) (treeHead, error) {
	opened, err := note.Open(signed, j.verifiers)
	if err != nil {
		return treeHead{}, fmt.Errorf("note.Open: %w", err)
	}
	head, err := parseCheckpoint(opened.Text)
	if err != nil {
		return treeHead{}, err
	}
	if j.origin != "" && head.origin != j.origin {
		return treeHead{}, fmt.Errorf("origin %q, expected %q", head.origin, j.origin)
	}
	return head, nil
}

// parseCheckpoint reads a C2SP tlog-checkpoint body: origin, tree size, root hash, extensions.
func parseCheckpoint(text string) (treeHead, error) {
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return treeHead{}, errors.New("a checkpoint is origin, size and root hash lines")
	}
	for _, line := range lines[:len(lines)-1] {
		if line == "" {
			return treeHead{}, errors.New("a checkpoint has no empty line in its text")
		}
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || lines[1] != strconv.FormatInt(size, 10) {
		return treeHead{}, fmt.Errorf("tree size %q is not a decimal without leading zeros", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return treeHead{}, fmt.Errorf("root hash %q: %w", lines[2], err)
	}
	return treeHead{origin: lines[0], size: size, root: root}, nil
}

// checkpoints opens every signed checkpoint in the files, by tree size.
func (j *judge) checkpoints(files []string) map[int64]treeHead {
	heads := map[int64]treeHead{}
	add := func(where string, signed []byte) {
		head, err := j.open(signed)
		if err != nil {
			j.fail("checkpoint %s: %v", where, err)
			return
		}
		if known, seen := heads[head.size]; seen && known.root != head.root {
			j.fail("checkpoint %s: two signed roots for size %d", where, head.size)
		}
		heads[head.size] = head
	}
	for _, name := range files {
		data := readFile(name)
		if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
			add(name, data)
			continue
		}
		eachJSON(name, func(n int, raw json.RawMessage) {
			var page struct {
				Checkpoints []struct {
					Note string `json:"note"`
				} `json:"checkpoints"`
			}
			if err := json.Unmarshal(raw, &page); err != nil {
				usage("-checkpoints %s#%d: not a page of checkpoints: %v", name, n, err)
			}
			for i, item := range page.Checkpoints {
				add(fmt.Sprintf("%s#%d[%d]", name, n, i), []byte(item.Note))
			}
		})
	}
	return heads
}

// -- inclusion ----------------------------------------------------------------------------------

func (j *judge) proof(where string, raw json.RawMessage) {
	var proof struct {
		EntryID       string   `json:"entry_id"`
		Seq           *int64   `json:"seq"`
		Leaf          string   `json:"leaf"`
		TreeSize      *int64   `json:"tree_size"`
		InclusionPath []string `json:"inclusion_path"`
		Checkpoint    string   `json:"checkpoint"`
	}
	if err := json.Unmarshal(raw, &proof); err != nil {
		j.fail("proof %s: not a proof: %v", where, err)
		return
	}
	if proof.Seq == nil || proof.TreeSize == nil || proof.InclusionPath == nil {
		j.fail("proof %s: seq, tree_size and inclusion_path are required", where)
		return
	}
	head, err := j.open([]byte(proof.Checkpoint))
	if err != nil {
		j.fail("proof %s (entry %s): checkpoint: %v", where, proof.EntryID, err)
		return
	}
	if head.size != *proof.TreeSize {
		j.fail("proof %s: tree_size %d, its checkpoint's size %d", where, *proof.TreeSize, head.size)
		return
	}
	leaf, err := base64.StdEncoding.DecodeString(proof.Leaf)
	if err != nil {
		j.fail("proof %s: leaf is not base64: %v", where, err)
		return
	}
	if err := j.included(*proof.Seq, tlog.RecordHash(leaf), proof.InclusionPath, head); err != nil {
		j.fail("proof %s (entry %s, seq %d, size %d): %v", where, proof.EntryID, *proof.Seq, head.size, err)
		return
	}
	ok("proof %s: entry %s at seq %d is in the tree of size %d", where, proof.EntryID, *proof.Seq, head.size)
}

// included runs tlog.CheckRecord: the record hash at index seq is in the checkpoint's tree.
func (j *judge) included(seq int64, record tlog.Hash, path []string, head treeHead) error {
	proof, err := parseHashes(path)
	if err != nil {
		return fmt.Errorf("inclusion_path: %w", err)
	}
	if err := tlog.CheckRecord(proof, head.size, head.root, seq, record); err != nil {
		return fmt.Errorf("tlog.CheckRecord: %w", err)
	}
	return nil
}

func parseHashes(encoded []string) ([]tlog.Hash, error) {
	hashes := make([]tlog.Hash, len(encoded))
	for i, text := range encoded {
		hash, err := tlog.ParseHash(text)
		if err != nil {
			return nil, fmt.Errorf("hash %d (%q): %w", i, text, err)
		}
		hashes[i] = hash
	}
	return hashes, nil
}

// -- consistency --------------------------------------------------------------------------------

func (j *judge) consistency(where string, raw json.RawMessage, heads map[int64]treeHead) {
	var answer struct {
		From  *int64   `json:"from"`
		To    *int64   `json:"to"`
		Proof []string `json:"proof"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil || answer.From == nil || answer.To == nil || answer.Proof == nil {
		j.fail("consistency %s: not a consistency proof {from, to, proof}", where)
		return
	}
	older, found := heads[*answer.From]
	newer, foundNewer := heads[*answer.To]
	if !found || !foundNewer {
		j.fail("consistency %s: no signed checkpoint of size %d and %d among -checkpoints", where, *answer.From, *answer.To)
		return
	}
	if older.origin != newer.origin {
		j.fail("consistency %s: the checkpoints name two logs, %q and %q", where, older.origin, newer.origin)
		return
	}
	proof, err := parseHashes(answer.Proof)
	if err != nil {
		j.fail("consistency %s: proof: %v", where, err)
		return
	}
	if err := tlog.CheckTree(proof, newer.size, newer.root, older.size, older.root); err != nil {
		j.fail("consistency %s (%d -> %d): tlog.CheckTree: %v", where, older.size, newer.size, err)
		return
	}
	ok("consistency %s: the tree of size %d extends the one of size %d", where, newer.size, older.size)
}

// -- whole trees --------------------------------------------------------------------------------

// leaves recomputes the root of the checkpoint's tree from the served leaves (seq 0 up).
func (j *judge) leaves(checkpointFile, name string) {
	head, err := j.open(readFile(checkpointFile))
	if err != nil {
		j.fail("checkpoint %s: %v", checkpointFile, err)
		return
	}
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, index := range indexes {
			if index < 0 || index >= int64(len(stored)) {
				return nil, fmt.Errorf("no stored hash %d", index)
			}
			out[i] = stored[index]
		}
		return out, nil
	})
	var count int64
	eachLine(name, func(number int, line []byte) bool {
		if count == head.size {
			return false
		}
		var leaf struct {
			Seq  *int64  `json:"seq"`
			Leaf *string `json:"leaf"`
			Hash *string `json:"hash"`
		}
		if err := json.Unmarshal(line, &leaf); err != nil || leaf.Seq == nil {
			j.fail("leaves %s line %d: not a leaf {seq, leaf}", name, number)
			return false
		}
		if *leaf.Seq != count {
			j.fail("leaves %s line %d: seq %d where %d belongs", name, number, *leaf.Seq, count)
			return false
		}
		var record tlog.Hash
		switch {
		case leaf.Leaf != nil:
			data, err := base64.StdEncoding.DecodeString(*leaf.Leaf)
			if err != nil {
				j.fail("leaves %s line %d: leaf is not base64", name, number)
				return false
			}
			record = tlog.RecordHash(data)
		case leaf.Hash != nil: // a pruned place keeps its leaf hash
			if record, err = tlog.ParseHash(*leaf.Hash); err != nil {
				j.fail("leaves %s line %d: hash: %v", name, number, err)
				return false
			}
		default:
			j.fail("leaves %s line %d: neither leaf nor hash", name, number)
			return false
		}
		hashes, err := tlog.StoredHashesForRecordHash(count, record, reader)
		if err != nil {
			j.fail("leaves %s line %d: %v", name, number, err)
			return false
		}
		stored = append(stored, hashes...)
		count++
		return true
	})
	if j.failures > 0 {
		return
	}
	if count != head.size {
		j.fail("leaves %s: %d leaves for a tree of size %d", name, count, head.size)
		return
	}
	root, err := tlog.TreeHash(count, reader)
	if err != nil {
		j.fail("leaves %s: tlog.TreeHash: %v", name, err)
		return
	}
	if root != head.root {
		j.fail("leaves %s: the %d leaves make root %s, the checkpoint says %s", name, count, root, head.root)
		return
	}
	ok("leaves %s: %d leaves make the checkpoint's root %s", name, count, root)
}

// -- the verifiable export ----------------------------------------------------------------------

// export checks a JSON Lines export: its trailer's checkpoint, each covered line's inclusion
// (its leaf, or the hash of a pruned place), and for a range export that every seq is there.
func (j *judge) export(name string) {
	var lines [][]byte
	eachLine(name, func(_ int, line []byte) bool {
		lines = append(lines, append([]byte(nil), line...))
		return true
	})
	if len(lines) == 0 {
		j.fail("export %s: empty, no trailer", name)
		return
	}
	var trailer struct {
		Checkpoint *string `json:"checkpoint"`
		TreeSize   int64   `json:"tree_size"`
		Range      *struct {
			Start int64 `json:"start"`
			End   int64 `json:"end"`
		} `json:"range"`
	}
	last := lines[len(lines)-1]
	if err := json.Unmarshal(last, &trailer); err != nil || !bytes.Contains(last, []byte(`"checkpoint"`)) {
		j.fail("export %s: the last line is not the trailer {checkpoint, tree_size, range}", name)
		return
	}
	if trailer.Checkpoint == nil {
		j.fail("export %s: the trailer has no checkpoint: nothing to verify against", name)
		return
	}
	head, err := j.open([]byte(*trailer.Checkpoint))
	if err != nil {
		j.fail("export %s: trailer checkpoint: %v", name, err)
		return
	}
	if head.size != trailer.TreeSize {
		j.fail("export %s: the trailer says tree size %d, its checkpoint %d", name, trailer.TreeSize, head.size)
		return
	}
	seen := map[int64]bool{}
	proven, pending := 0, 0
	for i, raw := range lines[:len(lines)-1] {
		number := i + 1
		var line struct {
			ID            string   `json:"id"`
			EntryID       string   `json:"entry_id"`
			Seq           *int64   `json:"seq"`
			Leaf          *string  `json:"leaf"`
			Hash          *string  `json:"hash"`
			InclusionPath []string `json:"inclusion_path"`
		}
		if err := json.Unmarshal(raw, &line); err != nil {
			j.fail("export %s line %d: not a JSON object", name, number)
			continue
		}
		if line.Seq == nil || *line.Seq >= head.size {
			pending++ // pending, or appended after the checkpoint: nothing to prove
			continue
		}
		if seen[*line.Seq] {
			j.fail("export %s line %d: seq %d appears twice", name, number, *line.Seq)
		}
		seen[*line.Seq] = true
		var record tlog.Hash
		switch {
		case line.Leaf != nil:
			data, err := base64.StdEncoding.DecodeString(*line.Leaf)
			if err != nil {
				j.fail("export %s line %d: leaf is not base64", name, number)
				continue
			}
			record = tlog.RecordHash(data)
		case line.Hash != nil:
			if record, err = tlog.ParseHash(*line.Hash); err != nil {
				j.fail("export %s line %d: hash: %v", name, number, err)
				continue
			}
		default:
			j.fail("export %s line %d: seq %d has neither leaf nor hash", name, number, *line.Seq)
			continue
		}
		if line.InclusionPath == nil {
			j.fail("export %s line %d: seq %d is in the tree but has no inclusion_path", name, number, *line.Seq)
			continue
		}
		if err := j.included(*line.Seq, record, line.InclusionPath, head); err != nil {
			j.fail("export %s line %d (entry %s%s, seq %d): %v", name, number, line.ID, line.EntryID, *line.Seq, err)
			continue
		}
		proven++
	}
	if trailer.Range != nil {
		if trailer.Range.Start < 0 || trailer.Range.End > head.size || trailer.Range.Start > trailer.Range.End {
			j.fail("export %s: range [%d, %d) is not within the tree of size %d", name, trailer.Range.Start, trailer.Range.End, head.size)
		}
		for seq := trailer.Range.Start; seq < trailer.Range.End; seq++ {
			if !seen[seq] {
				j.fail("export %s: seq %d of the range [%d, %d) is missing", name, seq, trailer.Range.Start, trailer.Range.End)
			}
		}
	}
	ok("export %s: %d lines in the tree of size %d, %d not covered", name, proven, head.size, pending)
}

// -- input --------------------------------------------------------------------------------------

func readFile(name string) []byte {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		usage("%v", err)
	}
	return data
}

// eachJSON calls f with each JSON document in the file, in order (numbered from 1).
func eachJSON(name string, f func(int, json.RawMessage)) {
	decoder := json.NewDecoder(bytes.NewReader(readFile(name)))
	for n := 1; ; n++ {
		var raw json.RawMessage
		err := decoder.Decode(&raw)
		if err == io.EOF {
			return
		}
		if err != nil {
			usage("%s: document %d is not JSON: %v", name, n, err)
		}
		f(n, raw)
	}
}

// eachLine calls f with each non-blank line of the file until f returns false.
func eachLine(name string, f func(int, []byte) bool) {
	scanner := bufio.NewScanner(bytes.NewReader(readFile(name)))
	scanner.Buffer(make([]byte, 1<<20), 1<<30)
	for number := 1; scanner.Scan(); number++ {
		line := bytes.TrimSpace(scanner.Bytes())
		if len(line) == 0 {
			continue
		}
		if !f(number, line) {
			return
		}
	}
	if err := scanner.Err(); err != nil {
		usage("%s: %v", name, err)
	}
}
