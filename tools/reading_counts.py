#!/usr/bin/env python3
"""Counts of recurring reading defects over a specs folder, for before/after figures.

    python3 tools/reading_counts.py SPECS_DIR [--docs DOCS_ROOT] [--json] [--list KIND]

Prints `name: N` per count, sorted by name; `--json` prints them as one
object; `--list KIND` prints the items of count KIND (a method, with `@v3`
for REST 3.0, and a field path where the count is about fields), sorted.
Counts marked [docs] need `--docs` (a corpus root holding md/; a spec url
.../X.html is read from DOCS_ROOT/md/X.md) and are left out without it.
Only method specs are read: event specs and system-errors.json are
skipped, and a file that does not load or has an unexpected shape is
skipped with a message on stderr. Bracketed figures are those on the pinned
English docs (/tmp/base-bitrix24-docs with ../shared/bitrix24-docs).

1. invalid_example_json: specs with an `invalid_example_json` diagnostic [41].
2. result_from_example: specs with `result_from_example` at `result` or
   `result.fields` [121]. result_from_example_with_table [docs]: those whose
   page links a fields page (a link target named `*fields.md`, not the page
   itself) [40]. result_from_example_with_data_type [docs]: the rest that
   link a data-types entry (`data-types.md#anchor`, `#time`, the response
   envelope, excepted) whose table lists fields (a `type` column) [6].
3. codeless_errors: error entries whose code and message are both null,
   absent or empty [173].
4. placeholder_values: value lists (params or result, any depth) holding
   the value `field`; lowercase only, as `FIELD` is a real key of
   tasks.task.history.list [123]. placeholder_values_on_filter_order: those
   on a field named filter/order, any case [121]. placeholder_values_field_n:
   lists holding `field_N` (any case) instead [3].
5. placeholder_literal_fields: fields (params or result, any depth) with no
   `pattern` whose name is a placeholder: ending in N after a lowercase
   letter or in `_N` (`propertyN`, `PROPERTY_N`) unless a sibling has the
   same stem and another capital (`gpsN` beside `gpsS`: north, south);
   `FIELD`; a name with `{ } < >`; an all-digit name (an ID used as a key,
   read off an example). Lowercase `field`, `attachId` and `fileId` are
   real keys here and are not counted [34: 27 N, 2 FIELD, 5 digits].
6. prose_value_lists [docs]: scalar fields (params or result, any depth)
   with no `values`, `value_patterns` or `pattern` where every table row of
   the page named after the field lists two or more codes in backticks:
   "`X` - text" items, "`A`/`B`", both `Y` and `N`, or both `1` and `0`
   (not only `true`/`false`, no code with `< > { } *`) [367].
7. example_contradicts: diagnostics (not specs) of that kind [226].
   prose_values_skipped: code lists in a description that the reader saw
   but did not read as the field's values (diagnostics of that kind).
8. fields_methods: methods whose last name segment is `fields`/`getfields`
   (any case) [113]. fields_methods_without_descriptor_map: those whose
   result is not a map of descriptors: neither the result nor its only
   (wrapper) field has a pattern-keyed field holding an object with a
   `type` or `title` field (any case: disk answers `TYPE`), or a string
   (a title) [34].
   fields_methods_without_example [docs]: those whose page has no fenced
   block holding a JSON object with "result" [16];
   fields_methods_without_example_or_map [docs]: of those, no map [16].
9. params_method_table_header [docs]: specs with no params whose page has,
   below a parameters heading, a table whose first header cell starts with
   Method/Метод [0]. params_none_but_request_keys [docs]: specs with no
   params whose page has a cURL body (`-d '{...}'`) with a key other than
   `auth` [7]. params_required_in_filter_order: fields at any depth below a
   top-level param named filter/order (any case) marked required [13].
   params_landing_block_none: `landing.block.*` specs with no params [0].
10. unaccounted [docs]: a proxy for page tables nothing in the spec takes
   up: specs whose page has a table while the spec has no params, no result
   fields, no errors and no diagnostics [13].
"""
import json
import os
import re
import sys

PARAMS_HEADINGS = {"parameters", "method parameters", "request parameters", "call parameters",
                   "input parameters", "параметры", "параметры метода", "параметры запроса",
                   "параметры вызова", "входные параметры"}


# ---------- specs ----------

def shape_error(spec):
    """Why a method spec cannot be read, or None."""
    def fields_error(fields, where):
        if not isinstance(fields, list):
            return f"{where} is not a list"
        for f in fields:
            if not isinstance(f, dict) or not isinstance(f.get("name"), str) \
                    or not isinstance(f.get("values", []), list):
                return f"a field in {where} is not a field"
            err = fields_error(f.get("fields", []), f"{where}.{f['name']}")
            if err:
                return err
        return None
    if not isinstance(spec.get("url", ""), str):
        return "url is not a string"
    for key in ("errors", "diagnostics"):
        items = spec.get(key, [])
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            return f"{key} is not a list of objects"
    if spec.get("result") is not None and fields_error([spec["result"]], "result"):
        return fields_error([spec["result"]], "result")
    return fields_error(spec.get("params", []), "params")


def load_specs(specs_dir):
    """(id, spec) for every readable method spec, sorted by id."""
    out = []
    for root, dirs, files in os.walk(specs_dir):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            if not name.endswith(".json") or root == specs_dir:
                continue
            try:
                with open(path, encoding="utf-8") as f:
                    spec = json.load(f)
                if not isinstance(spec, dict):
                    raise ValueError("not a JSON object")
            except (OSError, ValueError) as e:
                print(f"skipped {path}: {e}", file=sys.stderr)
                continue
            if "method" not in spec:
                continue  # an event spec
            err = "method is not a string" if not isinstance(spec["method"], str) else shape_error(spec)
            if err:
                print(f"skipped {path}: {err}", file=sys.stderr)
                continue
            out.append((spec["method"] + ("@v3" if spec.get("version") == "3" else ""), spec))
    return sorted(out, key=lambda x: x[0])


def walk(fields, path):
    """(path, field, siblings) for every field at any depth."""
    for f in fields or []:
        p = f"{path}.{f['name']}"
        yield p, f, fields
        yield from walk(f.get("fields"), p)


def all_fields(spec):
    yield from walk(spec.get("params"), "params")
    if spec.get("result"):
        yield "result", spec["result"], []
        yield from walk(spec["result"].get("fields"), "result")


def diagnostics(spec, kind):
    return [d for d in spec.get("diagnostics") or [] if d.get("kind") == kind]


# ---------- docs ----------

def parse_md(text):
    """Blocks in page order: ('h', level, title, anchor), ('table', rows), ('code', body)."""
    blocks, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        s = lines[i].strip()
        start = i
        if s[:3] in ("```", "~~~"):
            i += 1
            while i < len(lines) and lines[i].strip() != s[:3]:
                i += 1
            blocks.append(("code", "\n".join(lines[start + 1:i])))
        elif s.startswith("#|"):  # a YFM table, maybe with tables nested in cells
            depth = 0
            while i < len(lines):
                t = lines[i].strip()
                depth += t.startswith("#|") - t.startswith("|#")
                if depth <= 0:
                    break
                i += 1
            body = "\n".join(lines[start:i + 1]).strip()[2:-2].strip().strip("|")
            blocks.append(("table", [[c.strip() for c in re.split(r"(?<![\\|])\|(?!\|)", row.strip().strip("|"))]
                                     for row in re.split(r"\|\|\s*\n\s*\|\|", body.strip())]))
        elif s.startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|[\s:|-]*-[\s:|-]*", lines[i + 1].strip()):
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                i += 1
            rows = [lines[start]] + lines[start + 2:i]
            blocks.append(("table", [[c.strip() for c in re.split(r"(?<!\\)\|", r.strip().strip("|"))] for r in rows]))
            i -= 1
        elif re.match(r"#{1,6}\s", s):
            level, _, title = s.partition(" ")
            anchor = re.search(r"\{#(.*?)\}", title)
            blocks.append(("h", len(level), re.sub(r"\{#.*?\}", "", title).strip(), anchor.group(1) if anchor else ""))
        i += 1
    return blocks


def row_name(row):
    """The field name of a table row: the first bold or code token of its first cell."""
    m = re.search(r"\*\*\s*([^*]+?)\s*\*\*|`([^`]+)`", row[0] if row else "")
    return (m.group(1) or m.group(2)).strip("` ").replace("\\_", "_") if m else None


class Page:
    def __init__(self, path, text):
        self.path, self.text, self.blocks = path, text, parse_md(text)
        self.tables = [b[1] for b in self.blocks if b[0] == "table"]
        self.codes = [b[1] for b in self.blocks if b[0] == "code"]

    def param_tables(self):
        """Tables below a parameters heading, up to the next heading at its level or above."""
        out, level = [], None
        for b in self.blocks:
            if b[0] == "h" and b[2].lower() in PARAMS_HEADINGS:
                level = b[1]
            elif b[0] == "h" and level is not None and b[1] <= level:
                level = None
            elif b[0] == "table" and level is not None:
                out.append(b[1])
        return out

    def rows_named(self, name):
        return [r for t in self.tables for r in t[1:] if len(r) > 1 and row_name(r) == name]

    def table_at(self, anchor):
        """The first table below the heading with this anchor, before the next heading."""
        found = False
        for b in self.blocks:
            if b[0] == "h":
                if found:
                    return None
                found = b[3] == anchor
            elif b[0] == "table" and found:
                return b[1]
        return None

    def links(self):
        """(file, anchor) of every relative link, the file resolved against this page."""
        out = []
        for target in re.findall(r"\]\(([^)\s]+)\)", self.text):
            if not re.match(r"[a-z]+:", target):
                file, _, anchor = target.partition("#")
                out.append((os.path.normpath(os.path.join(os.path.dirname(self.path), file)) if file else self.path, anchor))
        return out


PAGES = {}


def page_at(path):
    """A docs page by path, parsed once; None when it cannot be read."""
    if path not in PAGES:
        try:
            with open(path, encoding="utf-8") as f:
                PAGES[path] = Page(path, f.read())
        except (OSError, ValueError) as e:
            print(f"cannot read {path}: {e}", file=sys.stderr)
            PAGES[path] = None
    return PAGES[path]


def load_pages(docs, specs):
    """Each spec's page by spec id; specs whose page cannot be read are left out."""
    pages = {}
    for ident, spec in specs:
        m = re.match(r"https?://[^/]+/(.*)\.html$", spec.get("url", ""))
        page = page_at(os.path.join(docs, "md", m.group(1) + ".md")) if m else None
        if page is not None:
            pages[ident] = page
    return pages


# ---------- counts: each returns {name: [items]} ----------

def describes_fields(table):
    """A table of an object's fields: its first header cell names a `type` column."""
    return bool(table and table[0] and re.search(r"`(type|тип)`", table[0][0].lower()))


def count_result_from_example(specs, pages):
    base = [i for i, s in specs
            if any(d.get("at") in ("result", "result.fields") for d in diagnostics(s, "result_from_example"))]
    out = {"result_from_example": base}
    if pages is not None:
        out["result_from_example_with_table"], out["result_from_example_with_data_type"] = table, dtype = [], []
        for i in base:
            links = [(f, a) for f, a in pages[i].links() if f != pages[i].path] if i in pages else []
            if any(f.endswith("fields.md") for f, _ in links):
                table.append(i)
            elif any(os.path.basename(f) == "data-types.md" and a not in ("", "time") and page_at(f)
                     and describes_fields(page_at(f).table_at(a)) for f, a in links):
                dtype.append(i)
    return out


def count_codeless_errors(specs, pages):
    return {"codeless_errors": [f"{i} errors[{n}]" for i, s in specs for n, e in enumerate(s.get("errors") or [])
                                if not e.get("code") and not e.get("message")]}


def count_placeholder_values(specs, pages):
    field, on_fo, field_n = [], [], []
    for i, s in specs:
        for p, f, _ in all_fields(s):
            values = [str(v) for v in f.get("values") or []]
            if "field" in values:
                field.append(f"{i} {p}")
                if f["name"].lower() in ("filter", "order"):
                    on_fo.append(f"{i} {p}")
            elif any(v.lower() == "field_n" for v in values):
                field_n.append(f"{i} {p}")
    return {"placeholder_values": field, "placeholder_values_on_filter_order": on_fo,
            "placeholder_values_field_n": field_n}


def placeholder_kind(name, siblings):
    """Which kind of placeholder a literal field name is, or None."""
    if re.search(r"[{}<>]", name):
        return "braces"
    if name == "FIELD":
        return "FIELD"
    if name.isdigit():
        return "digits"
    m = re.fullmatch(r"([a-z][A-Za-z0-9]*?)N|([A-Za-z][A-Za-z0-9_]*?)_[Nn]", name)
    if m:
        stem = m.group(1) or m.group(2)
        if not any(re.fullmatch(re.escape(stem) + "_?[A-Z]", x["name"]) for x in siblings if x["name"] != name):
            return "N"
    return None


def count_placeholder_literal_fields(specs, pages):
    return {"placeholder_literal_fields": [
        f"{i} {p} ({kind})" for i, s in specs for p, f, sib in all_fields(s)
        for kind in [None if f.get("pattern") else placeholder_kind(f["name"], sib)] if kind]}


CODE_ITEM = re.compile(r"(?m)^\s*(?:[-*]\s*)?`([^`\n]{1,24})`\s*(?:[-—–:]|\\-)\s")
CODE_PAIR = re.compile(r"`([^`\s]{1,24})`\s*/\s*`([^`\s]{1,24})`")


def listed_codes(desc):
    """The codes a description lists as values; empty when it lists none."""
    ticks = set(re.findall(r"`([^`\n]{1,24})`", desc))
    items = CODE_ITEM.findall(desc)
    codes = set(items) if len(items) >= 2 else set()
    for a, b in CODE_PAIR.findall(desc):
        codes |= {a, b}
    for pair in ({"Y", "N"}, {"1", "0"}):
        if pair <= ticks:
            codes |= pair
    if len(codes) < 2 or codes <= {"true", "false"} or any(re.search(r"[<>{}*]", c) for c in codes):
        return set()
    return codes


def is_scalar(ty):
    """A scalar type, or a union of scalars and null."""
    if isinstance(ty, dict) and isinstance(ty.get("union"), list):
        return all(t == "null" or is_scalar(t) for t in ty["union"])
    return isinstance(ty, dict) and "scalar" in ty


def count_prose_value_lists(specs, pages):
    if pages is None:
        return {}
    out = []
    for i, s in specs:
        for p, f, sib in all_fields(s) if i in pages else []:
            if f.get("values") or f.get("value_patterns") or f.get("pattern") or p == "result" \
                    or not is_scalar(f.get("type")) or placeholder_kind(f["name"], sib):
                continue
            rows = pages[i].rows_named(f["name"])
            if rows and all(listed_codes(" ".join(r[1:])) for r in rows):
                out.append(f"{i} {p}")
    return {"prose_value_lists": out}


def count_diagnostics(specs, pages):
    """Pages with an invalid example (specs), and contradicting examples (diagnostics)."""
    return {"invalid_example_json": [i for i, s in specs if diagnostics(s, "invalid_example_json")],
            "example_contradicts": [f"{i} {d.get('at', '')}" for i, s in specs
                                    for d in diagnostics(s, "example_contradicts")],
            "prose_values_skipped": [f"{i} {d.get('at', '')}" for i, s in specs
                                     for d in diagnostics(s, "prose_values_skipped")]}


def is_descriptor_map(result):
    levels = [(result or {}).get("fields") or []]
    if len(levels[0]) == 1 and not levels[0][0].get("pattern"):
        levels.append(levels[0][0].get("fields") or [])
    return any(f.get("pattern") and ({x["name"].lower() for x in f.get("fields") or []} & {"type", "title"}
                                     or f.get("type") == {"scalar": "string"})
               for fields in levels for f in fields)


def count_fields_methods(specs, pages):
    methods = [(i, s) for i, s in specs if s["method"].rsplit(".", 1)[-1].lower() in ("fields", "getfields")]
    out = {"fields_methods": [i for i, _ in methods],
           "fields_methods_without_descriptor_map": [i for i, s in methods if not is_descriptor_map(s.get("result"))]}
    if pages is not None:
        no_ex = [(i, s) for i, s in methods if i in pages
                 and not any(re.match(r"\s*\{", c) and '"result"' in c for c in pages[i].codes)]
        out["fields_methods_without_example"] = [i for i, _ in no_ex]
        out["fields_methods_without_example_or_map"] = [i for i, s in no_ex if not is_descriptor_map(s.get("result"))]
    return out


def curl_keys(code):
    """Keys of the JSON bodies the cURL commands of a code block send, `auth` aside."""
    keys = set()
    for body in re.findall(r"(?:-d|--data(?:-raw)?)\s+'(.*?)'", code, re.S) if "curl" in code else []:
        try:
            data = json.loads(body)
            keys.update(data if isinstance(data, dict) else [])
        except ValueError:
            keys.update(re.findall(r'"([A-Za-z_][\w.]*)"\s*:', body))
    return keys - {"auth"}


def count_params(specs, pages):
    required = [f"{i} {p}" for i, s in specs for top in s.get("params") or []
                if top["name"].lower() in ("filter", "order")
                for p, f, _ in walk(top.get("fields"), "params." + top["name"]) if f.get("required")]
    out = {"params_required_in_filter_order": required,
           "params_landing_block_none": [i for i, s in specs
                                         if s["method"].startswith("landing.block.") and not s.get("params")]}
    if pages is not None:
        bare = [(i, pages[i]) for i, s in specs if i in pages and not s.get("params")]
        out["params_method_table_header"] = [
            i for i, page in bare
            if any(t and t[0] and re.sub(r"[*`\s]", "", t[0][0]).lower().startswith(("method", "метод"))
                   for t in page.param_tables())]
        out["params_none_but_request_keys"] = [i for i, page in bare if any(curl_keys(c) for c in page.codes)]
    return out


def count_unaccounted(specs, pages):
    if pages is None:
        return {}
    return {"unaccounted": [i for i, s in specs if i in pages and pages[i].tables and not s.get("params")
                            and not (s.get("result") or {}).get("fields") and not s.get("errors")
                            and not s.get("diagnostics")]}


COUNTS = [count_diagnostics, count_result_from_example, count_codeless_errors, count_placeholder_values,
          count_placeholder_literal_fields, count_prose_value_lists, count_fields_methods, count_params,
          count_unaccounted]


def main(argv):
    usage = __doc__.splitlines()[2].strip()
    args, opts, it = [], {"json": False, "docs": None, "list": None}, iter(argv)
    for a in it:
        if a == "--json":
            opts["json"] = True
        elif a in ("--docs", "--list"):
            opts[a[2:]] = next(it, "")
            if not opts[a[2:]]:
                sys.exit(f"usage: {usage}")
        elif a.startswith("-") or args:
            sys.exit(f"usage: {usage}")
        else:
            args.append(a)
    if not args or not os.path.isdir(args[0]) or opts["docs"] and not os.path.isdir(os.path.join(opts["docs"], "md")):
        sys.exit(f"usage: {usage}\n(SPECS_DIR must be a folder, DOCS_ROOT one with md/)")
    specs = load_specs(args[0])
    pages = load_pages(opts["docs"], specs) if opts["docs"] else None
    results = {}
    for count in COUNTS:
        results.update(count(specs, pages))
    if opts["list"]:
        if opts["list"] not in results:
            sys.exit(f"no count {opts['list']} (with these options: {', '.join(sorted(results))})")
        print("\n".join(sorted(results[opts["list"]])))
    elif opts["json"]:
        print(json.dumps({k: len(v) for k, v in sorted(results.items())}, indent=2))
    else:
        print("\n".join(f"{k}: {len(v)}" for k, v in sorted(results.items())))


if __name__ == "__main__":
    main(sys.argv[1:])
