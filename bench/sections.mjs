// Sections of bench/RESULTS.md that one benchmark script writes on its own, between markers
// (`<!-- name -->` ... `<!-- /name -->`); bench/report.mjs keeps them when it rewrites the file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS = join(resolve(dirname(fileURLToPath(import.meta.url))), 'RESULTS.md');

/** The sections report.mjs keeps, in the order they appear. */
export const KEPT_SECTIONS = ['gateway-state', 'gateway-load', 'gateway-timing', 'gateway-timing-equal-ds', 'data-service'];

export function sectionRe(name) {
  return new RegExp(`<!-- ${name} -->[\\s\\S]*<!-- \\/${name} -->\\n`);
}

/** Replace (or add, before "## Reproduce") the section `name` with `lines` (without markers). */
export function writeSection(name, lines) {
  const block = [`<!-- ${name} -->`, ...lines, `<!-- /${name} -->`, ''].join('\n');
  let text = readFileSync(RESULTS, 'utf8');
  const re = sectionRe(name);
  if (re.test(text)) text = text.replace(re, () => block);
  else if (text.includes('## Reproduce')) text = text.replace('## Reproduce', () => `${block}## Reproduce`);
  else text += `\n${block}`;
  writeFileSync(RESULTS, text);
  console.log(`-> bench/RESULTS.md (section ${name})`);
}
