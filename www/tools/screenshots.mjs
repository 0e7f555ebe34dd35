// The README's pictures of the pages: starts the demo as the tests do (tests/helpers.mjs), goes
// through the builder and the settings pages by clicks, and writes www/screenshots/*.png (1280x800
// viewport, the builder 1280x960; one page at 390px). Run by hand after a visible change, not by CI:
//
//   node www/tools/screenshots.mjs
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startDemo } from '../tests/helpers.mjs';

const OUT = resolve(dirname(fileURLToPath(import.meta.url)), '../screenshots');
const WORKED_EXAMPLE = 'Concrete details (typical library)';

const demo = await startDemo();
const browser = await launchBrowser();
const problems = [];
try {
  mkdirSync(OUT, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  const save = async (name) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    // Fonts loaded and two frames painted since the last change (no fixed wait).
    await page.evaluate(() => document.fonts.ready.then(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)))));
    await page.screenshot({ path: resolve(OUT, `${name}.png`) });
    console.log(`screenshots/${name}.png`);
  };

  // The filter builder on the worked example, its match count asked for (a taller view to show it).
  await page.setViewportSize({ width: 1280, height: 960 });
  await page.goto(`${demo.url}/`);
  await page.waitForSelector('body[data-ready]');
  await page.getByRole('link', { name: new RegExp(WORKED_EXAMPLE.replace(/[()]/g, '\\$&')) }).first().click();
  await page.getByRole('button', { name: 'Preview match count' }).click();
  await page.locator('#preview-result strong').waitFor();
  await save('filter-builder');
  await page.setViewportSize({ width: 1280, height: 800 });

  const nav = (name) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true });
  await nav('API keys').click();
  await page.locator('#keys-table').waitFor();
  await save('keys-list');

  await page.getByRole('button', { name: 'Create new API key' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Acme BI export (data team)');
  await page.getByLabel(`Read: ${WORKED_EXAMPLE}`, { exact: true }).check();
  await page.getByLabel(`Download: ${WORKED_EXAMPLE}`, { exact: true }).check();
  await save('key-create');

  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.getByRole('dialog', { name: 'API key created' }).waitFor();
  await save('credentials-dialog');

  await page.getByRole('button', { name: 'Done' }).click();
  await page.locator('#key-details').waitFor();
  await page.getByRole('button', { name: 'Reveal secret' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Reveal secret' }).click();
  await page.getByRole('dialog', { name: 'Client Secret' }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await save('key-page');

  await nav('Audit log').click();
  await page.locator('#audit-table').waitFor();
  await save('audit-log');

  await page.setViewportSize({ width: 390, height: 844 });
  await nav('API keys').click();
  await page.locator('#keys-table').waitFor();
  await save('keys-list-narrow');
  await context.close();
} finally {
  await browser.close();
  await demo.stop();
}
if (problems.length) {
  console.error(`console errors:\n${problems.join('\n')}`);
  process.exitCode = 1;
}
