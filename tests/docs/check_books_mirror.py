"""The Chinese book mirrors the English one: its SUMMARY.md lists the same chapter files
in the same order, and no chapter of it keeps an English paragraph (a line of prose,
inline code and link targets aside, with eight or more English words and no Chinese
character), so an untranslated placeholder fails here."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from markdown_links import split_fences  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = re.compile(r"\]\(([^)#]+\.md)\)")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"\b[A-Za-z]{2,}\b")


def chapters(book: str) -> list[str]:
    return CHAPTER.findall((ROOT / "docs" / book / "src" / "SUMMARY.md").read_text(encoding="utf-8"))


def english_lines(path: Path) -> list[tuple[int, str]]:
    _, prose = split_fences(path.read_text(encoding="utf-8"))
    found = []
    for number, line in prose:
        text = re.sub(r"`[^`]*`", "", line)
        text = re.sub(r"\]\([^)]*\)", "]", text)
        text = re.sub(r"<[^>]+>", "", text)
        if len(WORD.findall(text)) >= 8 and not CJK.search(text):
            found.append((number, line.strip()))
    return found


def main() -> int:
    english, chinese = chapters("en"), chapters("zh")
    problems = []
    if english != chinese:
        problems.append(f"docs/zh/src/SUMMARY.md lists {chinese}, the English one {english}: the same chapters, in order")
    for name in chinese:
        path = ROOT / "docs" / "zh" / "src" / name
        if not path.exists():
            problems.append(f"docs/zh/src/{name} is missing")
            continue
        for number, line in english_lines(path):
            problems.append(f"docs/zh/src/{name}:{number}: untranslated English: {line[:80]}")
    for problem in problems:
        print(f"books: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"books: docs/zh mirrors docs/en ({len(english)} chapters), no English paragraph left in Chinese")
    return 0


if __name__ == "__main__":
    sys.exit(main())
