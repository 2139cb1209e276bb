#!/usr/bin/env python3
"""Compare two spec trees made from the docs in two languages, method by method.

    python3 tools/compare_languages.py specs /tmp/specs-ru [-v] [--check]

The first tree is the reference (the committed English `specs/`), the second
the one to judge (the Russian docs regenerated with `--specs-only --specs DIR`).
Methods are matched by their identity, (method, REST version); a method
documented in both languages is "shared". For each shared method:

- parameters agree when the top-level parameters have the same names with
  the same required flags (as sets: order is reported apart);
- errors agree when the entries have the same (code, field, HTTP status),
  counted with multiplicity, code-less entries included (their literal
  messages are in the page's language, so they are not compared);
- types agree when every parameter and result field, nested ones too, has
  the same name, required flag, type and allowed values;
- deprecated and paged flags, and the presence of a result, are compared too.

Event specs (`<scope>/events/<EVENT>.json`) are matched by event name; for
each shared event the fields of `data` (as types above), who may subscribe
(a code, the same in both languages), the scopes, the deprecated flag and
the type of `data` are compared.

Prints the shares and, with -v, every method or event that disagrees and
how. With --check, exits 1 when parameters or errors agree for less than
98% of the shared methods, or event data fields or subscribers for less
than 98% of the shared events. Standard library only.
"""

import argparse
import json
import os
import sys
from collections import Counter


def load(root):
    specs, events = {}, {}
    for folder, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".json") or folder == root:
                continue
            with open(os.path.join(folder, f), encoding="utf-8") as fh:
                spec = json.load(fh)
            if "event" in spec and "method" not in spec:
                events[spec["event"]] = spec
            if "method" not in spec:
                continue
            specs[(spec["method"], spec.get("version", "2"))] = spec
    return specs, events


EVENT_CHECKS = {
    "data fields": lambda s: fields_key(s.get("data"), "data"),
    "subscribers": lambda s: s.get("subscribers"),
    "scopes": lambda s: s.get("scopes", []),
    "deprecated": lambda s: bool(s.get("deprecated")),
    "data type": lambda s: json.dumps(s.get("data_type"), sort_keys=True),
}


def compare_events(ref, other, ref_name, other_name, verbose):
    """Print the event shares; the names of the checks below 98%."""
    shared = sorted(set(ref) & set(other))
    print(f"events: {len(ref)} in {ref_name}, {len(other)} in {other_name}, {len(shared)} in both")
    agree = Counter()
    differ = []
    for e in shared:
        for name, f in EVENT_CHECKS.items():
            a, b = f(ref[e]), f(other[e])
            if a == b:
                agree[name] += 1
            else:
                differ.append((name, e, a, b))
    for name in EVENT_CHECKS:
        print(f"{'event ' + name + ' agree:':<26} {agree[name]:>5} of {len(shared)} ({pct(agree[name], len(shared)):.2f}%)")
    if verbose:
        for e in sorted(set(ref) - set(other)):
            print(f"event only in {ref_name}: {e}")
        for e in sorted(set(other) - set(ref)):
            print(f"event only in {other_name}: {e}")
        for name, e, a, b in differ:
            if isinstance(a, set):
                detail = f"-{sorted(a - b)[:3]} +{sorted(b - a)[:3]}"
            else:
                detail = f"{a} vs {b}"
            print(f"event {name} differ: {e}: {detail}")
    if not ref:
        return []
    return [n for n in ("data fields", "subscribers") if pct(agree[n], len(shared)) < 98.0]


def params_key(spec):
    return {(p["name"], bool(p.get("required"))) for p in spec.get("params", [])}


def errors_key(spec):
    return Counter(
        (e.get("code"), e.get("field"), e.get("status")) for e in spec.get("errors", [])
    )


def fields_key(fields, path=""):
    out = set()
    for f in fields or []:
        # A placeholder key is written in the page's language (`<selector>`,
        # `<селектор>`): its pattern is what it means.
        here = f"{path}.{f.get('pattern') or f['name']}"
        out.add(
            (
                here,
                bool(f.get("required")),
                json.dumps(f.get("type"), sort_keys=True),
                tuple(f.get("values", [])),
            )
        )
        out |= fields_key(f.get("fields"), here)
    return out


def types_key(spec):
    result = spec.get("result")
    return fields_key(spec.get("params"), "params") | fields_key(
        [result] if result else [], "result"
    )


def pct(a, b):
    return 100.0 * a / b if b else 100.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("reference", help="spec tree of the reference language (specs/)")
    ap.add_argument("other", help="spec tree of the other language")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every disagreement")
    ap.add_argument("--check", action="store_true", help="exit 1 below 98%% on params or errors")
    args = ap.parse_args()

    (ref, ref_events), (other, other_events) = load(args.reference), load(args.other)
    # The API ignores the case of a method name, and the two languages'
    # titles do not always spell it alike (`sale.order.getFields`): such a
    # pair is one method, counted apart.
    folded = {(m.lower(), v): (m, v) for (m, v) in ref}
    respelled = []
    for key in list(other):
        m, v = key
        twin = folded.get((m.lower(), v))
        if key not in ref and twin is not None and twin not in other:
            other[twin] = other.pop(key)
            respelled.append((twin, key))
    shared = sorted(set(ref) & set(other))
    only_ref = sorted(set(ref) - set(other))
    only_other = sorted(set(other) - set(ref))
    checks = {
        "params": lambda s: params_key(s),
        "params order": lambda s: [p["name"] for p in s.get("params", [])],
        "errors": errors_key,
        "types": types_key,
        "deprecated": lambda s: bool(s.get("deprecated")),
        "paged": lambda s: bool(s.get("paged")),
        "result": lambda s: s.get("result") is not None,
        "scopes": lambda s: s.get("scopes", []),
    }
    agree = Counter()
    differ = {k: [] for k in checks}
    for key in shared:
        for name, f in checks.items():
            a, b = f(ref[key]), f(other[key])
            if a == b:
                agree[name] += 1
            else:
                differ[name].append((key, a, b))

    def ident(key):
        m, v = key
        return m if v == "2" else f"{m}@v{v}"

    print(f"methods: {len(ref)} in {args.reference}, {len(other)} in {args.other}, {len(shared)} in both")
    print(f"  only in {args.reference}: {len(only_ref)}; only in {args.other}: {len(only_other)}; "
          f"spelled in another case: {len(respelled)}")
    for name in checks:
        print(f"{name + ' agree:':<20} {agree[name]:>5} of {len(shared)} ({pct(agree[name], len(shared)):.2f}%)")
    if args.verbose:
        for key, spelled in respelled:
            print(f"spelled {ident(key)} in {args.reference}, {ident(spelled)} in {args.other}")
        for key in only_ref:
            print(f"only in {args.reference}: {ident(key)}")
        for key in only_other:
            print(f"only in {args.other}: {ident(key)}")
        for name in ("params", "errors", "deprecated", "paged", "result", "types"):
            for key, a, b in differ[name]:
                if name == "params":
                    detail = f"-{sorted(a - b)} +{sorted(b - a)}"
                elif name == "errors":
                    detail = f"-{sorted((a - b).elements(), key=str)} +{sorted((b - a).elements(), key=str)}"
                elif name == "types":
                    detail = f"-{sorted(a - b)[:3]} +{sorted(b - a)[:3]}"
                else:
                    detail = f"{a} vs {b}"
                print(f"{name} differ: {ident(key)}: {detail}")
    low_events = compare_events(ref_events, other_events, args.reference, args.other, args.verbose)
    if args.check:
        low = [n for n in ("params", "errors") if pct(agree[n], len(shared)) < 98.0]
        low += [f"event {n}" for n in low_events]
        if low or not shared:
            print(f"FAIL: below 98%: {', '.join(low) or 'no shared methods'}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
