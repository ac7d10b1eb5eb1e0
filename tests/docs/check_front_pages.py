"""The two front pages cannot drift: README.md and README.zh-CN.md hold the same fenced
code blocks, in the same order, with the same content; and every relative link of both
(files, folders, #anchors) resolves in this repository.

Usage: python3 tests/docs/check_front_pages.py [ENGLISH CHINESE]
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from markdown_links import anchors_of_markdown, is_external, markdown_links, split_fences  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def first_line_difference(a: str, b: str) -> int:
    """1-based line inside the blocks where they first differ."""
    a_lines, b_lines = a.split("\n"), b.split("\n")
    for i, (x, y) in enumerate(zip(a_lines, b_lines)):
        if x != y:
            return i + 1
    return min(len(a_lines), len(b_lines)) + 1


def compare_blocks(english: Path, chinese: Path) -> list[str]:
    a, _ = split_fences(english.read_text(encoding="utf-8"))
    b, _ = split_fences(chinese.read_text(encoding="utf-8"))
    for index, (x, y) in enumerate(zip(a, b), start=1):
        if x.info != y.info or x.text != y.text:
            inner = first_line_difference(x.text, y.text)
            what = f"its info string ({x.info!r} vs {y.info!r})" if x.info != y.info else f"line {inner} of the block"
            return [
                f"code block {index} differs ({what}): {english.name}:{x.line} vs {chinese.name}:{y.line}; "
                f"the two front pages must show the same code, block for block"
            ]
    if len(a) != len(b):
        longer, extra = (english, a[len(b)]) if len(a) > len(b) else (chinese, b[len(a)])
        return [
            f"{english.name} has {len(a)} code blocks, {chinese.name} {len(b)}: "
            f"block {min(len(a), len(b)) + 1} ({longer.name}:{extra.line}) has no counterpart"
        ]
    return []


def check_links(page: Path) -> list[str]:
    problems = []
    for line, target in markdown_links(page):
        if is_external(target):
            continue
        path_part, _, fragment = target.partition("#")
        resolved = (page.parent / unquote(path_part)).resolve() if path_part else page
        where = f"{page.relative_to(ROOT)}:{line}: link {target}"
        if not resolved.exists():
            problems.append(f"{where}: {resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else resolved} does not exist")
        elif fragment and resolved.suffix == ".md" and unquote(fragment) not in anchors_of_markdown(resolved):
            problems.append(f"{where}: {resolved.relative_to(ROOT)} has no heading with anchor #{fragment}")
    return problems


def check_language_links(english: Path, chinese: Path) -> list[str]:
    """Each front page links to the other on its first line."""
    problems = []
    for page, other in ((english, chinese), (chinese, english)):
        first = page.read_text(encoding="utf-8").split("\n", 1)[0]
        if f"]({other.name})" not in first:
            problems.append(f"{page.name}: its first line does not link to {other.name}")
    return problems


def main(argv: list[str]) -> int:
    english, chinese = (Path(p).resolve() for p in argv) if argv else (ROOT / "README.md", ROOT / "README.zh-CN.md")
    problems = compare_blocks(english, chinese) + check_language_links(english, chinese)
    problems += check_links(english) + check_links(chinese)
    for problem in problems:
        print(f"front pages: {problem}", file=sys.stderr)
    blocks, _ = split_fences(english.read_text(encoding="utf-8"))
    links = len(markdown_links(english)) + len(markdown_links(chinese))
    if problems:
        print(f"front pages: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"front pages: {len(blocks)} code blocks equal in README.md and README.zh-CN.md; {links} links resolve")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
