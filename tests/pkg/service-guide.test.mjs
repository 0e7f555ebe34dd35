// The JavaScript examples of docs/service.md, run against the package. The ```js blocks of one
// `##` section run in order as one ES module, with `portcullis` and `portcullis/service` resolved
// to pkg/node.mjs and pkg/service/node.mjs; each module is written with the page's line numbers
// (every other line blank), so a failure's stack points at the page's own line. The Rust blocks
// of the same page are doc tests of the crate (src/lib.rs, `ServiceGuide`).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = new URL('../../', import.meta.url);
const PAGE = 'docs/service.md';
const text = readFileSync(new URL(PAGE, ROOT), 'utf8');

/** What an example may import: the package's two entries, and Node's own modules. */
const SPECIFIERS = new Map([
  ['portcullis', new URL('pkg/node.mjs', ROOT).href],
  ['portcullis/service', new URL('pkg/service/node.mjs', ROOT).href],
]);

/** Info strings of blocks that would be JavaScript but escape this runner. */
const UNRUN = ['javascript', 'mjs', 'cjs', 'jsx', 'ts', 'typescript', 'node'];

/**
 * The page's `##` sections with ```js blocks: `{ title, line, blocks: [{ line, body }] }`, lines
 * counted from 1. Headings inside code blocks do not count.
 */
function sections(page) {
  const lines = page.split('\n');
  const out = [];
  let section = { title: '(before the first section)', line: 1, blocks: [] };
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*```(.*)$/.exec(lines[i]);
    if (fence) {
      const info = fence[1].trim();
      let j = i + 1;
      while (j < lines.length && !/^\s*```/.test(lines[j])) j++;
      assert.ok(j < lines.length, `${PAGE}:${i + 1}: unclosed code block`);
      const lang = info.split(/[\s,]+/)[0];
      assert.ok(!UNRUN.includes(lang), `${PAGE}:${i + 1}: a \`${info}\` block would not run: write \`js\``);
      if (info === 'js') section.blocks.push({ line: i + 2, body: lines.slice(i + 1, j) });
      i = j;
      continue;
    }
    if (lines[i].startsWith('## ')) {
      if (section.blocks.length > 0) out.push(section);
      section = { title: lines[i].slice(3).trim(), line: i + 1, blocks: [] };
    }
  }
  if (section.blocks.length > 0) out.push(section);
  return { sections: out, lines: lines.length };
}

/** A section's module: its blocks at their own lines, the package's specifiers resolved. */
function moduleOf(section, lineCount) {
  const lines = new Array(lineCount).fill('');
  for (const block of section.blocks) {
    block.body.forEach((l, k) => {
      const at = block.line + k;
      const resolve = (whole, head, q, spec) => {
        if (spec.startsWith('node:')) return whole;
        const url = SPECIFIERS.get(spec);
        assert.ok(url !== undefined, `${PAGE}:${at}: an example imports \`${spec}\`: import from 'portcullis', 'portcullis/service' or node:`);
        return `${head}${q}${url}${q}`;
      };
      // Static imports (`import ... from '...'`, the `} from '...'` closing a long one, or
      // `import '...'`), and dynamic ones.
      lines[at - 1] = l
        .replace(/^(\s*import\b[^'"]*?\bfrom\s*|\s*\}\s*from\s*|\s*import\s*)(['"])([^'"]+)\2/, resolve)
        .replace(/(\bimport\(\s*)(['"])([^'"]+)\2/g, resolve);
    });
  }
  return lines.join('\n');
}

const { sections: found, lines } = sections(text);
const dir = mkdtempSync(join(tmpdir(), 'portcullis-service-guide-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the page has JavaScript examples where it teaches JavaScript', () => {
  const titles = found.map((s) => s.title);
  for (const t of ['Node and JavaScript', 'What to prepare once, what to cache, and what never to cache', 'Errors on the wire']) {
    assert.ok(titles.includes(t), `${PAGE}: no js examples under "## ${t}" (sections with examples: ${titles.join('; ')})`);
  }
  assert.ok(found.reduce((n, s) => n + s.blocks.length, 0) >= 8);
});

for (const section of found) {
  test(`${PAGE}: the js examples of "${section.title}" run (line ${section.line})`, async () => {
    const file = join(dir, `service.md-line-${section.line}.mjs`);
    writeFileSync(file, moduleOf(section, lines));
    // A failure's stack names this file at the page's line.
    await import(pathToFileURL(file).href);
  });
}
