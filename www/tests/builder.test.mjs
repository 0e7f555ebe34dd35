// End-to-end: the builder in headless Chromium, checked against the same wasm package in Node.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { format, parse, preview, previewPredicate, Store, validate } from '../../pkg/node.mjs';
import { loadSample, openBuilder, rows, settle, setup, shot, smallTargets } from './helpers.mjs';

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
  await page.getByRole('dialog').getByRole('button', { name: 'Leave without saving' }).click(); // ten rows to lose
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
  const names = store.keyIdsHolding(id).map((k) => sample.keys.find((x) => x.id === k).name).sort();
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
  assert.equal(await dialog.locator('#confirm-held-by').textContent(), `The keys: ${names.join(', ')}`);
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
  await page.getByRole('dialog').getByRole('button', { name: 'Leave without saving' }).click(); // the new tag filter
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
  // The Rows tab cannot show NOT: it says the Text tab edits this filter (whoever wrote it).
  const note = await page.locator('#readonly-note').textContent();
  assert.match(note, /Edit this filter in the Text tab/);
  assert.doesNotMatch(note, /written through the API/);
  assert.equal(await page.locator('#readonly-text').textContent(), canonical.text);
  assert.equal(await page.getByRole('button', { name: '+ Condition' }).count(), 0);
  assert.equal(await page.locator('.badge.not').count(), 1);
  for (const select of await page.locator('.rows-panel select').all()) assert.equal(await select.isDisabled(), true);
  await shot(page, 'not-read-only-rows');
  await page.getByRole('button', { name: 'Edit in the Text tab' }).click();
  assert.equal(await page.getByRole('tab', { name: 'Text' }).getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#predicate-text').inputValue(), canonical.text);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'predicate-text');
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

/** The sample's keys holding a filter, by name, as the engine counts them (a Store in Node). */
function holders(filterId) {
  const store = new Store();
  store.putFirm({ id: sample.firm.id, workspaces: sample.firm.workspaces });
  for (const f of sample.filters) store.putFilter(f);
  for (const { name: _n, ...key } of sample.keys) store.putKey(key);
  const ids = store.keyIdsHolding(filterId);
  store.free();
  return ids.map((id) => sample.keys.find((k) => k.id === id).name).sort();
}

test('which keys hold each filter, by name, in the list and on the edit page', async () => {
  const { page, finish } = await openBuilder(env, '#/filters/flt_structural_families');
  for (const f of sample.filters) {
    const names = holders(f.id);
    const want = names.length ? `Held by ${names.length} ${names.length === 1 ? 'key' : 'keys'}: ${names.join(', ')}` : 'Held by no key';
    assert.equal(await page.locator(`.filter-link[data-id="${f.id}"] .filter-held`).textContent(), want, f.id);
  }
  const names = holders('flt_structural_families');
  assert.ok(names.length >= 3);
  assert.equal(await page.locator('#held-by').textContent(), `Held by ${names.length} keys: ${names.join(', ')}`);
  // Standalone there are no key pages (they are the gateway's): the names are not links.
  assert.deepEqual(await page.locator('#held-by .key-name').allTextContents(), names);
  assert.equal(await page.locator('#held-by a').count(), 0);
  // The archive confirmation: the engine's count and its keys, named, asked when it opens.
  await page.getByRole('button', { name: 'Archive…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Archive this filter?' });
  await dialog.waitFor();
  assert.match(await dialog.locator('#confirm-question').textContent(), new RegExp(`^${names.length} credentials hold this filter`));
  assert.equal(await dialog.locator('#confirm-held-by').textContent(), `Held by: ${names.join(', ')}`);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('link', { name: /Details of Main project 01/ }).click();
  await page.locator('#held-by').getByText('Held by no key yet').waitFor();
  await finish('held-by');
});

test('filters with the same name are told apart in the list', async () => {
  const { page, finish } = await openBuilder(env);
  const twin = sample.filters.find((f) => f.id === 'flt_steel_wood_details');
  await page.getByLabel('Name').fill(twin.name);
  await page.getByRole('tab', { name: 'Text' }).click();
  await page.locator('#predicate-text').fill('type eq "steel"');
  await settle(page);
  await page.locator('#save-button').click();
  await page.waitForURL(/#\/filters\/flt_/);
  const id = decodeURIComponent(/#\/filters\/(.+)$/.exec(page.url())[1]);
  const links = page.locator('.filter-link').filter({ has: page.locator('.filter-name', { hasText: new RegExp(`^${twin.name}$`) }) });
  await page.waitForFunction(() => document.querySelectorAll('.filter-detail').length === 2);
  assert.equal(await links.count(), 2);
  const details = await links.locator('.filter-detail').allTextContents();
  assert.notEqual(details[0], details[1]);
  const today = new Date().toISOString().slice(0, 10);
  assert.deepEqual(details.sort(), [`created ${today} · ${id}`, twin.id].sort());
  // Only the twins carry a detail; each one's accessible name differs.
  assert.equal(await page.locator('.filter-detail').count(), 2);
  const [a, b] = await links.evaluateAll((as) => as.map((x) => x.textContent));
  assert.notEqual(a, b);
  await finish('duplicate-names');
});

test('unsaved changes: leaving asks first; Stay keeps the edits, Leave goes', async () => {
  const { page, finish } = await openBuilder(env, '#/filters/flt_steel_wood_details');
  const dialog = page.getByRole('dialog');
  // Nothing edited: other filters open without a question.
  await page.getByRole('link', { name: /Structural families/ }).click();
  await page.waitForFunction(() => document.querySelector('#filter-name')?.value === 'Structural families');
  assert.equal(await dialog.count(), 0);
  await page.getByRole('link', { name: /Steel or wood details/ }).click();
  await page.waitForFunction(() => document.querySelector('#filter-name')?.value === 'Steel or wood details');

  await page.getByLabel('Value of condition 1').fill('concrete');
  await settle(page);
  // A sidebar link: the question, and the page stays on this filter meanwhile.
  await page.getByRole('link', { name: /Structural families/ }).click();
  await dialog.waitFor();
  assert.equal(await dialog.locator('#confirm-title').textContent(), 'Leave without saving?');
  assert.match(page.url(), /#\/filters\/flt_steel_wood_details$/);
  await shot(page, 'unsaved-changes-question');
  await dialog.getByRole('button', { name: 'Stay and keep editing' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.match(page.url(), /#\/filters\/flt_steel_wood_details$/);
  assert.equal(await page.getByLabel('Value of condition 1').inputValue(), 'concrete');
  assert.equal(await page.locator('#save-button').isEnabled(), true);

  // "+ New filter": asked again; Leave goes there.
  await page.getByRole('link', { name: '+ New filter' }).click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Leave without saving' }).click();
  await page.waitForURL(/#\/new$/);
  assert.equal(await page.locator('#editor-title').textContent(), 'New filter');
  // Back in history to the edited filter: it opens as stored (the edit was let go).
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('#filter-name')?.value === 'Steel or wood details');
  assert.equal(await page.getByLabel('Value of condition 1').inputValue(), 'steel');

  // "+ New filter" while on a new, edited filter: asked too.
  await page.getByRole('link', { name: '+ New filter' }).click();
  await page.waitForURL(/#\/new$/);
  await page.getByLabel('Name').fill('Half-written');
  await page.getByRole('link', { name: '+ New filter' }).click();
  await dialog.waitFor();
  await page.keyboard.press('Escape'); // Escape is "stay"
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Name').inputValue(), 'Half-written');

  // Closing the tab: the browser's own question (beforeunload).
  const asked = new Promise((ok) => page.once('dialog', async (d) => { ok(d.type()); await d.dismiss(); }));
  await page.close({ runBeforeUnload: true });
  assert.equal(await asked, 'beforeunload');
  assert.equal(page.isClosed(), false, 'dismissed: the page stays');
  await finish('unsaved-changes');
});

test('unsaved changes and Back or a link: Stay keeps the page, the edits and the history as they were', async () => {
  const { page, finish } = await openBuilder(env, '#/new');
  const dialog = page.getByRole('dialog');
  const open = async (name) => {
    await page.getByRole('link', { name: new RegExp(name) }).click();
    await page.waitForFunction((n) => document.querySelector('#filter-name')?.value === n, name);
  };
  await open('Structural families');
  await open('Steel or wood details');
  await page.getByLabel('Value of condition 1').fill('concrete');
  await settle(page);
  const entries = await page.evaluate(() => history.length);

  // A link: asked before it is followed; Stay adds no history entry and leaves the URL alone.
  await page.getByRole('link', { name: /Structural families/ }).click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Stay and keep editing' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.match(page.url(), /#\/filters\/flt_steel_wood_details$/);
  assert.equal(await page.evaluate(() => history.length), entries, 'no entry added');

  // Back: the browser has moved when the page hears of it; Stay moves it back to the edited filter.
  await page.evaluate(() => history.back());
  await dialog.waitFor();
  await page.waitForURL(/#\/filters\/flt_structural_families$/);
  await dialog.getByRole('button', { name: 'Stay and keep editing' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.waitForURL(/#\/filters\/flt_steel_wood_details$/);
  assert.equal(await page.getByLabel('Value of condition 1').inputValue(), 'concrete', 'the edits are kept');
  assert.equal(await page.locator('#filter-name').inputValue(), 'Steel or wood details');

  // Back again: the entry before is still the other filter's (not overwritten), so the page asks
  // again instead of leaving; a second Back while it asks opens no second question.
  await page.evaluate(() => history.back());
  await dialog.waitFor();
  await page.waitForURL(/#\/filters\/flt_structural_families$/);
  await page.evaluate(() => history.back());
  await page.waitForURL(/#\/new$/);
  assert.equal(await page.getByRole('dialog').count(), 1, 'one question at a time');
  await dialog.getByRole('button', { name: 'Stay and keep editing' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.waitForURL(/#\/filters\/flt_steel_wood_details$/);
  assert.equal(await page.getByLabel('Value of condition 1').inputValue(), 'concrete');

  // Back, then Leave: the page shown is the entry the browser is on.
  await page.evaluate(() => history.back());
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Leave without saving' }).click();
  await page.waitForFunction(() => document.querySelector('#filter-name')?.value === 'Structural families');
  assert.match(page.url(), /#\/filters\/flt_structural_families$/);
  // Forward: the edited filter as stored, without a question (the edits were let go).
  await page.evaluate(() => history.forward());
  await page.waitForFunction(() => document.querySelector('#filter-name')?.value === 'Steel or wood details');
  assert.equal(await page.getByLabel('Value of condition 1').inputValue(), 'steel');
  assert.equal(await dialog.count(), 0);
  await finish('unsaved-changes-history');
});

test('text typed within the validation delay counts as an edit: leaving at once asks', async () => {
  const { page, finish } = await openBuilder(env, '#/filters/flt_steel_wood_details');
  const dialog = page.getByRole('dialog');
  await page.getByRole('tab', { name: 'Text' }).click();
  const before = await page.locator('#predicate-text').inputValue();
  await page.locator('#predicate-text').press('Control+End');
  await page.keyboard.type(' OR type eq "glass"');
  // At once, before the editor has validated what was typed.
  await page.getByRole('link', { name: /Structural families/ }).click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Stay and keep editing' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.locator('#predicate-text').inputValue(), `${before} OR type eq "glass"`);
  assert.match(page.url(), /#\/filters\/flt_steel_wood_details$/);
  await finish('unsaved-typed-text');
});

test('an empty text value is a notice at its row and in the text, and still saves', async () => {
  const { page, finish } = await openBuilder(env);
  await page.getByLabel('Name').fill('Untyped details');
  await page.getByRole('button', { name: '+ Condition' }).click(); // `type eq ""`: the value not typed yet
  await settle(page);
  const input = { entity_type: 'detail', name: 'Untyped details', predicate: { and: [{ attr: 'type', op: 'eq', value: '' }] } };
  const v = validate(input);
  assert.equal(v.valid, true);
  const [notice] = v.notices;
  assert.equal(notice.code, 'empty_text_value');
  const msg = rows(page).nth(0).locator('.msg[data-code="empty_text_value"]');
  assert.equal(await msg.getAttribute('data-severity'), 'notice');
  assert.match(await msg.textContent(), new RegExp(notice.message.replace(/[.*+?^${}()|[\]\\`]/g, '\\$&')));
  assert.equal(await rows(page).nth(0).evaluate((r) => r.classList.contains('has-warning')), true);
  assert.equal(await page.locator('#save-status').textContent(), 'Ready to save, with 1 notice to check.');
  assert.equal(await page.locator('#save-button').isEnabled(), true);

  // In the text, under the engine's span of the empty value.
  await page.getByRole('tab', { name: 'Text' }).click();
  const text = 'type eq "" AND tags intersects ["concrete"]';
  await page.locator('#predicate-text').fill(text);
  await settle(page);
  const span = validate({ ...input, predicate: undefined, predicate_text: text }).notices[0].location.span;
  const mark = page.locator('.text-backdrop mark[data-severity="notice"]');
  assert.equal(await mark.textContent(), text.slice(span.utf16_start, span.utf16_end));
  assert.equal(await page.locator('#text-diags [data-code="empty_text_value"]').count(), 1);
  assert.equal(await page.locator('#save-button').isEnabled(), true);
  await page.locator('#save-button').click();
  await page.waitForURL(/#\/filters\/flt_/);
  const id = decodeURIComponent(/#\/filters\/(.+)$/.exec(page.url())[1]);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('portcullis.builder.v1.filters')));
  assert.deepEqual(stored.find((f) => f.id === id).predicate, parse(text).predicate);
  await finish('empty-text-notice');
});

test('a new form lists what is in the way of saving, and a nameless filter still counts', async () => {
  const { page, finish } = await openBuilder(env);
  // Untouched: no message inline, but the save bar lists each problem by what it concerns.
  const fresh = validate({ entity_type: 'detail', name: '', predicate: { and: [] } });
  const pending = page.locator('#pending li');
  assert.deepEqual(await pending.allTextContents(), [
    `Name — ${fresh.errors.find((e) => e.location.path === '$.name').message}`,
    `Conditions — ${fresh.errors.find((e) => e.location.path === '$.predicate').message}`,
  ]);
  assert.equal(await page.locator('.msgs .msg').count(), 0);
  await pending.getByRole('button', { name: 'Name' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'filter-name');

  // A condition with a bad value: "Condition 1", and its button focuses that value.
  await page.getByLabel('Entity type').selectOption('stash');
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.getByLabel('Attribute of condition 1').selectOption('project_id');
  await page.getByLabel('Value of condition 1').fill('project-42');
  await settle(page);
  const bad = validate({ entity_type: 'stash', name: '', predicate: { and: [{ attr: 'project_id', op: 'eq', value: 'project-42' }] } });
  const uuidError = bad.errors.find((e) => e.code === 'invalid_uuid');
  assert.deepEqual(await pending.allTextContents(), [
    `Name — ${bad.errors.find((e) => e.location.path === '$.name').message}`,
    `Condition 1 — ${uuidError.message}`,
  ]);
  await page.getByLabel('Name').focus();
  await pending.getByRole('button', { name: 'Condition 1' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Value of condition 1');
  await shot(page, 'pending-problems');

  // A valid predicate, still no name: the preview counts the predicate alone.
  const project = sample.projects.find((p) => p.workspace_id === mainWs().id);
  await page.getByLabel('Value of condition 1').fill(project.id);
  await settle(page);
  assert.deepEqual(await pending.allTextContents(), [`Name — ${bad.errors.find((e) => e.location.path === '$.name').message}`]);
  assert.equal(await page.locator('#save-button').isDisabled(), true);
  const expected = previewPredicate({ entity_type: 'stash', predicate: { and: [{ attr: 'project_id', op: 'eq', value: project.id }] } },
    entitiesOf(mainWs().id, 'stash'));
  assert.ok(expected.ok && expected.count > 0, JSON.stringify(expected));
  await page.getByRole('button', { name: 'Preview match count' }).click();
  const out = page.locator('#preview-result');
  await out.locator('strong').waitFor();
  assert.equal(await out.getAttribute('data-count'), String(expected.count));
  assert.equal(await out.getAttribute('data-basis'), 'predicate');
  // Named, it is the whole filter's preview, with the same count.
  await page.getByLabel('Name').fill('Stashes of one project');
  await page.waitForFunction(() => document.querySelector('#preview-result')?.dataset.basis === 'filter');
  assert.equal(await out.getAttribute('data-count'), String(expected.count));
  assert.equal(await page.locator('#pending').isHidden(), true);
  await finish('nameless-preview');
});

test('created_by is offered by user name; the value stored is the UUID', async () => {
  const { page, finish } = await openBuilder(env);
  await page.getByLabel('Entity type').selectOption('stash');
  await page.getByLabel('Name').fill('Stashes by Chloe');
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.getByLabel('Attribute of condition 1').selectOption('created_by');
  const users = sample.users.filter((u) => u.workspace_id === mainWs().id);
  const value = page.getByLabel('Value of condition 1');
  assert.equal(await value.getAttribute('list'), 'values-created_by');
  const offered = await page.locator('#values-created_by option').evaluateAll((os) => os.map((o) => [o.value, o.label]));
  assert.deepEqual(offered, users.map((u) => [u.id, u.name]));
  // Typed out by name (a datalist pick sets the same UUID), the field takes the id; the name shows beside it.
  const chloe = users.find((u) => u.name === 'Chloe Nguyen');
  await value.click();
  await page.keyboard.type('Chloe Nguyen');
  await page.keyboard.press('Tab');
  assert.equal(await value.inputValue(), chloe.id);
  assert.equal(await rows(page).nth(0).locator('.value-name').textContent(), '= Chloe Nguyen');
  await settle(page);
  assert.equal(await rows(page).nth(0).locator('.msg').count(), 0);
  await page.locator('#save-button').click();
  await page.waitForURL(/#\/filters\/flt_/);
  const id = decodeURIComponent(/#\/filters\/(.+)$/.exec(page.url())[1]);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('portcullis.builder.v1.filters')));
  assert.deepEqual(stored.find((f) => f.id === id).predicate, { attr: 'created_by', op: 'eq', value: chloe.id });
  // Reopened, the stored UUID is shown with its user's name.
  assert.equal(await page.getByLabel('Value of condition 1').inputValue(), chloe.id);
  assert.equal(await rows(page).nth(0).locator('.value-name').textContent(), '= Chloe Nguyen');
  await finish('created-by-names');
});

test('syntax errors are underlined at their cause: an unclosed (, a stray ), an unterminated string', async () => {
  const { page, finish } = await openBuilder(env);
  await page.getByLabel('Name').fill('Typed by hand');
  await page.getByRole('tab', { name: 'Text' }).click();
  const cases = [
    ['(type eq "steel" AND tags intersects ["beam"] OR type eq "wood"', '('],
    ['type eq "steel" AND tags intersects ["beam"])', ')'],
    ['type eq "steel AND tags intersects ["beam"]', '"'],
  ];
  for (const [text, cause] of cases) {
    await page.locator('#predicate-text').fill(text);
    await settle(page);
    const parsed = parse(text);
    assert.equal(parsed.ok, false, text);
    const span = parsed.errors[0].location.span;
    assert.equal(text.slice(span.utf16_start, span.utf16_end), cause, `the engine's span is the ${cause}`);
    const mark = page.locator('.text-backdrop mark.error');
    assert.equal(await mark.count(), 1, text);
    assert.equal(await mark.textContent(), cause, text);
    // The mark sits where the cause is: the text before it in the backdrop is the text before the span.
    assert.equal(await mark.evaluate((m) => m.parentNode.textContent.indexOf(m.textContent) >= 0 &&
      [...m.parentNode.childNodes].slice(0, [...m.parentNode.childNodes].indexOf(m)).map((n) => n.textContent).join('').length), span.utf16_start);
    assert.equal(await page.locator('#text-diags .msg').first().locator('.msg-text').textContent(), parsed.errors[0].message);
    await shot(page, `syntax-${span.utf16_start}`);
  }
  await finish('syntax-causes');
});

/** WCAG relative luminance and contrast of CSS rgb()/rgba() colours (the test's own arithmetic). */
const CONTRAST_FN = `
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).slice(0, 3).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const opaque = (c) => { const v = rgb(c); return v.length < 4 || v[3] > 0; };
  const bgOf = (el) => { for (let e = el; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; if (opaque(c)) return c; } return 'rgb(255, 255, 255)'; };
`;

test('at 390 px wide: no sideways scroll, rows stacked, tap targets of 24 × 24 at least', async () => {
  const { page, finish } = await openBuilder(env, '#/filters/flt_steel_wood_details');
  await page.setViewportSize({ width: 390, height: 844 });
  // A chip list, a nested group and a message: the widest things the editor draws.
  await page.getByRole('button', { name: '+ Condition' }).first().click();
  await page.getByLabel('Attribute of condition 3').selectOption('tags');
  await page.getByLabel('Value of condition 3: add a value').fill('concrete');
  await page.keyboard.press('Enter');
  await page.locator('.group.level-1 > .group-head').getByRole('button', { name: '+ Group' }).click();
  await page.getByLabel('Value of condition 4.1').fill('x');
  await settle(page);
  const widths = async () => page.evaluate(() => [document.documentElement.scrollWidth, document.body.scrollWidth]);
  for (const w of await widths()) assert.ok(w <= 390, `page is ${w} px wide`);
  // The rows stack: attribute, operator and value one above the other, each the row's width.
  const [attr, op] = [await page.getByLabel('Attribute of condition 1').boundingBox(), await page.getByLabel('Operator of condition 1').boundingBox()];
  assert.ok(op.y >= attr.y + attr.height - 1, 'the operator is under the attribute');
  // The filters list is a closed disclosure above the editor; open, it fits too.
  const fold = page.locator('.list-fold');
  assert.equal(await fold.evaluate((d) => d.open), false);
  await page.locator('.list-fold-summary').click();
  await page.locator('.filter-link').first().waitFor();
  for (const w of await widths()) assert.ok(w <= 390, `page is ${w} px wide with the list open`);
  await shot(page, 'narrow-rows');

  // The builder: the filters list and the editor (the header and breadcrumb are the settings pages').
  const small = () => smallTargets(page, '.layout');
  assert.deepEqual(await small(), [], 'every control is at least 24 × 24');
  // The text view with a problem listed (its "line, col" buttons) and the confirmation.
  await page.getByRole('tab', { name: 'Text' }).click();
  await page.locator('#predicate-text').fill('(type eq "steel"');
  await settle(page);
  assert.deepEqual(await small(), [], 'every control is at least 24 × 24 (text view)');
  for (const w of await widths()) assert.ok(w <= 390, `page is ${w} px wide (text view)`);
  await shot(page, 'narrow-text');
  await finish('narrow');
});

test('the focus ring: 2 px or more, at least 3:1 against what is around it, on every stop', async () => {
  const { page, finish } = await openBuilder(env, '#/filters/flt_steel_wood_details');
  await page.getByRole('button', { name: '+ Condition' }).first().click();
  await page.getByLabel('Attribute of condition 3').selectOption('tags');
  await page.getByLabel('Value of condition 3: add a value').fill('concrete');
  await page.keyboard.press('Enter');
  await page.getByLabel('Value of condition 1').fill('');
  await settle(page);
  await page.locator('body').click({ position: { x: 2, y: 200 } });
  await page.evaluate(() => document.activeElement?.blur());
  const seen = [];
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(`(() => {${CONTRAST_FN}
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      // The ring is the element's own, or (a visually hidden radio, a chip field) its label's or box's.
      const candidates = [el, el.matches('input[type=radio]') ? el.nextElementSibling : null, el.parentElement, el.parentElement?.parentElement];
      const drawn = candidates.find((c) => c && getComputedStyle(c).outlineStyle !== 'none' && parseFloat(getComputedStyle(c).outlineWidth) > 0);
      if (!drawn) return { what: el.outerHTML.slice(0, 80), none: true };
      const s = getComputedStyle(drawn);
      const offset = parseFloat(s.outlineOffset);
      const behind = offset >= 0 ? bgOf(drawn.parentElement) : bgOf(drawn);
      return { what: el.outerHTML.slice(0, 80), width: parseFloat(s.outlineWidth), color: s.outlineColor, behind, ratio: contrast(s.outlineColor, behind) };
    })()`);
    if (!ring) continue;
    seen.push(ring);
  }
  assert.ok(seen.length >= 30, `tabbed through ${seen.length} controls`);
  const weak = seen.filter((r) => r.none || r.width < 2 || r.ratio < 3);
  assert.deepEqual(weak, [], 'every focused control has a ring of 2 px or more at 3:1 or more');
  assert.ok(seen.some((r) => r.what.includes('type="radio"')) && seen.some((r) => r.what.includes('chip-input')),
    'the AND/OR switch and a chip field were among them');
  await finish('focus-ring');
});
