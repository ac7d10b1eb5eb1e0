"""Every relative link of every page mdBook built resolves: mdBook itself does not fail
on a broken link. Each href/src of each .html page under the built books is resolved
against the page; a #fragment against the ids of the page it points to. A link that
leaves the books points into the repository (mdBook turned its `.md` into `.html`): the
file or folder must exist there, and its #fragment must be a heading of the Markdown.

Usage: python3 tests/docs/check_book_links.py BUILT_DIR...   (e.g. docs/book/en docs/book/zh)
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from markdown_links import anchors_of_markdown, is_external  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LINKING = {"a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src", "source": "src"}


class Page(HTMLParser):
    """The ids a page offers and the (attribute value) links it makes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if values.get(name):
                self.ids.add(values[name] or "")
        wanted = LINKING.get(tag)
        if wanted and values.get(wanted) is not None:
            self.links.append(values[wanted] or "")


def parse(path: Path, cache: dict[Path, Page]) -> Page:
    if path not in cache:
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        cache[path] = page
    return cache[path]


def check(built: list[Path]) -> tuple[int, int, list[str]]:
    cache: dict[Path, Page] = {}
    problems: list[str] = []
    pages = sorted(p for root in built for p in root.rglob("*.html"))
    checked = 0
    for page_path in pages:
        page = parse(page_path, cache)
        shown = page_path.relative_to(ROOT)
        for link in page.links:
            if not link or is_external(link) or link.startswith(("javascript:", "data:")):
                continue
            checked += 1
            parts = urlsplit(link)
            fragment = unquote(parts.fragment)
            target = (page_path.parent / unquote(parts.path)).resolve() if parts.path else page_path
            if not target.is_relative_to(ROOT):
                problems.append(f"{shown}: {link} leaves the repository")
                continue
            inside_books = any(target.is_relative_to(root) for root in built)
            if target.is_dir() and inside_books:
                target = target / "index.html"  # a web server's answer for a folder of the book
            if not target.exists() and not inside_books and target.suffix == ".html" and target.with_suffix(".md").exists():
                target = target.with_suffix(".md")  # mdBook rewrote a link into the repository
            if not target.exists():
                problems.append(f"{shown}: {link}: {target.relative_to(ROOT)} does not exist")
                continue
            if not fragment:
                continue
            if target.suffix == ".html":
                ids = parse(target, cache).ids
            elif target.suffix == ".md":
                ids = anchors_of_markdown(target)
            else:
                problems.append(f"{shown}: {link}: a #fragment into {target.relative_to(ROOT)}, which has no anchors")
                continue
            if fragment not in ids:
                problems.append(f"{shown}: {link}: {target.relative_to(ROOT)} has no id {fragment!r}")
    return len(pages), checked, problems


def main(argv: list[str]) -> int:
    built = [Path(p).resolve() for p in argv]
    missing = [str(p) for p in built if not p.is_dir()]
    if not built or missing:
        print(f"book links: no built book at {', '.join(missing) or '(none given)'}", file=sys.stderr)
        return 2
    pages, checked, problems = check(built)
    for problem in problems:
        print(f"book links: {problem}", file=sys.stderr)
    if problems:
        print(f"book links: {len(problems)} broken of {checked} links in {pages} pages", file=sys.stderr)
        return 1
    if pages == 0:
        print("book links: the built books hold no page", file=sys.stderr)
        return 1
    print(f"book links: {checked} relative links in {pages} pages resolve (files and #fragments)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
