"""Helpers shared by the FAQ extractors (standard library only): HTML/Sphinx/Markdown
parsing, cleaning, cutting long answers, and writing faq.csv in the corpus format."""
import csv
import html
import os
import re
import sys
from html.parser import HTMLParser

HEADER = ["id", "question", "answer", "category", "tags", "product", "source", "date"]
MAX_ANSWER = 1500


def clean(text):
    """Collapse all whitespace to single spaces."""
    text = html.unescape(text).replace("\u00b6", "")
    return re.sub(r"\s+", " ", text).strip()


def truncate(text, limit=MAX_ANSWER):
    """Cut text longer than `limit` at the last sentence boundary before it."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = -1
    for m in re.finditer(r"[.!?:][\)\"'\u201d]?(?=\s)", head):
        cut = m.end()
    if cut >= limit // 2:
        return head[:cut].strip()
    sp = head.rfind(" ")
    return head[: sp if sp > 0 else limit].strip() + " \u2026"


def write_csv(path, slug, rows, date=""):
    """rows: list of (question, answer, category)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        n = 0
        for q, a, cat in rows:
            q, a = clean(q), truncate(clean(a))
            if not q or not a:
                continue
            n += 1
            w.writerow(["%s-%04d" % (slug, n), q, a, (clean(cat) or "general").lower(), "", "", "faq", date])
    print("wrote %d entries to %s" % (n, path), file=sys.stderr)
    return n


BLOCK = {"p", "div", "br", "li", "ul", "ol", "pre", "blockquote", "table", "tr", "td", "th",
         "dd", "dt", "dl", "section", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "nav"}


class Section:
    def __init__(self, level, parent=None):
        self.level = level
        self.parent = parent
        self.title = []
        self.body = []
        self.children = []

    @property
    def heading(self):
        return clean("".join(self.title))

    @property
    def text(self):
        return clean("".join(self.body))


class SphinxSections(HTMLParser):
    """Builds a tree of Sphinx <section> elements: heading text and own body text."""

    SKIP_CLASSES = ("headerlink", "contents", "toctree-wrapper", "sphinxsidebar")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Section(0)
        self.cur = None
        self.depth = 0
        self.in_heading = False
        self.skip_stack = []  # tag names opened while skipping
        self.tag_stack = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.skip_stack:
            if tag not in ("br", "img", "hr", "input", "meta", "link"):
                self.skip_stack.append(tag)
            return
        cls = a.get("class") or ""
        if tag in ("script", "style") or any(c in cls.split() for c in self.SKIP_CLASSES) \
                or a.get("id") == "contents":
            if tag not in ("br", "img", "hr", "input"):
                self.skip_stack.append(tag)
            return
        if tag == "section":
            parent = self.cur or self.root
            s = Section(parent.level + 1, parent)
            parent.children.append(s)
            self.cur = s
            return
        if re.fullmatch(r"h[1-6]", tag) and self.cur is not None:
            self.in_heading = True
            return
        if self.cur is not None and tag in BLOCK:
            self.cur.body.append("\n")

    def handle_startendtag(self, tag, attrs):
        if self.cur is not None and not self.skip_stack and tag in ("br", "hr"):
            self.cur.body.append("\n")

    def handle_endtag(self, tag):
        if self.skip_stack:
            # pop until matching tag
            while self.skip_stack:
                t = self.skip_stack.pop()
                if t == tag:
                    break
            return
        if tag == "section" and self.cur is not None:
            self.cur = self.cur.parent if self.cur.parent is not self.root else None
            return
        if re.fullmatch(r"h[1-6]", tag) and self.in_heading:
            self.in_heading = False
            return
        if self.cur is not None and tag in BLOCK:
            self.cur.body.append("\n")

    def handle_data(self, data):
        if self.skip_stack or self.cur is None:
            return
        if self.in_heading:
            self.cur.title.append(data)
        else:
            self.cur.body.append(data)


def parse_sphinx(path):
    p = SphinxSections()
    with open(path, encoding="utf-8") as fh:
        p.feed(fh.read())
    p.close()
    return p.root


def iter_sections(sec):
    for c in sec.children:
        yield c
        yield from iter_sections(c)


def ancestors(sec):
    out = []
    s = sec.parent
    while s is not None and s.level > 0:
        out.append(s)
        s = s.parent
    return list(reversed(out))


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def html_to_text(fragment):
    p = _Text()
    p.feed(fragment)
    p.close()
    return clean("".join(p.out))


def markdown_to_text(md):
    """Very small Markdown -> plain text converter (links, emphasis, code)."""
    md = re.sub(r"^```[\w+-]*\s*$", "", md, flags=re.M)       # code fences
    md = md.replace("```", "")                                   # one-line fences
    md = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", md)          # images
    def link(m):
        text, url = m.group(1), m.group(2).split()[0] if m.group(2).split() else ""
        return text if (not url or url.startswith("#") or text.strip() == url) else text
    md = re.sub(r"\[([^\]]+)\]\(([^)]*)\)", link, md)          # [text](url)
    md = re.sub(r"<(https?://[^>]+)>", r"\1", md)               # autolinks
    md = re.sub(r"`([^`]*)`", r"\1", md)                         # inline code
    md = re.sub(r"(\*\*|__)(.+?)\1", r"\2", md)                   # bold
    md = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?!\w)", r"\1", md)  # italics
    md = re.sub(r"^\s*[-*+]\s+", "", md, flags=re.M)             # bullets
    md = re.sub(r"^#+\s*", "", md, flags=re.M)                   # stray headings
    return clean(md)
