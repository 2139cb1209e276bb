#!/usr/bin/env python3
"""An independent, strict reading of the docs' Markdown source, to check specs/.

It shares no code with the generator (which reads the rendered HTML with
scraper): plain text rules over md/. A method page is one whose H1 ends in a
method name and that has a parameters heading. It compares, by method name:
coverage of names, top-level parameter names with their required marks (a
line that makes one of several required unmarks them), and method-specific
error codes. Usage:

    python3 tools/strict_reading.py [DOCS_ROOT] [SPECS_DIR] [-v] [--check]

-v lists the disagreements; --check exits 1 below the bar (names 99.5%,
parameters and error codes 98%).
"""
import json, os, re, sys

args = [a for a in sys.argv[1:] if not a.startswith("-")]
docs = args[0] if len(args) > 0 else os.environ.get("BITRIX24_DOCS", "../shared/bitrix24-docs")
specs_dir = args[1] if len(args) > 1 else "specs"
md_root = os.path.join(docs, "md")
NAME = re.compile(r"[a-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")
ONE_OF = re.compile(r"one of the (following )?(param|field)|at least one of|один из параметров|одного из параметров"
                    r"|одно из полей|хотя бы од(ин|но) из|^(?=.*\beither\b)(?=.*\b(must|required|need))", re.I)
NEGATED = re.compile(r"\bnot\b|n't\b|(^|[\s|])не\s", re.I)

def rows(table):
    body = table.strip()
    out = []
    for part in re.split(r"\|\|\s*\n\s*\|\|", body.strip("|").strip()):
        cells = re.split(r"(?<!\\)\|", part.strip().strip("|"))
        out.append([c.strip() for c in cells])
    return out

def tables_after(text, start, stop):
    seg = text[start:stop]
    return [m.group(1) for m in re.finditer(r"^#\|(.*?)^\|#", seg, re.S | re.M)]

def sections(text):
    heads = [(m.start(), len(m.group(1)), m.group(2).strip()) for m in re.finditer(r"^(#{1,6})\s+(.*)$", text, re.M)]
    return heads

strict = {}
for root, _, files in os.walk(md_root):
    for f in files:
        if not f.endswith(".md"):
            continue
        path = os.path.join(root, f)
        text = open(path, encoding="utf-8").read()
        m = re.match(r"#\s+(.*)", text)
        if not m:
            continue
        title = re.sub(r"\{#.*?\}", "", m.group(1)).strip()
        last = title.split()[-1] if title.split() else ""
        if not NAME.match(last):
            continue
        heads = sections(text)
        ph = [h for h in heads if h[1] == 2 and re.sub(r"\{#.*?\}", "", h[2]).strip().lower() in ("method parameters", "parameters")]
        if not ph:
            continue
        start = ph[0][0]
        nxt = [h[0] for h in heads if h[0] > start and h[1] <= 2]
        stop = nxt[0] if nxt else len(text)
        params = []
        for t in tables_after(text, start, stop)[:1]:
            for r in rows(t)[1:]:
                cell = r[0]
                nm = re.match(r"\*\*`?([^*`]+?)`?\*\*\s*(\\\*|\*|\^\*\^|<sup>\*</sup>)?", cell)
                if nm:
                    params.append((nm.group(1).strip(), bool(nm.group(2))))
        # "Pass one of the parameters `A` or `B`": neither is required (a
        # line naming two or more required parameters in backticks, not a
        # negated one: "if one of `A`, `B` is not passed").
        for line in text.split("\n"):
            if ONE_OF.search(line) and not NEGATED.search(line):
                named = set(re.findall(r"`([^`]+)`", line))
                hit = [i for i, (n, r) in enumerate(params) if r and n in named]
                if len(hit) >= 2:
                    for i in hit:
                        params[i] = (params[i][0], False)
        errors = []
        for i, h in enumerate(heads):
            low = h[2].lower()
            if h[1] == 3 and "error" in low and "system" not in low and "returned error" not in low:
                nxt = [x[0] for x in heads if x[0] > h[0] and x[1] <= 3]
                for t in tables_after(text, h[0], nxt[0] if nxt else len(text)):
                    rs = rows(t)
                    if not rs or "code" not in rs[0][0].lower() and not any("code" in c.lower() for c in rs[0]):
                        continue
                    ci = next(i for i, c in enumerate(rs[0]) if "code" in c.lower())
                    for r in rs[1:]:
                        if ci < len(r):
                            c = re.match(r"`([^`]*)`", r[ci])
                            if c:
                                code = c.group(1).strip()
                                # "-", a blank or "Empty value": an error with no code
                                errors.append(None if code in ("", "-", "—") or code.lower() == "empty" or code.lower().startswith("empty ") else code)
        strict.setdefault(last, []).append((path, params, errors))

specs = {}
retitled = set()
for root, _, files in os.walk(specs_dir):
    for f in files:
        if f.endswith(".json") and root != specs_dir:
            s = json.load(open(os.path.join(root, f)))
            if "method" not in s:  # an event spec (<scope>/events/): tools/event_reading.py
                continue
            specs.setdefault(s["method"], []).append(s)
            # A title the page's own examples contradict (a typo) is recorded
            # in the spec; the strict reading takes titles as they are.
            for d in s.get("diagnostics", []):
                if d.get("kind") == "title_contradicted" and d.get("detail"):
                    retitled.add(d["detail"])
                    specs.setdefault(d["detail"], []).append(s)

pages = sum(len(v) for v in strict.values())
names = set(strict)
covered = names & set(specs)
p_total = p_ok = e_total = e_ok = 0
bad_params, bad_errors = [], []
for name in sorted(names):
    if name not in specs:
        continue
    for (path, params, errors) in strict[name]:
        cands = specs[name]
        best = max(cands, key=lambda s: sum((p["name"], p["required"]) in params for p in s["params"]))
        got = {(p["name"], p["required"]) for p in best["params"]}
        for p in params:
            p_total += 1
            if p in got: p_ok += 1
            else: bad_params.append((name, p))
        codes = [e["code"] if e["code"] is not None else e.get("message") for e in best["errors"]]
        # A Code column of HTTP statuses only is read by the specs as the
        # status (with no code); the strict reading keeps the column's text.
        codes += [str(e["status"]) for e in best["errors"] if e["code"] is None and e.get("status")]
        # A row with no code is an entry with no code (told apart by its
        # message or status), or a row the specs drop and say so (nothing
        # but prose beside the empty code).
        if any(e["code"] is None for e in best["errors"]) or any(
                d.get("kind") == "error_without_code" for d in best.get("diagnostics", [])):
            codes.append(None)
        for e in errors:
            e_total += 1
            if e in codes: e_ok += 1
            else: bad_errors.append((name, e))

if retitled:
    print(f"titles the specs record as contradicted by the page's examples: {len(retitled & names)} ({', '.join(sorted(retitled & names))})")
print(f"strict pages: {pages}, distinct names: {len(names)}, params: {p_total}, error codes: {e_total}")
print(f"names covered by specs: {len(covered)}/{len(names)} = {100*len(covered)/max(1,len(names)):.2f}%")
print(f"params agreeing (name+required): {p_ok}/{p_total} = {100*p_ok/max(1,p_total):.2f}%")
print(f"error codes agreeing: {e_ok}/{e_total} = {100*e_ok/max(1,e_total):.2f}%")
print(f"spec names not in the strict set (looser reading): {len(set(specs) - names)}")
# The bar: names >= 99.5%, params and error codes >= 98%.
ok = (len(covered) * 100 >= 99.5 * len(names)) and (p_ok * 100 >= 98 * p_total) and (e_ok * 100 >= 98 * e_total)
if "-v" in sys.argv:
    print("missing names:", sorted(names - set(specs))[:50])
    print("param mismatches:", bad_params[:60])
    print("error mismatches:", bad_errors[:60])
if "--check" in sys.argv and not ok:
    print("below the agreement bar: names 99.5%, params 98%, error codes 98%")
    sys.exit(1)
