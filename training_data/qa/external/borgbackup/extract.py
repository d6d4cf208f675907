#!/usr/bin/env python3
"""Extract the FAQ into faq.csv (standard library only). See SOURCE.md."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from faq_extract import *  # noqa: E402,F403 - the shared parsing helpers

# --- BorgBackup FAQ (borgbackup-doc): html/faq.html -----------------------
SLUG = "borgbackup"
DATE = "2023-03-22"  # debian/changelog date of borgbackup 1.2.4-1


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: extract.py PATH/TO/usr/share/doc/borgbackup/html/faq.html [OUT.csv]")
    out = argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "faq.csv")
    rows = []
    for s in iter_sections(parse_sphinx(argv[1])):
        if s.children or not s.text or s.level < 2:
            continue
        anc = ancestors(s)
        cat = anc[1].heading if len(anc) >= 2 else "general"
        rows.append((s.heading, s.text, cat))
    write_csv(out, SLUG, rows, DATE)


if __name__ == "__main__":
    main(sys.argv)
