#!/usr/bin/env python3
"""Seed the fuzz corpora from the conformance cases.

Reads tests/cases/*.json and, when present, ../shared/conformance/*.json, and writes one file
per distinct input into fuzz/corpus/parse_text/ (filter texts) and fuzz/corpus/validate_json/
(filter drafts, world filter records, JSON-form predicates, scopes). Inputs over 4 KiB are left
out: libFuzzer's default -max_len is 4096 and larger seeds only slow it down. `decide` takes
structured input and needs no seeds. The corpus directories are git-ignored; run this before
the first `cargo fuzz run`.
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


def write(dirname, blobs):
    out = os.path.join(HERE, "corpus", dirname)
    os.makedirs(out, exist_ok=True)
    n = 0
    for b in blobs:
        if len(b) > MAX:
            continue
        name = hashlib.sha1(b).hexdigest()
        p = os.path.join(out, name)
        if not os.path.exists(p):
            with open(p, "wb") as fh:
                fh.write(b)
            n += 1
    return n


def main():
    texts, docs = collect()
    a = write("parse_text", (t.encode("utf-8") for t in texts))
    b = write("validate_json", (json.dumps(d, ensure_ascii=False).encode("utf-8") for d in docs))
    print(f"parse_text: {a} new seeds; validate_json: {b} new seeds (from {len(case_files())} case files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
