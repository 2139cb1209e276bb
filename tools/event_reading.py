#!/usr/bin/env python3
"""An independent reading of the docs' event pages, to check the event specs.

It shares no code with the generator (which reads the rendered HTML): plain
text rules over md/. An event page is a page under api-reference/, not an
index, whose H1 names an event (`onCrmDealAdd`, `ONCRMDEALADD`,
`CATALOG.PRICE.ON.ADD`) or whose fenced JSON shows a handler's payload (a
top-level "event" string beside "data", "auth" or "ts"). Its event is the
payload's "event" (else the title's name), upper case. It compares, by event
name: coverage of names by specs/<scope>/events/<EVENT>.json, and the
top-level keys of `data` that the page's table lists (`data.X` rows, or on
older pages the table's rows) against the spec's `data` fields.

A page whose `## ` headings are each an event's name, two or more of them
(`## ONIMBOTV2JOINCHAT {#onimbotv2joinchat}`), documents one event per such
section: its keys come from the section's first table (a page read this
way is not also read as a single-event page). Who may subscribe ("Who can
subscribe:" / "Кто может подписаться:") is read by key words into the spec's
codes (any_user, bot_owner, sign_b2e_access) and compared too. Usage:

    python3 tools/event_reading.py [DOCS_ROOT] [SPECS_DIR] [-v] [--check]

-v lists the disagreements; --check exits 1 below 99% for names, data
keys or subscribers.
"""
import json, os, re, sys

args = [a for a in sys.argv[1:] if not a.startswith("-")]
docs = args[0] if len(args) > 0 else os.environ.get("BITRIX24_DOCS", "../shared/bitrix24-docs")
specs_dir = args[1] if len(args) > 1 else "specs"
verbose = "-v" in sys.argv
md_root = os.path.join(docs, "md")

EVENT_WORD = re.compile(r"^(?:[Oo]n[A-Z][A-Za-z0-9]{2,}|ON[A-Z0-9]{3,}|[A-Z0-9_]+(?:\.[A-Z0-9_]+)*\.ON\.[A-Z0-9_]+)$")
METHOD_WORD = re.compile(r"^[a-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")
FENCE = re.compile(r"^```[a-zA-Z]*\s*\n(.*?)^```", re.S | re.M)
TABLE = re.compile(r"^#\|(.*?)^\|#", re.S | re.M)


def payload(block):
    try:
        v = json.loads(block)
    except ValueError:
        return None
    if isinstance(v, dict) and isinstance(v.get("event"), str) and any(k in v for k in ("data", "auth", "ts")):
        return v
    return None


def first_cell_names(table):
    """Names in the first cell of each row (`**name**`), the header row skipped."""
    names = []
    body = table.strip().strip("|")
    for i, row in enumerate(re.split(r"\|\|\s*\n\s*\|\|", body)):
        if i == 0:
            continue
        m = re.match(r"\s*\*\*\s*`?([^*`]+?)`?\s*\*\*", row)
        if m:
            names.append(m.group(1).strip())
    return names


def data_keys(text):
    """The top-level keys of `data` a page's tables list, or None."""
    for t in TABLE.findall(text):
        names = first_cell_names(t)
        if not names:
            continue
        if any(n in ("event", "data", "auth", "ts") for n in names):
            keys = [n[5:].split(".")[0].rstrip("[]") for n in names if n.startswith("data.")]
            return keys
        return [n.split(".")[0] for n in names]
    return None


H2 = re.compile(r"^##\s+`?([^`{\s]+)`?\s*(?:\{#[^}]*\})?\s*$", re.M)
SUBSCRIBE = re.compile(r"(?:who can subscribe|кто может подписаться)\W*(.+)$", re.I | re.M)


def subscribers(text):
    """The spec code for the page's "Who can subscribe" line, '?' for words
    not known here, None when the page does not say."""
    m = SUBSCRIBE.search(text)
    if not m:
        return None
    words = m.group(1).lower()
    if "chat" in words or "чат" in words:
        return "bot_owner"
    if "kedo" in words or "кэдо" in words or "e-signature" in words:
        return "sign_b2e_access"
    if re.search(r"\b(any|любой)\b", words):
        return "any_user"
    return "?"


def event_sections(text):
    """(name, section text) for each `## ` heading that is an event's name,
    when there are two or more; else []."""
    heads = [m for m in H2.finditer(text) if EVENT_WORD.match(m.group(1))]
    if len(heads) < 2:
        return []
    out = []
    for m in heads:
        nxt = re.compile(r"^##\s", re.M).search(text, m.end())
        out.append((m.group(1), text[m.end(): nxt.start() if nxt else len(text)]))
    return out


pages = {}
said = {}
n_sections = 0
for root, _, files in os.walk(os.path.join(md_root, "api-reference")):
    for f in files:
        if not f.endswith(".md") or f == "index.md":
            continue
        path = os.path.join(root, f)
        text = open(path, encoding="utf-8").read()
        sections = event_sections(text)
        if sections:
            for name, body in sections:
                n_sections += 1
                pages.setdefault(name.upper(), []).append((os.path.relpath(path, md_root), data_keys(body)))
            continue
        h1 = re.search(r"^#\s+(.+)$", text, re.M)
        words = [w.strip("`.,:;()\"'") for w in (h1.group(1).split() if h1 else [])]
        if words and METHOD_WORD.match(words[-1]):
            continue
        title_event = next((w for w in reversed(words) if EVENT_WORD.match(w)), None)
        loads = [p for p in (payload(b) for b in FENCE.findall(text)) if p]
        name = loads[0]["event"] if loads else title_event
        if not name:
            continue
        pages.setdefault(name.upper(), []).append((os.path.relpath(path, md_root), data_keys(text)))
        said.setdefault(name.upper(), subscribers(text))

specs = {}
for root, _, files in os.walk(specs_dir):
    rel = os.path.relpath(root, specs_dir).split(os.sep)
    if len(rel) != 2 or rel[1] != "events":  # <scope>/events/<EVENT>.json
        continue
    for f in files:
        if f.endswith(".json"):
            s = json.load(open(os.path.join(root, f), encoding="utf-8"))
            specs[s["event"]] = s

n_pages = sum(len(v) for v in pages.values())
covered = [e for e in pages if e in specs]
missing = sorted(set(pages) - set(specs))
extra = sorted(set(specs) - set(pages))
keys_total = keys_agree = 0
key_diffs = []
for e in covered:
    documented = pages[e][0][1]
    if documented is None:
        continue
    spec_keys = {f["name"] for f in specs[e]["data"] if not f.get("from_example")}
    for k in documented:
        keys_total += 1
        if k in spec_keys:
            keys_agree += 1
        else:
            key_diffs.append(f"{e}: data key `{k}` ({pages[e][0][0]}) not in the spec")

subs_total = subs_agree = 0
for e in covered:
    if said.get(e) is None:
        continue
    subs_total += 1
    if specs[e].get("subscribers") == said[e]:
        subs_agree += 1
    else:
        key_diffs.append(f"{e}: subscribers {said[e]} here, {specs[e].get('subscribers')} in the spec")

pct = lambda a, b: 100.0 if b == 0 else a * 100.0 / b
names_pct = pct(len(covered), len(pages))
keys_pct = pct(keys_agree, keys_total)
print(f"event pages: {n_pages} (of them sections of multi-event pages: {n_sections}), distinct events: {len(pages)}")
print(f"events covered by specs: {len(covered)} of {len(pages)} ({names_pct:.2f}%)")
print(f"documented data keys agreeing: {keys_agree} of {keys_total} ({keys_pct:.2f}%)")
print(f"who may subscribe agreeing: {subs_agree} of {subs_total} ({pct(subs_agree, subs_total):.2f}%)")
print(f"event specs this reading does not find: {len(extra)}")
if verbose:
    for e in missing:
        print(f"  missing spec: {e} ({', '.join(p for p, _ in pages[e])})")
    for d in key_diffs:
        print(f"  {d}")
    for e in extra:
        print(f"  not found here: {e} ({specs[e]['url']})")
subs_pct = pct(subs_agree, subs_total)
if "--check" in sys.argv and (names_pct < 99.0 or keys_pct < 99.0 or subs_pct < 99.0):
    print("below the bar (99% for names, data keys and subscribers)", file=sys.stderr)
    sys.exit(1)
