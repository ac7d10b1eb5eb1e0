// The README's "Bundlers and deployment" snippets are the examples' code: each fenced block
// of that section follows a `<!-- [readme:NAME] file -->` line and equals the region
// between `[readme:NAME]` and `[/readme:NAME]` in that example file (indentation removed),
// and every region of the examples is shown in the README.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const readme = readFileSync(here('../README.md'), 'utf8');
const EXAMPLE_FILES = [
  'vite/src/main.js',
  'vite5/vite.config.js',
  'vite5/src/main.js',
  'webpack/src/index.js',
  'webpack/index.html',
  'plain/index.html',
  'plain/main.js',
  'plain/server.mjs',
];

/** Removes the indentation common to all non-empty lines. */
function dedent(lines) {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => l.match(/^ */)[0].length);
  const cut = Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** Every `[readme:NAME]` region of an example file, as { name: text }. */
function regionsOf(file) {
  const lines = readFileSync(here(file), 'utf8').split('\n');
  const regions = {};
  lines.forEach((line, start) => {
    const name = line.match(/\[readme:([\w-]+)\]/)?.[1];
    if (!name) return;
    const end = lines.findIndex((l, i) => i > start && l.includes(`[/readme:${name}]`));
    assert.ok(end > start, `${file}: [readme:${name}] is not closed`);
    regions[name] = { file, text: dedent(lines.slice(start + 1, end)) };
  });
  return regions;
}

function section() {
  const start = readme.indexOf('\n## Bundlers and deployment\n');
  assert.ok(start >= 0, 'README.md has no "## Bundlers and deployment" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

test("the README's bundler snippets equal the examples' regions", () => {
  const regions = Object.assign({}, ...EXAMPLE_FILES.map(regionsOf));
  const text = section();
  const blocks = [...text.matchAll(/^(.*)\n```\w*\n([\s\S]*?)\n```$/gm)];
  assert.ok(blocks.length > 0);
  const shown = [];
  for (const [, before, code] of blocks) {
    const marker = before.match(/^<!-- \[readme:([\w-]+)\] (\S+) -->$/);
    assert.ok(marker, `a snippet without a "<!-- [readme:NAME] file -->" line before it: ${code.slice(0, 60)}`);
    const [, name, file] = marker;
    assert.ok(regions[name], `no [readme:${name}] region in the examples`);
    assert.equal(`examples/${regions[name].file}`, file, `[readme:${name}] is in examples/${regions[name].file}`);
    assert.equal(code, regions[name].text, `README snippet [readme:${name}] differs from ${file}`);
    shown.push(name);
  }
  assert.deepEqual(shown.sort(), Object.keys(regions).sort(), 'every region is shown in the README');
  console.log(`README: ${shown.length} snippets equal their examples' regions (${shown.join(', ')})`);
});
