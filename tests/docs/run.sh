#!/usr/bin/env bash
# The documentation's checks (tests/run-all.sh runs this): the two front pages hold the
# same code blocks and their links resolve; both books (docs/en, docs/zh) build with the
# pinned mdBook; every relative link of every built page resolves, #fragments included.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Pinned: the books' book.toml and theme are written for this version. Without default
# features (no `serve`/`watch`, no search index): the build is all the test needs.
MDBOOK_VERSION=0.5.4
started=$SECONDS

python3 tests/docs/check_front_pages.py

if [ "$(mdbook --version 2>/dev/null || true)" != "mdbook v$MDBOOK_VERSION" ]; then
    echo "installing mdbook $MDBOOK_VERSION (cargo install --locked --no-default-features; a few minutes once)"
    cargo install --locked --no-default-features mdbook --version "$MDBOOK_VERSION"
fi
mdbook --version

rm -rf docs/book
for language in en zh; do
    mdbook build "docs/$language" 2>&1 | sed "s/^/[mdbook $language] /"
    # mdBook writes a page for every chapter of SUMMARY.md; a missing one is an error above.
    [ -f "docs/book/$language/index.html" ] || { echo "docs/book/$language/index.html was not built" >&2; exit 1; }
done
python3 tests/docs/check_book_links.py docs/book/en docs/book/zh
python3 tests/docs/check_books_mirror.py
echo "docs: front pages, both books and their links checked in $((SECONDS - started)) s"
