#!/usr/bin/env python3
"""Extract the FAQ into faq.csv (standard library only). See SOURCE.md."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from faq_extract import *  # noqa: E402,F403 - the shared parsing helpers

# --- Panda/UW IMAP FAQ (alpine 2.26 source): imap/docs/FAQ.html -----------
SLUG = "panda-imap"
DATE = "2022-06-09"  # debian/changelog date of alpine 2.26+dfsg-1 (FAQ text itself: "Last Updated: 5 May 2010")


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: extract.py PATH/TO/alpine-2.26/imap/docs/FAQ.html [OUT.csv]")
    out = argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "faq.csv")
    with open(argv[1], encoding="utf-8", errors="replace") as fh:
        doc = fh.read()
    body = doc.split("<!--=======START BODY-->", 1)[1]
    body = body.split("<p>Last Updated:", 1)[0]
    category = "general"
    rows = []
    for block in body.split('<a href="#top">Back to top</a>'):
        h2 = list(re.finditer(r"<h2>(.*?)</h2>", block, re.S))
        if h2:
            title = html_to_text(h2[-1].group(1))
            category = re.sub(r"^\d+\.\s*", "", title)
        answer_at = block.find("<dl>")
        if answer_at < 0:
            continue
        answer = html_to_text(block[answer_at:])
        # A question runs from its anchor to the next anchor or to the answer
        # (<dl>); some questions quote a message in <tt>/<pre>/<ul> after </a>.
        head = block[:answer_at]
        starts = [m.start() for m in re.finditer(r'<a name="\d+\.\d+">', head)]
        questions = [head[a:b] for a, b in zip(starts, starts[1:] + [len(head)])]
        if not questions and h2:           # "What is Panda IMAP?" intro entry
            questions = [h2[-1].group(1)]
            cat = "general"
        else:
            cat = category
        for q in questions:
            q = re.sub(r"^\d+\.\d+\s+", "", html_to_text(q))
            rows.append((q, answer, cat))
    write_csv(out, SLUG, rows, DATE)


if __name__ == "__main__":
    main(sys.argv)
