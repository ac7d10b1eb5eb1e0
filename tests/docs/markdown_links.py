"""What the docs checks share: fenced code blocks, Markdown links and heading anchors.

Anchors are computed as GitHub and mdBook compute them (lower case; letters, digits, `-`
and `_` kept, CJK included; spaces become `-`; everything else dropped; a repeated
heading gets `-1`, `-2`, ...), so a `#fragment` into a Markdown file can be checked
without rendering it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+[^>]*(?:id|name)=\"([^\"]+)\"")


@dataclass
class Block:
    """One fenced code block: where it starts (1-based line of the opening fence)."""

    line: int
    info: str
    text: str


def split_fences(text: str) -> tuple[list[Block], list[tuple[int, str]]]:
    """The fenced code blocks, and the other lines (number, text) outside them."""
    blocks: list[Block] = []
    prose: list[tuple[int, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            prose.append((i + 1, lines[i]))
            i += 1
            continue
        fence = match.group(2)
        start = i
        body: list[str] = []
        i += 1
        # A fence closes on the same character, at least as many, and nothing else.
        while i < len(lines) and not re.match(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$", lines[i]):
            body.append(lines[i])
            i += 1
        blocks.append(Block(start + 1, match.group(3).strip(), "\n".join(body)))
        i += 1
    return blocks, prose


def slug(heading: str) -> str:
    """The anchor GitHub and mdBook give a heading."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = re.sub(r"<[^>]+>", "", text)
    text = text.replace("`", "").replace("*", "").lower()
    return "".join(ch for ch in text if ch.isalnum() or ch in "-_ ").replace(" ", "-")


def anchors_of_markdown(path: Path) -> set[str]:
    """Every anchor a Markdown file offers: its headings' slugs and explicit <a id>."""
    _, prose = split_fences(path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, line in prose:
        found.update(HTML_ANCHOR.findall(line))
        match = HEADING.match(line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def markdown_links(path: Path) -> list[tuple[int, str]]:
    """(line, target) of every Markdown link outside code blocks and inline code."""
    _, prose = split_fences(path.read_text(encoding="utf-8"))
    links = []
    for number, line in prose:
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
            links.append((number, target))
    return links


def is_external(target: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target)) or target.startswith("//")
