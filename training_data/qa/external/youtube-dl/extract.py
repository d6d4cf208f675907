#!/usr/bin/env python3
"""Extract the FAQ into faq.csv (standard library only). See SOURCE.md."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from faq_extract import *  # noqa: E402,F403 - the shared parsing helpers

# --- youtube-dl FAQ (PyPI sdist youtube_dl-2021.12.17): README.md "# FAQ" --
SLUG = "youtube-dl"
DATE = "2021-12-16"  # PyPI upload date of youtube_dl 2021.12.17 (sdist and wheel)


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: extract.py PATH/TO/youtube_dl-2021.12.17/README.md [OUT.csv]")
    out = argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "faq.csv")
    with open(argv[1], encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    start = lines.index("# FAQ")
    end = lines.index("# DEVELOPER INSTRUCTIONS")
    rows, q, buf, fence = [], None, [], False
    for line in lines[start + 1:end] + ["### END"]:
        if re.match(r"^```[\w+-]*\s*$", line):
            fence = not fence
        heading = re.match(r"^(#{1,3}) (.*)$", line) if not fence else None
        if heading and (heading.group(1) == "###" or heading.group(2).rstrip().endswith("?")):
            if q is not None:
                rows.append((markdown_to_text(q), markdown_to_text("\n".join(buf)), "general"))
            q, buf = heading.group(2), []
        else:
            buf.append(line)
    write_csv(out, SLUG, rows, DATE)


if __name__ == "__main__":
    main(sys.argv)
