#!/usr/bin/env python3
"""Extract the FAQ into faq.csv (standard library only). See SOURCE.md."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from faq_extract import *  # noqa: E402,F403 - the shared parsing helpers

# --- Savvly FAQ (PyPI savvly-mcp-server 1.0.102): savvly_mcp/_assets/data/qa.json
import json

SLUG = "savvly"
DATE = "2026-10-24"  # PyPI upload date of savvly-mcp-server 1.0.102


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: extract.py PATH/TO/savvly_mcp/_assets/data/qa.json [OUT.csv]")
    out = argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "faq.csv")
    with open(argv[1], encoding="utf-8") as fh:
        data = json.load(fh)
    rows = []
    for e in data["entries"]:
        # category = "<audience> / <section>", e.g. "employee / understanding savvly".
        cat = "%s / %s" % (e["audience"], e["section"].replace("-", " "))
        # Footnotes (regulatory citations) are not part of the answer text.
        rows.append((e["question"], e["answer"], cat))
    write_csv(out, SLUG, rows, DATE)


if __name__ == "__main__":
    main(sys.argv)
