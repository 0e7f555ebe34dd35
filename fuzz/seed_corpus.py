#!/usr/bin/env python3
"""Seed the fuzz corpora from the conformance cases.

Reads tests/cases/*.json and, when present, ../shared/conformance/*.json, and writes one file
per distinct input into fuzz/corpus/parse_text/ (filter texts) and fuzz/corpus/validate_json/
(filter drafts, world filter records, JSON-form predicates, scopes). Inputs over 4 KiB are left
out: libFuzzer's default -max_len is 4096 and larger seeds only slow it down. `decide` takes
structured input and needs no seeds. The corpus directories are git-ignored; run this before
the first `cargo fuzz run`.

With --bounds it also writes fuzz/corpus/parse_text_bounds/ and fuzz/corpus/validate_json_bounds/:
inputs at the hard bounds (64 KiB of text, 32 levels of nesting, 1,000 list values, 1,024
characters, 20,000 JSON nodes), for a run with -max_len=70000.
"""
import glob
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MAX = 4096


def case_files():
    files = sorted(glob.glob(os.path.join(ROOT, "tests", "cases", "*.json")))
    files += sorted(glob.glob(os.path.join(ROOT, "..", "shared", "conformance", "*.json")))
    return files


def collect():
    texts, docs = [], []

    def filter_doc(f):
        if not isinstance(f, dict):
            return
        docs.append(f)
        if isinstance(f.get("predicate_text"), str):
            texts.append(f["predicate_text"])
        if "predicate" in f:
            docs.append(f["predicate"])

    for path in case_files():
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        for world in data.get("worlds", {}).values():
            for f in world.get("filters", []):
                filter_doc(f)
        for case in data.get("cases", []):
            if isinstance(case.get("text"), str):
                texts.append(case["text"])
            if isinstance(case.get("predicate_text"), str):
                texts.append(case["predicate_text"])
                docs.append({"entity_type": case.get("entity_type", "detail"), "name": case.get("name", "n"), "predicate_text": case["predicate_text"]})
            filter_doc(case.get("filter"))
            expect = case.get("expect")
            if isinstance(expect, dict) and isinstance(expect.get("predicate"), (dict, list)):
                docs.append(expect["predicate"])
    docs.append({"all": True})
    docs.append({"all": False, "any": [{"attr": "type", "op": "eq", "value": "steel"}, {"attr": "tags", "op": "eq_set", "value": []}]})
    docs.append({"entity_type": "widget", "name": "w", "predicate_text": "weight gte 1.5 AND NOT label in [\"a\", \"b\"]"})
    docs.append({"entity_type": "widget", "name": "w", "predicate": {"or": [{"attr": "weight", "op": "nin", "value": [1, 2.5, -3e2]}, {"attr": "on", "op": "eq", "value": True}]}})
    return texts, docs


def write(dirname, blobs, limit=MAX):
    out = os.path.join(HERE, "corpus", dirname)
    os.makedirs(out, exist_ok=True)
    n = 0
    for b in blobs:
        if len(b) > limit:
            continue
        name = hashlib.sha1(b).hexdigest()
        p = os.path.join(out, name)
        if not os.path.exists(p):
            with open(p, "wb") as fh:
                fh.write(b)
            n += 1
    return n


def bounds():
    cond = "a eq 1"
    texts = [
        "a eq [" + ",".join(["1"] * ((65536 - 7) // 2)) + "]",
        "a eq [" + ",".join(["1"] * ((65536 - 7 + 2) // 3)) + "]",
        "(" * 32 + cond + ")" * 32,
        "(" * 33 + cond + ")" * 33,
        (cond + " AND (") * 32 + cond + ")" * 32,
        "NOT " * 32 + cond,
        "NOT " * 33 + cond,
        'name eq "' + "x" * 1024 + '"',
        'name eq "' + "x" * 1025 + '"',
        "name in [" + ",".join(['"a"'] * 1000) + "]",
        "name in [" + ",".join(['"a"'] * 1001) + "]",
        'name eq "' + "\\u00e9" * 10900 + '"',
        " OR ".join([cond] * 6500),
        " OR ".join(["(" + " AND ".join(["tags intersects [" + ",".join(['"t"'] * 100) + "]"] * 10) + ")"] * 10),
        " " * 65530 + cond,
    ]
    c = {"attr": "name", "op": "eq", "value": "a"}
    nest = c
    for _ in range(33):
        nest = {"not": nest}
    docs = [
        nest,
        {"or": [{}] * 20001},
        {"or": [{"not": {}}] * 6000},
        {"attr": "name", "op": "in", "value": ["a"] * 1001},
        {"or": [{"attr": "tags", "op": "intersects", "value": ["t"] * 1000}] * 10},
        {"entity_type": "family", "name": "x" * 256, "description": "d" * 501, "predicate": c},
        {"entity_type": "tag", "name": "n", "predicate_text": 'name eq "' + "x" * 1025 + '"'},
    ]
    a = write("parse_text_bounds", (t.encode("utf-8") for t in texts), limit=70000)
    b = write("validate_json_bounds", (json.dumps(d, separators=(",", ":")).encode("utf-8") for d in docs), limit=70000)
    print(f"parse_text_bounds: {a} seeds; validate_json_bounds: {b} seeds")


def main():
    if "--bounds" in sys.argv[1:]:
        bounds()
    texts, docs = collect()
    a = write("parse_text", (t.encode("utf-8") for t in texts))
    b = write("validate_json", (json.dumps(d, ensure_ascii=False).encode("utf-8") for d in docs))
    print(f"parse_text: {a} new seeds; validate_json: {b} new seeds (from {len(case_files())} case files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
