// End-to-end: the builder in headless Chromium, checked against the same wasm package in Node.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { format, parse, preview, Store, validate } from '../../pkg/node.mjs';
import { loadSample, openBuilder, rows, settle, setup, shot } from './helpers.mjs';

let env;
let sample;
before(async () => {
  env = await setup();
  sample = loadSample();
});
after(() => env?.close());

const mainWs = () => sample.workspaces[0];
const entitiesOf = (ws, type) => sample.entities.filter((e) => e.workspace_id === ws && e.entity_type === type);

test("the seed's worked example, built by clicks and keys", async () => {
  const { page, finish } = await openBuilder(env);
  await page.getByLabel('Workspace').selectOption(mainWs().id);
  await page.getByLabel('Entity type').selectOption('detail');
  await page.getByLabel('Name').click();
  await page.keyboard.type('Concrete details (typical library)');
  await page.getByLabel('Description').click();
  await page.keyboard.type('Used by the data-warehouse vendor. Concrete details only, typical project type.');
  assert.equal(await page.locator('#name-count').textContent(), '34 / 255');

  // Row 1: project_type eq "typical". Adding a row focuses its attribute select.
  await page.getByRole('button', { name: '+ Condition' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Attribute of condition 1');
  await page.getByLabel('Attribute of condition 1').selectOption('project_type');
  await page.getByLabel('Operator of condition 1').selectOption('eq');
  await page.getByLabel('Value of condition 1').click();
  await page.keyboard.type('typical');

  // Row 2: tags intersects ["concrete"], the value typed as a chip and committed with Enter.
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.getByLabel('Attribute of condition 2').selectOption('tags');
  await page.getByLabel('Operator of condition 2').selectOption('intersects');
  await page.getByLabel('Value of condition 2: add a value').click();
  await page.keyboard.type('concrete');
  await page.keyboard.press('Enter');
  assert.deepEqual(await rows(page).nth(1).locator('.chip-text').allTextContents(), ['concrete']);
  await settle(page);

  // The text view shows the engine's canonical text of the tree.
  const predicate = { and: [
    { attr: 'project_type', op: 'eq', value: 'typical' },
    { attr: 'tags', op: 'intersects', value: ['concrete'] },
  ] };
  const canonical = format(predicate);
  assert.ok(canonical.ok);
  assert.equal(canonical.text, 'project_type eq "typical" AND tags intersects ["concrete"]');
  await page.getByRole('tab', { name: 'Text' }).click();
  assert.equal(await page.locator('#predicate-text').inputValue(), canonical.text);

  // Back to rows: the same tree.
  await page.getByRole('tab', { name: 'Rows' }).click();
  assert.equal(await rows(page).count(), 2);
  assert.equal(await page.getByLabel('Attribute of condition 1').inputValue(), 'project_type');
  assert.equal(await page.getByLabel('Value of condition 1').inputValue(), 'typical');
  assert.equal(await page.getByLabel('Operator of condition 2').inputValue(), 'intersects');

  // Preview: the same count as the engine over the same data in Node.
  const expected = preview({ entity_type: 'detail', name: 'x', predicate }, entitiesOf(mainWs().id, 'detail'));
  assert.ok(expected.ok && expected.count > 0 && !expected.truncated);
  await page.getByRole('button', { name: 'Preview match count' }).click();
  const out = page.locator('#preview-result');
  await out.locator('strong').waitFor();
  assert.equal(await out.getAttribute('data-count'), String(expected.count));
  assert.match(await out.textContent(), new RegExp(`^${expected.count.toLocaleString('en-US')} details match`));

  // The count follows edits after the first click: drop the tag condition.
  await page.getByRole('button', { name: 'Remove condition 2' }).click();
  const typical = preview({ entity_type: 'detail', name: 'x', predicate: { attr: 'project_type', op: 'eq', value: 'typical' } },
    entitiesOf(mainWs().id, 'detail'));
  await page.waitForFunction((n) => document.querySelector('#preview-result')?.dataset.count === n, String(typical.count));
  // ... and put it back with the keyboard only: Tab from the remove button to "+ Condition".
  await page.getByRole('button', { name: '+ Condition' }).focus();
  await page.keyboard.press('Enter');
  await page.getByLabel('Attribute of condition 2').selectOption('tags');
  await page.getByLabel('Value of condition 2: add a value').focus();
  await page.keyboard.type('concrete,');
  await page.waitForFunction((n) => document.querySelector('#preview-result')?.dataset.count === n, String(expected.count));

  // Save: the filter is listed and opens as an existing filter (workspace and type locked).
  assert.equal(await page.locator('#save-button').isEnabled(), true);
  await page.locator('#save-button').click();
  await page.waitForURL(/#\/filters\/flt_/);
  await page.getByRole('link', { name: /Concrete details \(typical library\)/ }).waitFor();
  assert.equal(await page.getByLabel('Entity type').isDisabled(), true);
  assert.equal(await page.getByLabel('Workspace').isDisabled(), true);
  assert.equal(await page.getByLabel('Description').inputValue(),
    'Used by the data-warehouse vendor. Concrete details only, typical project type.');
  assert.equal(await page.locator('#preview').textContent().then((t) => t.includes('null')), false);
  await finish('worked-example');
});

/** [value, count] of an attribute over entities, list elements counted apart. */
function valueCounts(entities, attr) {
  const counts = new Map();
  for (const e of entities) {
    const v = e.attributes[attr];
    if (v === undefined || v === null) continue;
    for (const x of Array.isArray(v) ? v : [v]) counts.set(String(x), (counts.get(String(x)) ?? 0) + 1);
  }
  return counts;
}

test('value suggestions: the workspace\'s most common values, following the workspace and attribute', async () => {
  const { page, finish } = await openBuilder(env);
  const offered = async (id) => (await page.locator(`#${id} option`).evaluateAll((os) => os.map((o) => [o.value, o.textContent])));
  const check = async (ws, type, attr, noun) => {
    const counts = valueCounts(entitiesOf(ws, type), attr);
    const want = Math.min(20, counts.size);
    const labels = [...counts].map(([value, n]) => [value, `${n.toLocaleString('en-US')} ${noun}`]);
    await page.waitForFunction(([id, n, expected]) => {
      const os = [...document.querySelectorAll(`#${id} option`)];
      const label = new Map(expected);
      return os.length === n && os.every((o) => label.get(o.value) === o.textContent);
    }, [`values-${attr}`, want, labels]);
    const got = await offered(`values-${attr}`);
    for (const [value, label] of got) assert.equal(label, `${counts.get(value).toLocaleString('en-US')} ${noun}`, value);
    const ns = got.map(([value]) => counts.get(value));
    assert.deepEqual(ns, [...ns].sort((x, y) => y - x), 'most common first');
    const least = ns[ns.length - 1];
    for (const [value, n] of counts) if (!got.some(([v]) => v === value)) assert.ok(n <= least, `${value} left out`);
  };
  const [main, second] = sample.workspaces;
  await page.getByLabel('Workspace').selectOption(main.id);
  await page.getByLabel('Entity type').selectOption('detail');
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.getByLabel('Attribute of condition 1').selectOption('tags');
  assert.equal(await page.getByLabel('Value of condition 1: add a value').getAttribute('list'), 'values-tags');
  await check(main.id, 'detail', 'tags', 'details');
  await page.getByLabel('Attribute of condition 1').selectOption('type');
  assert.equal(await page.getByLabel('Value of condition 1').getAttribute('list'), 'values-type');
  await check(main.id, 'detail', 'type', 'details');
  await page.getByLabel('Workspace').selectOption(second.id);
  await check(second.id, 'detail', 'type', 'details');
  await finish('value-suggestions');
});

test('a broad filter shows 10,000+ and says it is too broad', async () => {
  const { page, finish } = await openBuilder(env);
  await page.getByLabel('Name').fill('All details, spelled out');
  await page.getByRole('tab', { name: 'Text' }).click();
  const text = 'project_type in ["typical", "project-specific"] OR tags intersects ["concrete"]';
  await page.locator('#predicate-text').fill(text);
  await settle(page);
  const expected = preview({ entity_type: 'detail', name: 'x', predicate_text: text }, entitiesOf(mainWs().id, 'detail'));
  assert.deepEqual(expected, { ok: true, count: 10000, truncated: true });
  await page.getByRole('button', { name: 'Preview match count' }).click();
  await page.locator('#preview-result strong').waitFor();
  assert.equal(await page.locator('#preview-result strong').textContent(), '10,000+');
  assert.equal(await page.locator('[data-verdict="broad"]').count(), 1);
  await finish('truncated-preview');
});

test('the limits: an 11th child and a 6th level are refused', async () => {
  const { page, finish } = await openBuilder(env);
  const addCondition = page.locator('.group.level-1 > .group-head').getByRole('button', { name: '+ Condition' });
  for (let i = 0; i < 10; i++) await addCondition.click();
  assert.equal(await rows(page).count(), 10);
  assert.equal(await addCondition.isDisabled(), true);
  const addGroup = page.locator('.group.level-1 > .group-head').getByRole('button', { name: '+ Group' });
  assert.equal(await addGroup.isDisabled(), true);
  const reason = page.locator('.group.level-1 > .limit-reason');
  assert.match(await reason.textContent(), /at most 10 conditions and groups/);
  assert.equal(await addCondition.getAttribute('aria-describedby'), await reason.getAttribute('id'));
  await shot(page, 'limit-children');

  // Depth: start again and nest groups to the 5th level.
  await page.getByRole('link', { name: '+ New filter' }).click(); // a fresh editor, even from #/new
  await page.locator('.row').first().waitFor({ state: 'detached' });
  for (let level = 1; level < 5; level++) {
    await page.locator(`.group.level-${level} > .group-head`).getByRole('button', { name: '+ Group' }).click();
  }
  const deepest = page.locator('.group.level-5 > .group-head');
  assert.equal(await deepest.getByRole('button', { name: '+ Group' }).isDisabled(), true);
  assert.equal(await deepest.getByRole('button', { name: '+ Condition' }).isEnabled(), true);
  assert.match(await page.locator('.group.level-5 > .limit-reason').textContent(), /nest at most 5 levels/);
  // Five levels are valid for the engine: no depth error anywhere.
  await page.getByLabel('Name').fill('Deep');
  await settle(page);
  assert.equal(await page.locator('[data-code="max_depth_exceeded"]').count(), 0);
  await finish('limit-depth');
});

test('a bad UUID is flagged at its row', async () => {
  const { page, finish } = await openBuilder(env);
  await page.getByLabel('Entity type').selectOption('stash');
  await page.getByLabel('Name').fill('Stashes of one project');
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.getByLabel('Attribute of condition 1').selectOption('is_permanent');
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.getByLabel('Attribute of condition 2').selectOption('project_id');
  await page.getByLabel('Operator of condition 2').selectOption('eq');
  await page.getByLabel('Value of condition 2').fill('project-42');
  await settle(page);

  const [first, second] = [rows(page).nth(0), rows(page).nth(1)];
  assert.equal(await second.locator('.msg.error[data-code="invalid_uuid"]').count(), 1);
  assert.equal(await first.locator('.msg').count(), 0);
  assert.equal(await page.getByLabel('Value of condition 2').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#save-button').isDisabled(), true);
  await shot(page, 'bad-uuid');

  await page.getByLabel('Value of condition 2').fill(sample.projects[0].id);
  await settle(page);
  assert.equal(await second.locator('.msg').count(), 0);
  assert.equal(await page.locator('#save-button').isEnabled(), true);
  await finish('bad-uuid-fixed');
});

test('a syntax error typed in the text view is shown at its span', async () => {
  const { page, finish } = await openBuilder(env);
  await page.getByLabel('Name').fill('Typed by hand');
  await page.getByRole('tab', { name: 'Text' }).click();
  const text = 'type eq "concrete" AND AND tags intersects ["beam"]';
  await page.locator('#predicate-text').click();
  await page.keyboard.type(text);
  await settle(page);

  const parsed = parse(text);
  assert.equal(parsed.ok, false);
  const span = parsed.errors[0].location.span;
  const mark = page.locator('.text-backdrop mark.error');
  assert.equal(await mark.count(), 1);
  assert.equal(await mark.textContent(), text.slice(span.utf16_start, span.utf16_end) || ' ');
  assert.equal(await page.locator('#text-diags [data-code="syntax_error"]').count(), 1);
  assert.match(await page.locator('#text-diags .span-link').textContent(), new RegExp(`line ${span.line}, col ${span.column}`));
  assert.equal(await page.getByRole('tab', { name: 'Rows' }).isDisabled(), true);
  assert.equal(await page.locator('#save-button').isDisabled(), true);
  await shot(page, 'syntax-error');

  // A validation error is shown at its span too: an operator the attribute does not allow.
  const wrongOp = 'type like "concrete" AND tags intersects ["beam"]';
  await page.locator('#predicate-text').fill(wrongOp);
  await settle(page);
  const validation = validate({ entity_type: 'detail', name: 'x', predicate_text: wrongOp });
  const opError = validation.errors.find((e) => e.code === 'operator_not_allowed');
  assert.ok(opError?.location?.span, 'the engine gives the span of the bad condition');
  const opSpan = opError.location.span;
  assert.equal(await page.locator('.text-backdrop mark.error').textContent(), wrongOp.slice(opSpan.utf16_start, opSpan.utf16_end));
  assert.equal(await page.locator('#text-diags [data-code="operator_not_allowed"]').count(), 1);
  assert.equal(await page.getByRole('tab', { name: 'Rows' }).isEnabled(), true, 'it parses, so rows can show it');

  // Fixed, the rows view takes the parsed tree.
  await page.locator('#predicate-text').fill('type eq "concrete" AND tags intersects ["beam"]');
  await settle(page);
  await page.getByRole('tab', { name: 'Rows' }).click();
  assert.equal(await rows(page).count(), 2);
  assert.equal(await page.getByLabel('Attribute of condition 2').inputValue(), 'tags');
  await finish('text-view');
});

test('saving an edit asks "This will immediately affect N credentials. Continue?"', async () => {
  const id = 'flt_structural_families';
  const store = new Store();
  store.putFirm({ id: sample.firm.id, workspaces: sample.firm.workspaces });
  for (const f of sample.filters) store.putFilter(f);
  for (const { name: _n, ...key } of sample.keys) store.putKey(key);
  const n = store.keysHolding(id);
  assert.ok(n > 1, 'the sample has several keys holding this filter');
  store.free();

  const { page, finish } = await openBuilder(env, `#/filters/${id}`);
  assert.equal(await page.getByLabel('Workspace').isDisabled(), true);
  assert.equal(await page.getByLabel('Entity type').isDisabled(), true);
  assert.equal(await page.locator('#save-button').isDisabled(), true, 'nothing to save before an edit');
  await page.getByLabel('Value of condition 1').fill('Architectural');
  await settle(page);

  // Cancel first: nothing changes.
  await page.locator('#save-button').click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.equal(await dialog.locator('#confirm-question').textContent(),
    `This will immediately affect ${n} credentials. Continue?`);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Value of condition 1').inputValue(), 'Architectural');

  await page.locator('#save-button').click();
  await dialog.waitFor();
  await shot(page, 'edit-confirmation');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('#toast').getByText('Saved changes').waitFor();
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('portcullis.builder.v1.filters')));
  assert.deepEqual(stored.find((f) => f.id === id).predicate, { attr: 'category', op: 'eq', value: 'Architectural' });
  await finish('edit-saved');
});

test('tag filters offer no preview; a non-searchable detail filter says why', async () => {
  const { page, finish } = await openBuilder(env);
  await page.getByLabel('Entity type').selectOption('tag');
  await page.getByRole('button', { name: '+ Condition' }).click();
  assert.equal(await page.locator('#preview-button').count(), 0);
  assert.match(await page.locator('#preview-unavailable').textContent(), /not available for tag filters/);
  await shot(page, 'tag-no-preview');

  await page.goto(`${env.url}/www/#/filters/flt_project_details`);
  await page.locator('#preview-button').waitFor();
  assert.equal(await page.locator('#preview-button').isDisabled(), true);
  const reason = await page.locator('#preview-reason').textContent();
  assert.ok(reason.length > 10, 'the engine\'s reason is shown');
  assert.equal(await rows(page).nth(0).locator('.msg.warning[data-code="not_searchable"]').count(), 1);
  assert.equal(await page.locator('#save-button').isDisabled(), true, 'unchanged, so nothing to save');
  await finish('preview-unavailable');
});

test('a filter with NOT opens read-only in rows, with its text', async () => {
  const id = 'flt_non_draft_details';
  const { page, finish } = await openBuilder(env, `#/filters/${id}`);
  const record = sample.filters.find((f) => f.id === id);
  const canonical = parse(record.predicate_text);
  assert.ok(canonical.ok);
  assert.equal(await page.locator('#readonly-note').isVisible(), true);
  assert.equal(await page.locator('#readonly-text').textContent(), canonical.text);
  assert.equal(await page.getByRole('button', { name: '+ Condition' }).count(), 0);
  assert.equal(await page.locator('.badge.not').count(), 1);
  for (const select of await page.locator('.rows-panel select').all()) assert.equal(await select.isDisabled(), true);
  await shot(page, 'not-read-only-rows');
  await page.getByRole('tab', { name: 'Text' }).click();
  assert.equal(await page.locator('#predicate-text').inputValue(), canonical.text);
  await finish('not-read-only');
});

test('every control is labelled and focus is visible', async () => {
  const { page, finish } = await openBuilder(env, '#/filters/flt_steel_wood_details');
  await page.getByRole('button', { name: '+ Condition' }).first().click();
  await page.getByLabel('Operator of condition 3').selectOption('in');
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button, a[href]')]
    .filter((el) => !el.closest('[hidden]'))
    .filter((el) => {
      const label = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
        (el.labels && el.labels.length && el.labels[0].textContent.trim()) || el.textContent.trim();
      return !label;
    }).map((el) => el.outerHTML.slice(0, 120)));
  assert.deepEqual(unlabelled, []);
  // Keyboard: Tab reaches the name field from the entity type, and the focus ring is drawn.
  await page.getByLabel('Name').focus();
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  await finish('accessibility');
});
