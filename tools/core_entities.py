#!/usr/bin/env python3
"""The core entities' results, method by method: which entity type each
`get`/`list` result (and other results returning the entity) uses, how many
fields it has, how many come from the example only, and whether get and list
agree. Reads a specs folder; facts only.

    python3 tools/core_entities.py SPECS_DIR [--json]
"""
import json
import sys
from pathlib import Path

# entity -> the methods that return it (get first).
CORE = {
    "crm deal": ["crm.deal.get", "crm.deal.list"],
    "crm contact": ["crm.contact.get", "crm.contact.list"],
    "crm company": ["crm.company.get", "crm.company.list"],
    "crm lead": ["crm.lead.get", "crm.lead.list"],
    "crm quote": ["crm.quote.get", "crm.quote.list"],
    "crm activity": ["crm.activity.get", "crm.activity.list"],
    "crm item": ["crm.item.get", "crm.item.list"],
    "crm smart-process type": ["crm.type.get", "crm.type.list"],
    "crm requisite": ["crm.requisite.get", "crm.requisite.list"],
    "task": ["tasks.task.get", "tasks.task.list"],
    "user": ["user.get", "user.current"],
    "department": ["department.get"],
    "catalog product": ["catalog.product.get", "catalog.product.list"],
    "calendar event": ["calendar.event.getbyid", "calendar.event.get"],
    "sale order": ["sale.order.get", "sale.order.list"],
    "sale payment": ["sale.payment.get", "sale.payment.list"],
    "sale shipment": ["sale.shipment.get", "sale.shipment.list"],
}


def load(specs: Path):
    by_method = {}
    for p in sorted(specs.rglob("*.json")):
        if "/events/" in str(p) or p.name == "system-errors.json":
            continue
        try:
            s = json.loads(p.read_text())
        except Exception as e:  # noqa: BLE001
            print(f"skip {p}: {e}", file=sys.stderr)
            continue
        if isinstance(s, dict) and "method" in s:
            by_method.setdefault(s["method"], s)
    return by_method


def tstr(t):
    if isinstance(t, str):
        return t
    if isinstance(t, dict):
        if "array" in t:
            return tstr(t["array"]) + "[]"
        if "ref" in t:
            r = t["ref"]
            return r["name"] + ("." + r["field"] if r.get("field") else "")
        if "union" in t:
            return " | ".join(tstr(x) for x in t["union"])
        if "scalar" in t:
            return t["scalar"]
    return json.dumps(t)


def item(result):
    """The object that holds the entity's fields: through a wrapper key and
    lists, the deepest single object with the most fields."""
    best = result
    f = result
    for _ in range(3):
        subs = f.get("fields", [])
        objs = [s for s in subs if s.get("fields")]
        if len(subs) <= 3 and len(objs) == 1:
            f = objs[0]
            best = f
        else:
            break
    return best


def row(method, s):
    if s is None:
        return {"method": method, "missing": True}
    r = s.get("result") or {}
    it = item(r)
    fields = it.get("fields", [])
    concrete = [f for f in fields if not f.get("pattern")]
    return {
        "method": method,
        "result": tstr(r.get("type")),
        "entity": it.get("entity"),
        "fields": len(concrete),
        "from_example": sum(1 for f in concrete if f.get("from_example")),
        "any": sum(1 for f in concrete if tstr(f.get("type")) in ("any", "any[]")),
        "strings": sum(1 for f in concrete if tstr(f.get("type")) == "string"),
        "names": sorted(f["name"] for f in concrete),
    }


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        print(__doc__)
        return 2
    specs = load(Path(args[0]))
    out = []
    for entity, methods in CORE.items():
        rows = [row(m, specs.get(m)) for m in methods]
        out.append({"entity": entity, "rows": rows})
    if "--json" in sys.argv:
        print(json.dumps(out, indent=1))
        return 0
    print("| entity | method | result | entity type | fields | from example | any | string | same fields as first |")
    print("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- |")
    for e in out:
        first = None
        for r in e["rows"]:
            if r.get("missing"):
                print(f"| {e['entity']} | {r['method']} | (no spec) | | | | | | |")
                continue
            same = "" if first is None else ("yes" if r["names"] == first else "no")
            if first is None:
                first = r["names"]
            print(f"| {e['entity']} | {r['method']} | `{r['result']}` | {r['entity'] or ''} | {r['fields']} | {r['from_example']} | {r['any']} | {r['strings']} | {same} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
