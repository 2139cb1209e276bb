#!/usr/bin/env python3
"""Figures on the meaning of results in specs/ (issue 8), from the specs alone.

    python3 tools/result_types.py [SPECS_DIR]

- results read off the example only: specs with a `result_from_example`
  diagnostic, over all specs;
- result fields typed from the docs: every field below a result that the
  docs describe (a table, a fields page, a data-types entry; that is, not in
  a spec whose result came from the example), and the share of them whose
  type is concrete (not `any`, not a reference kept for an unknown name);
- fields linked to a documented entity, and key patterns.
"""
import json
import os
import sys

specs_dir = sys.argv[1] if len(sys.argv) > 1 else "specs"


def concrete(t):
    if t == "any":
        return False
    if isinstance(t, dict) and "union" in t:
        return any(concrete(x) for x in t["union"] if x != "null")
    # Scalars, `object`, lists (a bare `array` is the docs' own word) and
    # references are what the docs state.
    return True


total = from_example = 0
fields = typed = entity = patterns = 0
unknown = set()


def walk(f, described):
    global fields, typed, entity, patterns
    for sub in f.get("fields", []):
        if described:
            fields += 1
            if concrete(sub["type"]) and sub["name"] not in unknown:
                typed += 1
        if sub.get("entity"):
            entity += 1
        if sub.get("pattern"):
            patterns += 1
        walk(sub, described)


for root, _, files in os.walk(specs_dir):
    for name in files:
        if not name.endswith(".json") or root == specs_dir:
            continue
        spec = json.load(open(os.path.join(root, name)))
        if "method" not in spec:
            continue
        total += 1
        kinds = {d["kind"] for d in spec.get("diagnostics", [])}
        inferred = "result_from_example" in kinds
        from_example += inferred
        unknown = {d["at"].rsplit(".", 1)[-1] for d in spec.get("diagnostics", []) if d["kind"] in ("unknown_type", "missing_type")}
        if spec.get("result"):
            walk(spec["result"], not inferred)

print(f"specs: {total}")
print(f"results read off the example only: {from_example} ({100 * from_example / max(1, total):.1f}%)")
print(f"result fields the docs describe: {fields}; with a concrete documented type: {typed} ({100 * typed / max(1, fields):.1f}%)")
print(f"fields holding a documented entity: {entity}; key-pattern fields: {patterns}")
