// End-to-end in demo mode: `node gateway/demo.mjs` (the data service and the gateway, on
// 127.0.0.1 with ephemeral ports and a temporary state directory) serves the builder same-origin
// and hands it Acme's firm admin credential. Everything the page shows and saves must come from,
// and go to, the gateway's admin API (the page downloads no workspace data: counts and value
// suggestions are the gateway's); each result is checked against that API and against the wasm
// package in Node over the workspace's entities, walked through the admin API's example pages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { format, preview, previewPredicate } from '../../pkg/node.mjs';
import { launchBrowser, openBuilder, rows, settle, shot, startDemo } from './helpers.mjs';

const WS_MAIN = 'a1000000-0000-4000-8000-000000000001'; // the data service's "Acme Main"
const WORKED_EXAMPLE = 'project_type eq "typical" AND tags intersects ["concrete"]';

let env;
let demo;
let me; // the firm admin behind the demo's credential

/** The admin API as the demo's firm admin (or with another token). */
async function api(method, path, body, token = demo.adminToken) {
  const res = await fetch(`${demo.url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

before(async () => {
  demo = await startDemo();
  const browser = await launchBrowser().catch(async (err) => { await demo.stop(); throw err; });
  // The gateway serves the page at its root, same origin as /admin/v1.
  env = { url: demo.url, pageUrl: `${demo.url}/`, browser };
  me = (await api('GET', '/me')).admin;
  assert.deepEqual([me.operator, me.name], [false, 'Acme firm admin (demo)']);
});
after(async () => {
  await env?.browser.close();
  await demo?.stop();
});

/** Watch which data the page fetches, so "came from the gateway" is checked, not assumed. */
function watchRequests(page) {
  const seen = [];
  page.on('request', (r) => seen.push(new URL(r.url()).pathname));
  return seen;
}

test('the builder loads in gateway mode, with the gateway\'s workspaces and filters', async () => {
  const { page, finish } = await openBuilder(env);
  const seen = watchRequests(page);
  await page.reload();
  await page.waitForSelector('body[data-ready]');
  assert.equal(await page.locator('#mode').textContent(), 'Demo gateway · /admin/v1');

  // Workspaces: the admin API's (the data service's names), not the generated sample's.
  const { workspaces } = await api('GET', '/workspaces');
  assert.ok(workspaces.some((w) => w.id === WS_MAIN));
  const options = await page.getByLabel('Workspace').locator('option')
    .evaluateAll((os) => os.map((o) => ({ id: o.value, name: o.textContent })));
  assert.deepEqual(options, workspaces.map(({ id, name }) => ({ id, name })));

  // Filters: exactly the stored ones the admin API lists (the demo made one), none from the sample.
  const stored = (await api('GET', '/filters')).filters.filter((f) => !f.system);
  assert.ok(stored.some((f) => f.name === 'Concrete details (typical library)'));
  const listed = await page.locator('.filter-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(listed.sort(), stored.map((f) => `#/filters/${encodeURIComponent(f.id)}`).sort());

  assert.ok(seen.includes('/demo/config.json'));
  assert.ok(seen.includes('/admin/v1/workspaces') && seen.includes('/admin/v1/filters'), `requests: ${seen.join(' ')}`);
  assert.equal(seen.some((p) => p.endsWith('/data/sample.json')), false, 'the local sample is not loaded');
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing kept in the browser\'s storage');
  await finish('demo-gateway-mode');
});

test('the worked example, built by clicks and keys, previewed over the gateway\'s data and saved through it', async () => {
  const { page, finish } = await openBuilder(env);
  const name = 'Concrete typical details (built in the demo)';
  const description = 'Made by the end-to-end test through the gateway\'s admin API.';
  await page.getByLabel('Workspace').selectOption(WS_MAIN);
  await page.getByLabel('Entity type').selectOption('detail');
  await page.getByLabel('Name').click();
  await page.keyboard.type(name);
  await page.getByLabel('Description').click();
  await page.keyboard.type(description);

  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.getByLabel('Attribute of condition 1').selectOption('project_type');
  await page.getByLabel('Operator of condition 1').selectOption('eq');
  await page.getByLabel('Value of condition 1').click();
  await page.keyboard.type('typical');
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.getByLabel('Attribute of condition 2').selectOption('tags');
  await page.getByLabel('Operator of condition 2').selectOption('intersects');
  await page.getByLabel('Value of condition 2: add a value').click();
  await page.keyboard.type('concrete');
  await page.keyboard.press('Enter');
  await settle(page);
  await page.getByRole('tab', { name: 'Text' }).click();
  assert.equal(await page.locator('#predicate-text').inputValue(), WORKED_EXAMPLE);
  await page.getByRole('tab', { name: 'Rows' }).click();

  // The expected count, computed apart from the page: every entity, walked through the admin API's
  // example pages, and the engine in Node.
  const entities = [];
  let cursor = null;
  do {
    const pageOf = await api('GET', `/workspaces/${WS_MAIN}/entities?entity_type=detail&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    entities.push(...pageOf.entities);
    cursor = pageOf.next_cursor;
  } while (cursor);
  const predicate = { and: [
    { attr: 'project_type', op: 'eq', value: 'typical' },
    { attr: 'tags', op: 'intersects', value: ['concrete'] },
  ] };
  const expected = preview({ entity_type: 'detail', name: 'x', predicate }, entities);
  assert.ok(expected.ok && expected.count > 0 && !expected.truncated, JSON.stringify(expected));
  // The gateway's own preview agrees (the engine's verdict, the data service's count).
  const server = await api('POST', '/filters/preview', { workspace_id: WS_MAIN, entity_type: 'detail', name, predicate_text: WORKED_EXAMPLE });
  assert.deepEqual([server.count, server.truncated, server.display], [expected.count, false, expected.count.toLocaleString('en-US')]);

  // The page asks the gateway for the count; it downloads no entities.
  const seen = watchRequests(page);
  await page.getByRole('button', { name: 'Preview match count' }).click();
  const out = page.locator('#preview-result');
  await out.locator('strong').waitFor();
  assert.equal(await out.getAttribute('data-count'), String(expected.count));
  assert.match(await out.textContent(), new RegExp(`^${expected.count.toLocaleString('en-US')} details match`));
  assert.ok(seen.includes('/admin/v1/filters/preview'), `requests: ${seen.join(' ')}`);
  assert.equal(seen.some((p) => p.endsWith('/entities')), false, 'no entities downloaded');

  await page.locator('#save-button').click();
  await page.waitForURL(/#\/filters\/flt_/);
  await page.locator('#toast').getByText(`Saved “${name}”`).waitFor();
  const id = decodeURIComponent(/#\/filters\/(.+)$/.exec(page.url())[1]);

  // The filter exists through the admin API, as the builder built it, made by the demo's admin.
  const { filter } = await api('GET', `/filters/${encodeURIComponent(id)}`);
  assert.equal(filter.workspace_id, WS_MAIN);
  assert.equal(filter.entity_type, 'detail');
  assert.equal(filter.name, name);
  assert.equal(filter.description, description);
  assert.deepEqual(filter.predicate, predicate);
  assert.equal(filter.predicate_text, format(predicate).text);
  assert.equal(filter.created_by, me.id);
  const { entries } = await api('GET', `/audit?action=filter.create&target_id=${encodeURIComponent(id)}`);
  assert.deepEqual(entries.map((e) => [e.actor_id, e.actor]), [[me.id, me.name]]);

  // The page reopened it as a stored filter, listed in the sidebar.
  await page.getByRole('link', { name: new RegExp(name.replace(/[()]/g, '\\$&')) }).waitFor();
  assert.equal(await page.getByLabel('Workspace').isDisabled(), true);
  assert.equal(await page.locator('#save-button').isDisabled(), true, 'saved, so nothing to save');
  await finish('demo-worked-example-saved');
});

test('value suggestions are the workspace\'s most common values, from the gateway', async () => {
  const { page, finish } = await openBuilder(env);
  const seen = watchRequests(page);
  await page.getByLabel('Workspace').selectOption(WS_MAIN);
  await page.getByLabel('Entity type').selectOption('detail');
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.getByLabel('Attribute of condition 1').selectOption('tags');
  const { values } = await api('GET', `/workspaces/${WS_MAIN}/values?entity_type=detail&attribute=tags`);
  assert.ok(values.length > 1);
  const input = page.getByLabel('Value of condition 1: add a value');
  const listId = await input.getAttribute('list');
  assert.equal(listId, 'values-tags');
  await page.waitForFunction((n) => document.querySelectorAll('#values-tags option').length === n, values.length);
  const offered = await page.locator('#values-tags option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(offered, values.map((v) => [v.value, `${v.count.toLocaleString('en-US')} details`]));
  assert.ok(seen.some((p) => p === `/admin/v1/workspaces/${WS_MAIN}/values`), `requests: ${seen.join(' ')}`);
  await finish('demo-value-suggestions');
});

test('editing a filter a demo key holds: the dry run\'s count in the confirmation, then the edit and its audit entry', async () => {
  // The demo's filter, held by the demo key; a second key holding it makes N more than a default 1.
  const demoFilter = (await api('GET', '/filters')).filters
    .find((f) => !f.system && f.name === 'Concrete details (typical library)');
  const keys = (await api('GET', '/keys')).keys;
  const demoKey = keys.find((k) => k.client_id === demo.clientId);
  assert.ok(demoKey.grants.some((g) => g.filter === demoFilter.id), 'the demo key holds the demo filter');
  await api('POST', '/keys', {
    name: 'Acme BI export (test)', environment: 'test',
    grants: [{ workspace_id: WS_MAIN, filter: demoFilter.id, actions: ['read'] }],
  });
  const before = (await api('GET', `/filters/${demoFilter.id}`)).filter;

  const { page, finish } = await openBuilder(env, `#/filters/${encodeURIComponent(demoFilter.id)}`);
  assert.equal(await page.locator('#editor-title').textContent(), 'Edit filter');
  assert.equal(await page.getByLabel('Name').inputValue(), demoFilter.name);
  assert.equal(await rows(page).count(), 2);
  assert.equal(await page.getByLabel('Value of condition 1').inputValue(), 'typical');
  await page.getByLabel('Value of condition 1').fill('project');
  await settle(page);

  // What the gateway says this edit would do, asked apart from the page.
  const edited = { and: [
    { attr: 'project_type', op: 'eq', value: 'project' },
    { attr: 'tags', op: 'intersects', value: ['concrete'] },
  ] };
  const dry = await api('PATCH', `/filters/${demoFilter.id}?dry_run=true`, { predicate: edited });
  assert.ok(dry.valid);
  assert.ok(dry.keys_affected >= 2, `keys affected: ${dry.keys_affected}`);
  assert.ok(dry.impact.gained > 0 && dry.impact.lost > 0, JSON.stringify(dry));
  assert.deepEqual([dry.impact.gained_truncated, dry.impact.lost_truncated], [false, false]);

  // Cancel first: the gateway's filter is unchanged.
  await page.locator('#save-button').click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.equal(await dialog.locator('#confirm-question').textContent(),
    `This will immediately affect ${dry.keys_affected} credentials. Continue?`);
  // ... naming them: the dry run's `held_by`.
  assert.equal(dry.held_by.length, dry.keys_affected);
  assert.ok(dry.held_by.some((k) => k.name === 'Acme BI export (test)'));
  assert.equal(await dialog.locator('#confirm-held-by').textContent(),
    `The keys: ${dry.held_by.map((k) => `${k.name}${k.revoked ? ' (revoked)' : ''}`).join(', ')}`);
  assert.equal(await dialog.locator('.impact').textContent(),
    `Access after this edit: ${dry.impact.gained.toLocaleString('en-US')} details gained, ${dry.impact.lost.toLocaleString('en-US')} lost.`);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.deepEqual((await api('GET', `/filters/${demoFilter.id}`)).filter.predicate, before.predicate);

  // Confirm: saved through the admin API.
  await page.locator('#save-button').click();
  await dialog.waitFor();
  await shot(page, 'demo-edit-confirmation');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('#toast').getByText('Saved changes').waitFor();
  const after = (await api('GET', `/filters/${demoFilter.id}`)).filter;
  assert.deepEqual(after.predicate, edited);
  assert.equal(after.predicate_text, format(edited).text);
  assert.equal(after.name, before.name);
  assert.equal(after.description, before.description);

  // The audit log has the edit, by the demo's firm admin, with what it did.
  const { entries } = await api('GET', `/audit?action=filter.edit&target_id=${encodeURIComponent(demoFilter.id)}`);
  assert.equal(entries.length, 1);
  const [entry] = entries;
  assert.deepEqual([entry.actor_id, entry.actor, entry.actor_firm_id], [me.id, me.name, me.firm_id]);
  assert.equal(entry.details.keys_affected, dry.keys_affected);
  assert.equal(entry.details.predicate_text, format(edited).text);

  // Reopened from the gateway: the new conditions, nothing left to save.
  assert.equal(await page.getByLabel('Value of condition 1').inputValue(), 'project');
  assert.equal(await page.locator('#save-button').isDisabled(), true);
  await finish('demo-edit-saved');
});

test('a revoked admin credential: saving says the gateway refused it, and nothing changes', async () => {
  // A second firm admin of Acme, handed to this page instead of the demo's, then revoked.
  const other = await api('POST', '/admins', { name: 'Acme admin (revoked by the test)' });
  const demoFilter = (await api('GET', '/filters')).filters
    .find((f) => !f.system && f.name === 'Concrete details (typical library)');
  const { page, errors, finish } = await openBuilder(env, `#/filters/${encodeURIComponent(demoFilter.id)}`, {
    beforeLoad: (context) => context.route('**/demo/config.json', async (route) => {
      const config = await (await route.fetch()).json();
      await route.fulfill({ json: { ...config, admin_token: other.token } });
    }),
  });
  assert.equal(await page.locator('#mode').textContent(), 'Demo gateway · /admin/v1');
  const value = page.getByLabel('Value of condition 1');
  await value.fill((await value.inputValue()) === 'typical' ? 'project' : 'typical');
  await settle(page);
  assert.equal(await page.locator('#save-button').isEnabled(), true);
  await api('POST', `/admins/${other.admin.id}/revoke`);

  await page.locator('#save-button').click();
  const msg = page.locator('#general-msgs .msg.error[data-code="invalid_token"]');
  await msg.waitFor();
  assert.match(await msg.textContent(), /invalid, expired or revoked/);
  assert.equal(await page.getByRole('dialog').count(), 0, 'no confirmation without the dry run\'s count');
  assert.deepEqual((await api('GET', `/filters/${demoFilter.id}`)).filter.predicate, demoFilter.predicate);
  assert.deepEqual((await api('GET', `/audit?actor_id=${other.admin.id}&action=filter.edit`)).entries, []);

  // The browser logs the refused request itself; that one line is expected, nothing else.
  const refused = errors.findIndex((e) => /status of 401/.test(e));
  assert.ok(refused >= 0, errors.join('\n'));
  errors.splice(refused, 1);
  await finish('demo-revoked-credential');
});

/** The demo's own filter, as the admin API lists it. */
async function demoFilterOf() {
  return (await api('GET', '/filters')).filters.find((f) => !f.system && f.name === 'Concrete details (typical library)');
}

const heldText = (held) => held.map((k) => `${k.name}${k.revoked ? ' (revoked)' : ''}`).join(', ');

test('which keys hold a filter, by name: in the list and on the edit page, linked to their pages, a revoked one marked', async () => {
  const demoFilter = await demoFilterOf();
  await api('POST', '/keys', {
    name: 'Hubble Dashboard (test)', environment: 'test',
    grants: [{ workspace_id: WS_MAIN, filter: demoFilter.id, actions: ['read'] }],
  });
  const hubble = (await api('GET', '/keys')).keys.find((k) => k.name === 'Hubble Dashboard (test)');
  await api('POST', `/keys/${encodeURIComponent(hubble.id)}/revoke`);
  const { filter } = await api('GET', `/filters/${encodeURIComponent(demoFilter.id)}`);
  const held = filter.held_by;
  assert.ok(held.some((k) => k.id === hubble.id && k.revoked), JSON.stringify(held));
  assert.ok(held.some((k) => k.name === 'Acme Data Warehouse (demo)' && !k.revoked), JSON.stringify(held));
  const summary = `Held by ${held.length} keys: ${heldText(held)}`;

  const { page, finish } = await openBuilder(env, `#/filters/${encodeURIComponent(demoFilter.id)}`);
  assert.equal(await page.locator(`.filter-link[data-id="${demoFilter.id}"] .filter-held`).textContent(), summary);
  assert.equal(await page.locator('#held-by').textContent(), summary);
  const links = page.locator('#held-by a.key-link');
  assert.deepEqual(await links.evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href')])),
    held.map((k) => [k.name, `#/keys/${encodeURIComponent(k.id)}`]));
  assert.equal(await page.locator('#held-by .revoked').count(), 1);
  await shot(page, 'demo-held-by');
  // A name leads to its key's page.
  await links.filter({ hasText: 'Acme Data Warehouse (demo)' }).click();
  await page.waitForURL(/#\/keys\/key_/);
  await finish('demo-held-by-key');
});

test('filters with the same name are told apart in the list (created day and id)', async () => {
  const demoFilter = await demoFilterOf();
  const { filter: twin } = await api('POST', '/filters', {
    workspace_id: WS_MAIN, entity_type: 'detail', name: demoFilter.name, predicate_text: 'type eq "steel"',
  });
  try {
    const { page, finish } = await openBuilder(env);
    const details = await page.locator('.filter-link').filter({ hasText: demoFilter.name }).locator('.filter-detail').allTextContents();
    assert.deepEqual(details.sort(), [
      `created ${demoFilter.created_at.slice(0, 10)} · ${demoFilter.id}`,
      `created ${twin.created_at.slice(0, 10)} · ${twin.id}`,
    ].sort());
    await finish('demo-duplicate-names');
  } finally {
    await api('POST', `/filters/${encodeURIComponent(twin.id)}/archive`);
  }
});

test('a valid predicate with no name yet: the count from POST /predicates/preview, and what is left to do', async () => {
  const { page, finish } = await openBuilder(env);
  const [{ value: material }] = (await api('GET', `/workspaces/${WS_MAIN}/values?entity_type=detail&attribute=type`)).values;
  await page.getByLabel('Workspace').selectOption(WS_MAIN);
  await page.getByLabel('Entity type').selectOption('detail');
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.getByLabel('Attribute of condition 1').selectOption('type');
  await page.getByLabel('Value of condition 1').fill(material);
  await settle(page);
  const predicate = { and: [{ attr: 'type', op: 'eq', value: material }] };
  const server = await api('POST', '/predicates/preview', { workspace_id: WS_MAIN, entity_type: 'detail', predicate });
  assert.ok(server.count > 0, JSON.stringify(server));
  assert.equal(previewPredicate({ entity_type: 'detail', predicate }, []).ok, true);

  const seen = watchRequests(page);
  await page.getByRole('button', { name: 'Preview match count' }).click();
  const out = page.locator('#preview-result');
  await out.locator('strong').waitFor();
  assert.equal(await out.getAttribute('data-count'), String(server.count));
  assert.equal(await out.getAttribute('data-basis'), 'predicate');
  assert.equal(await out.locator('strong').textContent(), server.display);
  assert.ok(seen.includes('/admin/v1/predicates/preview'), `requests: ${seen.join(' ')}`);
  assert.equal(seen.some((p) => p.endsWith('/entities')), false, 'no entities downloaded');
  // Saving still waits for the name, and says so.
  assert.equal(await page.locator('#save-button').isDisabled(), true);
  const pending = await page.locator('#pending li').allTextContents();
  assert.equal(pending.length, 1);
  assert.match(pending[0], /^Name — /);
  await finish('demo-nameless-preview');
});

test('created_by is offered by the users\' names from GET /workspaces; the value is the UUID', async () => {
  const { users } = await api('GET', '/workspaces');
  const mine = users.filter((u) => u.workspace_id === WS_MAIN);
  assert.ok(mine.length > 1 && mine.every((u) => u.name));
  const { page, finish } = await openBuilder(env);
  await page.getByLabel('Workspace').selectOption(WS_MAIN);
  await page.getByLabel('Entity type').selectOption('stash');
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.getByLabel('Attribute of condition 1').selectOption('created_by');
  const offered = await page.locator('#values-created_by option').evaluateAll((os) => os.map((o) => [o.value, o.label]));
  assert.deepEqual(offered, mine.map((u) => [u.id, u.name]));
  const user = mine[1];
  const value = page.getByLabel('Value of condition 1');
  await value.click();
  await page.keyboard.type(user.name);
  await page.keyboard.press('Tab');
  assert.equal(await value.inputValue(), user.id, 'the id exactly as the datalist offers it');
  assert.equal(await rows(page).nth(0).locator('.value-name').textContent(), `= ${user.name}`);
  await finish('demo-created-by-names');
});

test('archiving names the keys holding the filter now, count and names from the same answer', async () => {
  const { filter } = await api('POST', '/filters', {
    workspace_id: WS_MAIN, entity_type: 'detail', name: 'Archived by the demo test', predicate_text: 'type eq "steel"',
  });
  const { page, finish } = await openBuilder(env, `#/filters/${encodeURIComponent(filter.id)}`);
  assert.equal(await page.locator('#held-by').textContent(), 'Held by no key yet: no credential uses this filter.');
  // A key takes it after the page listed it: the dialog asks the gateway again.
  await api('POST', '/keys', {
    name: 'Holds the archived filter (test)', environment: 'test',
    grants: [{ workspace_id: WS_MAIN, filter: filter.id, actions: ['read'] }],
  });
  const dry = await api('PATCH', `/filters/${encodeURIComponent(filter.id)}?dry_run=true`, {});
  assert.equal(dry.keys_affected, 1);
  await page.getByRole('button', { name: 'Archive…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Archive this filter?' });
  await dialog.waitFor();
  assert.match(await dialog.locator('#confirm-question').textContent(), /^1 credential holds this filter/);
  assert.equal(await dialog.locator('#confirm-held-by').textContent(), `Held by: ${heldText(dry.held_by)}`);
  await dialog.getByRole('button', { name: 'Archive filter' }).click();
  await page.waitForURL(/#\/new$/);
  assert.equal((await api('GET', `/filters/${encodeURIComponent(filter.id)}`)).filter.archived, true);

  // A link to it now (the audit log has them): a notice says it is archived, with its history.
  await page.goto(`${env.pageUrl}#/filters/${encodeURIComponent(filter.id)}`);
  const notice = page.locator('#open-notice');
  await notice.waitFor();
  assert.match(await notice.textContent(), /^“Archived by the demo test” is archived\. An archived filter cannot be opened or edited again/);
  assert.equal(await page.locator('#editor-title').textContent(), 'New filter');
  assert.equal(await notice.getByRole('link', { name: 'audit log' }).getAttribute('href'), `#/audit?filter_id=${encodeURIComponent(filter.id)}`);
  // An id nobody has: said too.
  await page.goto(`${env.pageUrl}#/filters/flt_nobody_has_this`);
  await page.locator('#open-notice', { hasText: 'No such filter.' }).waitFor();
  await finish('demo-archive-held-by');
});

test('unsaved edits: leaving for another filter or the keys pages asks first', async () => {
  const demoFilter = await demoFilterOf();
  const { page, finish } = await openBuilder(env, `#/filters/${encodeURIComponent(demoFilter.id)}`);
  await page.getByLabel('Description').fill('Edited, not saved.');
  await settle(page);
  const dialog = page.getByRole('dialog');
  await page.getByRole('link', { name: '+ New filter' }).click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Stay and keep editing' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Description').inputValue(), 'Edited, not saved.');
  assert.match(page.url(), new RegExp(`#/filters/${demoFilter.id}$`));
  // A key named under "Held by": the keys pages are elsewhere, so the same question.
  await page.locator('#held-by a.key-link').first().click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Leave without saving' }).click();
  await page.waitForURL(/#\/keys\/key_/);
  assert.equal((await api('GET', `/filters/${encodeURIComponent(demoFilter.id)}`)).filter.description, demoFilter.description);
  await finish('demo-unsaved-changes');
});
