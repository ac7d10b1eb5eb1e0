"""The README's recipes are the examples' code (issue 33): every ``python`` block of the
README's platform section equals one region of ``bindings-python/examples/`` (the lines
between ``# [readme:NAME]`` and ``# [/readme:NAME]``, dedented), and every region is
shown in the README. The examples themselves run end to end in examples/run.sh."""

from __future__ import annotations

import difflib
import re
import textwrap
from pathlib import Path

BINDING = Path(__file__).resolve().parents[1]
README = BINDING / "README.md"
EXAMPLES = BINDING / "examples"
# The recipes: from this heading to the next level-2 heading.
RECIPES_HEADING = "## The platform: client, outbox, replica"
MARKER = re.compile(r"^\s*# \[(/?)readme:([a-z0-9-]+)\]\s*$")


def regions() -> dict[str, str]:
    """Every region of the examples, by name, dedented, without its marker lines."""
    found: dict[str, str] = {}
    for source in sorted(EXAMPLES.rglob("*.py")):
        open_name: str | None = None
        lines: list[str] = []
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            marker = MARKER.match(line)
            if marker is None:
                if open_name is not None:
                    lines.append(line)
                continue
            closing, name = marker.group(1) == "/", marker.group(2)
            where = f"{source.relative_to(BINDING)}:{number}"
            if not closing:
                assert open_name is None, f"{where}: region {name} opens inside region {open_name}"
                assert name not in found, f"{where}: region {name} is defined twice"
                open_name, lines = name, []
            else:
                assert open_name == name, f"{where}: closes {name}, but the open region is {open_name}"
                found[name] = textwrap.dedent("\n".join(lines)).strip("\n")
                open_name = None
        assert open_name is None, f"{source.relative_to(BINDING)}: region {open_name} is never closed"
    return found


def recipe_blocks() -> list[tuple[int, str]]:
    """Every ``python`` block of the README's recipes: (its first line's number, its text)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    assert RECIPES_HEADING in lines, f"README.md has no heading {RECIPES_HEADING!r}"
    start = lines.index(RECIPES_HEADING) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    blocks: list[tuple[int, str]] = []
    i = start
    while i < end:
        if lines[i].strip() == "```python":
            close = next(j for j in range(i + 1, end) if lines[j].strip() == "```")
            blocks.append((i + 2, "\n".join(lines[i + 1 : close]).strip("\n")))
            i = close
        i += 1
    return blocks


def blocks_without_region(blocks: list[tuple[int, str]], known: dict[str, str]) -> list[str]:
    """For each block that equals no region: where it is and its diff to the nearest one."""
    reports = []
    for line, text in blocks:
        if text in known.values():
            continue
        nearest = max(known, key=lambda name: difflib.SequenceMatcher(None, known[name], text).ratio())
        diff = "\n".join(difflib.unified_diff(
            known[nearest].splitlines(), text.splitlines(), f"examples region {nearest}", f"README.md:{line}", lineterm="",
        ))
        reports.append(f"README.md:{line}: this python block is no example's region; nearest:\n{diff}")
    return reports


def test_every_recipe_block_is_a_region_of_an_example() -> None:
    blocks = recipe_blocks()
    assert blocks, "the README's recipes hold no python block"
    reports = blocks_without_region(blocks, regions())
    assert not reports, "\n\n".join(reports)


def test_every_region_is_shown_in_the_readme() -> None:
    shown = {text for _, text in recipe_blocks()}
    missing = sorted(name for name, text in regions().items() if text not in shown)
    assert not missing, f"regions of the examples that no README block shows: {missing}"


def test_one_changed_character_is_a_difference() -> None:
    known = regions()
    assert {"client", "async-client", "fastapi", "flask", "django-urls"} <= set(known)
    changed = known["fastapi"].replace("/deductCheck", "/deductcheck", 1)
    reports = blocks_without_region([(1, known["flask"]), (2, changed)], known)
    assert len(reports) == 1 and reports[0].startswith("README.md:2:") and "examples region fastapi" in reports[0]
    assert "+add_deduct_check_route(app, handler)  # answers exactly POST /deductcheck" in reports[0]
