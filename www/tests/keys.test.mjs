// End-to-end: the API keys and audit log pages, in the page the demo gateway serves, by clicks
// and typing only (and one pass by keyboard alone). What the page shows is checked against the
// admin API, and the credentials it hands out against the gateway itself: a token minted with
// them over real HTTP reads the worked example's detail, until the key is revoked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  axeViolations, expectedErrors, focusedName, launchBrowser, openBuilder, settle, setup, shot, smallTargets, startDemo, tabTo,
} from './helpers.mjs';

const WS_MAIN = 'a1000000-0000-4000-8000-000000000001'; // the data service's "Acme Main"
const DEMO_FILTER = 'Concrete details (typical library)';
const READ_DEMO_FILTER = `Read: ${DEMO_FILTER}`;

let env;
let demo;

before(async () => {
  demo = await startDemo();
  const browser = await launchBrowser().catch(async (err) => { await demo.stop(); throw err; });
  env = { url: demo.url, pageUrl: `${demo.url}/`, browser };
});
after(async () => {
  await env?.browser.close();
  await demo?.stop();
});

/** The admin API as the demo's firm admin; the answer's JSON (asserting success). */
async function api(method, path, body) {
  const res = await fetch(`${demo.url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${demo.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** POST /oauth/token with client credentials: `{status, json}`. */
async function mint(clientId, clientSecret) {
  const res = await fetch(`${demo.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  return { status: res.status, json: await res.json() };
}

/** The worked example's detail, read with an access token: the HTTP status. */
async function readDetail(token) {
  const res = await fetch(demo.detailUrl, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

/** A page of the gateway's builder; the clipboard is allowed so "Copy" can be checked. */
function open(hash) {
  return openBuilder(env, hash, {
    beforeLoad: (context) => context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: demo.url }),
  });
}

/**
 * Until the dialog is out of the document: a closed dialog is hidden (so a role locator no longer
 * finds it) a moment before its close event, whose handler removes it and moves focus back.
 */
const dialogGone = (page) => page.waitForFunction(() => !document.querySelector('dialog'));
const nav = (page, name) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true });
const heading = (page) => page.locator('#page-title');
/** The value shown beside a label of the key's details. */
const detail = (page, label) => page.locator('#key-details dt', { hasText: label }).locator('xpath=following-sibling::dd[1]');

/** Everything the page said on its console (not only errors), from now on. */
/**
 * The audit rows' `data-<field>` values once the page shows `expected`. Applying filters renders
 * the page again, so the table of the previous query can still be there when the URL has changed:
 * wait for the rows to settle, then answer what is shown (the caller's assertion tells the rest).
 */
async function auditRows(page, field, expected) {
  const read = (trs, name) => trs.map((tr) => tr.dataset[name]);
  await page.waitForFunction(([name, want]) => JSON.stringify([...document.querySelectorAll('#audit-table tbody tr')]
    .map((tr) => tr.dataset[name])) === want, [field, JSON.stringify(expected)], { timeout: 10_000 }).catch(() => {});
  return page.locator('#audit-table tbody tr').evaluateAll(read, field);
}

function consoleOf(page) {
  const said = [];
  page.on('console', (m) => said.push(m.text()));
  return said;
}

/**
 * A secret shown in a dialog now closed is nowhere else: not in the document, the address, the
 * page's storage or its console.
 */
async function assertSecretGone(page, secret, said) {
  assert.equal(await page.locator('dialog').count(), 0, 'the dialog is closed');
  assert.equal((await page.content()).includes(secret), false, 'not in the document');
  assert.equal(page.url().includes(secret), false, 'not in the address');
  const stored = await page.evaluate(() => [localStorage, sessionStorage]
    .flatMap((store) => Object.keys(store).map((k) => `${k}=${store.getItem(k)}`)).join('\n'));
  assert.equal(stored.includes(secret), false, 'not in localStorage or sessionStorage');
  assert.equal(said.some((text) => text.includes(secret)), false, 'not in the console');
}

/** Fill in the create form by clicks and typing, and click Create. */
async function fillAndCreate(page, { name, boxes = [], ips = null, environment = null }) {
  await page.getByLabel('Name', { exact: true }).click();
  await page.keyboard.type(name);
  if (environment) await page.getByLabel(environment, { exact: true }).click();
  for (const box of boxes) await page.getByLabel(box, { exact: true }).click();
  if (ips !== null) {
    await page.getByRole('textbox', { name: 'IP allow-list (optional)' }).click();
    await page.keyboard.type(ips);
  }
  await page.getByRole('button', { name: 'Create', exact: true }).click();
}

test('a key made by clicks: its credentials once, a token that reads the worked example, reveal, last use, revocation, audit', async () => {
  const { page, errors, finish } = await open('#/new');
  const said = consoleOf(page);
  await nav(page, 'Resource filters').waitFor();
  assert.equal(await nav(page, 'Resource filters').getAttribute('aria-current'), 'page');

  await nav(page, 'API keys').click();
  await page.locator('#keys-table').waitFor();
  assert.equal(await heading(page).textContent(), 'API keys');
  assert.equal(await nav(page, 'API keys').getAttribute('aria-current'), 'page');
  assert.equal(await nav(page, 'Resource filters').getAttribute('aria-current'), null);
  assert.equal(await page.title(), 'API keys · portcullis');
  assert.equal(await page.locator('#filter-list').count(), 0, 'no filters sidebar on the settings pages');
  // The demo key is listed, its grant in words.
  const demoRow = page.locator('#keys-table tbody tr', { hasText: 'Acme Data Warehouse (demo)' });
  assert.match(await demoRow.textContent(), /Read: Concrete details \(typical library\) · Acme Main/);

  await page.getByRole('button', { name: 'Create new API key' }).click();
  await page.getByLabel(READ_DEMO_FILTER, { exact: true }).waitFor();
  assert.equal(await page.title(), 'New API key · API keys · portcullis');
  assert.match(await page.locator('#crumbs').textContent(), /Settings.*API keys.*New API key/);
  assert.match(await page.locator('#key-name-help').textContent(), /cannot be changed later/);
  // The firm-global filter once, every type's actions; a tag filter offers no download.
  assert.equal(await page.getByLabel('Download: default:any (firm-global)', { exact: true }).count(), 1);
  assert.equal(await page.getByLabel('Write: default:tags (Acme Main)', { exact: true }).count(), 1);
  assert.equal(await page.getByLabel('Download: default:tags (Acme Main)', { exact: true }).count(), 0);

  const name = 'Acme BI export (made by the keys test)';
  await fillAndCreate(page, { name, boxes: [READ_DEMO_FILTER] });
  const dialog = page.getByRole('dialog', { name: 'API key created' });
  await dialog.waitFor();
  assert.ok(await page.evaluate(() => Boolean(document.activeElement.closest('dialog[open]'))), 'focus is in the dialog');
  const clientId = await dialog.getByLabel('Client ID').inputValue();
  const secret = await dialog.getByLabel('Client Secret').inputValue();
  assert.match(clientId, /^pcid_live_/);
  assert.match(secret, /^pcs_live_/);
  assert.match(await dialog.textContent(), /password manager, not by email/);
  assert.match(await dialog.textContent(), /revealed again later from the key’s page \(“Reveal secret”\)/);

  await dialog.getByRole('button', { name: 'Copy Client Secret' }).click();
  await dialog.getByText('Copied the Client Secret.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByRole('button', { name: 'Download as .env' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'portcullis.env');
  const envFile = readFileSync(await download.path(), 'utf8');
  assert.ok(envFile.split('\n').includes(`PORTCULLIS_CLIENT_ID=${clientId}`), envFile);
  assert.ok(envFile.split('\n').includes(`PORTCULLIS_CLIENT_SECRET=${secret}`), envFile);
  // The file's address (a Blob URL holding the secret) is let go once the download has it.
  assert.match(download.url(), /^blob:/);
  await page.waitForFunction((url) => fetch(url).then(() => false, () => true), download.url());
  await shot(page, 'keys-credentials-dialog');

  // The gateway has the key as the form said it.
  const key = (await api('GET', '/keys')).keys.find((k) => k.client_id === clientId);
  const demoFilter = (await api('GET', '/filters')).filters.find((f) => !f.system && f.name === DEMO_FILTER);
  assert.deepEqual([key.name, key.environment, key.allowed_ips], [name, 'live', null]);
  assert.deepEqual(key.grants.map(({ workspace_id, filter, actions }) => ({ workspace_id, filter, actions })),
    [{ workspace_id: WS_MAIN, filter: demoFilter.id, actions: ['read'] }]);

  // Closing the dialog opens the key's page; it has not been used yet.
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.waitForURL(new RegExp(`#/keys/${key.id}$`));
  await page.locator('#key-details').waitFor();
  assert.equal(await heading(page).textContent(), name);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'page-title');
  await assertSecretGone(page, secret, said);
  assert.equal(await detail(page, 'Client ID').textContent(), clientId);
  assert.equal(await detail(page, 'Last used').textContent(), 'Never');
  assert.match(await detail(page, 'Created').textContent(), /by Acme firm admin \(demo\)$/);

  // The credentials work, over real HTTP: a token, and the worked example's detail with it.
  const minted = await mint(clientId, secret);
  assert.equal(minted.status, 200, JSON.stringify(minted.json));
  const token = minted.json.access_token;
  assert.equal(await readDetail(token), 200);

  // Reveal: confirmed first (the dialog says it is audit-logged), then the same secret.
  await page.getByRole('button', { name: 'Reveal secret' }).click();
  const confirm = page.getByRole('dialog', { name: 'Reveal the Client Secret?' });
  await confirm.waitFor();
  assert.match(await confirm.textContent(), /recorded in the audit log/);
  await confirm.getByRole('button', { name: 'Reveal secret' }).click();
  const revealed = page.getByRole('dialog', { name: 'Client Secret' });
  await revealed.waitFor();
  assert.equal(await revealed.getByLabel('Client Secret').inputValue(), secret);
  await page.keyboard.press('Escape');
  await dialogGone(page);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'reveal-secret', 'focus back on the button');
  await assertSecretGone(page, secret, said);

  // Reloaded, the key's last use is the token's. The gateway writes it just after its answer, so
  // ask it until it has (no fixed wait), then the page shows what it says.
  const deadline = Date.now() + 15_000;
  while ((await api('GET', `/keys/${key.id}`)).key.last_used_at === null) {
    assert.ok(Date.now() < deadline, 'the gateway records the key\'s last use');
    await new Promise((ok) => setTimeout(ok, 50)); // the interval between two questions, not a wait for a result
  }
  await page.reload();
  await page.locator('#key-details').waitFor();
  assert.notEqual(await detail(page, 'Last used').textContent(), 'Never');
  assert.ok(await detail(page, 'Last used').locator('time[datetime]').count(), 'a <time> with the instant');

  // Revoke: the name typed exactly enables the button.
  await page.getByRole('button', { name: 'Revoke', exact: true }).click();
  const revoke = page.getByRole('dialog', { name: 'Revoke this key?' });
  await revoke.waitFor();
  const revokeButton = revoke.getByRole('button', { name: 'Revoke key' });
  assert.equal(await revokeButton.isDisabled(), true);
  await page.keyboard.type(name.slice(0, -1));
  assert.equal(await revokeButton.isDisabled(), true, 'not yet the whole name');
  await page.keyboard.type(name.slice(-1));
  assert.equal(await revokeButton.isEnabled(), true);
  await revokeButton.click();
  await page.locator('#revoked-note').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Reveal secret' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Regenerate' }).count(), 0);
  assert.equal(await page.locator('#add-grant-form').count(), 0);
  assert.equal(await page.getByRole('button', { name: /^Remove/ }).count(), 0);
  assert.equal(await detail(page, 'Status').locator('time').count(), 1);
  await shot(page, 'keys-revoked');

  // The token and the credentials are refused from the next request.
  assert.equal(await readDetail(token), 401);
  const again = await mint(clientId, secret);
  assert.equal(again.status, 401);
  assert.equal(again.json.error, 'invalid_client');

  // The audit log has the reveal and the revocation, and shows them when filtered by this key.
  await nav(page, 'Audit log').click();
  await page.locator('#audit-table').waitFor();
  assert.equal(await nav(page, 'Audit log').getAttribute('aria-current'), 'page');
  const ofKey = (action) => page.locator(`#audit-table tr[data-action="${action}"][data-target="${key.id}"]`);
  assert.equal(await ofKey('key.reveal').count(), 1);
  assert.equal(await ofKey('key.revoke').count(), 1);
  const row = ofKey('key.revoke');
  assert.match(await row.textContent(), /Acme firm admin \(demo\)/);
  assert.match(await row.textContent(), /Revoked an API key/);
  assert.match(await row.textContent(), /127\.0\.0\.1/);
  assert.match(await row.locator('time').getAttribute('datetime'), /^\d{4}-\d\d-\d\dT/);

  await page.getByLabel('Key', { exact: true }).selectOption({ label: `${name} (revoked)` });
  await page.getByRole('button', { name: 'Show entries' }).click();
  await page.waitForURL(new RegExp(`#/audit\\?key_id=${key.id}$`));
  const expected = (await api('GET', `/audit?key_id=${key.id}&limit=50`)).entries.map((e) => e.action);
  const shown = await auditRows(page, 'action', expected);
  assert.deepEqual(shown, expected, 'the entries the gateway answers for this key');
  // Known entries, said explicitly: made, revealed once (the create dialog's .env is made in the
  // page) and revoked, newest first; the reveal by the demo's firm admin, on this key.
  assert.deepEqual(shown, ['key.revoke', 'key.reveal', 'key.create']);
  const reveal = page.locator('#audit-table tbody tr[data-action="key.reveal"]').first();
  assert.match(await reveal.textContent(), /Acme firm admin \(demo\)/);
  assert.match(await reveal.textContent(), /Revealed a key’s secret/);
  assert.equal(await reveal.getByRole('link', { name }).getAttribute('href'), `#/keys/${key.id}`);
  assert.equal(await page.getByLabel('Key', { exact: true }).inputValue(), key.id, 'the filter is read back from the URL');
  await shot(page, 'keys-audit-by-key');

  // The entry links to the key's page.
  await ofKey('key.revoke').getByRole('link', { name }).click();
  await page.waitForURL(new RegExp(`#/keys/${key.id}$`));
  await page.locator('#revoked-note').waitFor();
  // The refused fetch of the revoked Blob URL above may be logged by the browser, when it is.
  expectedErrors(errors, /ERR_FILE_NOT_FOUND/);
  await finish('keys-made-used-revoked');
});

test('refusals are the gateway\'s, each next to the control it concerns', async () => {
  // A filter archived after the page listed it: the engine refuses a grant of it.
  const stale = (await api('POST', '/filters', {
    workspace_id: WS_MAIN, entity_type: 'tag', name: 'Tags archived under the form', predicate_text: 'name eq "x"',
  })).filter;
  const { page, errors, finish } = await open('#/keys/new');
  await page.getByLabel(`Read: ${stale.name}`).waitFor();
  await api('POST', `/filters/${stale.id}/archive`);

  // No name: the gateway's name_required, at the Name field and in the summary.
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  const nameMsg = page.locator('#key-name-msgs .msg.error[data-code="name_required"]');
  await nameMsg.waitFor();
  const nameInput = page.getByLabel('Name', { exact: true });
  assert.equal(await nameInput.getAttribute('aria-invalid'), 'true');
  assert.ok((await nameInput.getAttribute('aria-describedby')).split(' ').includes(await nameMsg.getAttribute('id')));
  const summary = page.locator('.error-summary');
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('error-summary')), true, 'focus on the summary');
  await summary.getByRole('link', { name: await nameMsg.locator('span').nth(1).textContent() }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'key-name');
  assert.match(page.url(), /#\/keys\/new$/, 'the summary\'s link does not change the route');

  // An allow-list entry that is not an address, and the archived filter: the engine's messages,
  // exactly as the gateway gives them for the same request, at the textarea's line and at the grant.
  const name = 'Refused key (keys test)';
  await fillAndCreate(page, { name, boxes: ['Read: default:details (Acme Main)', `Read: ${stale.name}`], ips: '10.0.0.0/8\n\nnot-an-ip' });
  const ipMsg = page.locator('#allowed-ips-msgs .msg.error');
  await ipMsg.waitFor();
  const res = await fetch(`${demo.url}/admin/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${demo.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name, environment: 'live', allowed_ips: ['10.0.0.0/8', 'not-an-ip'],
      grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }, { workspace_id: WS_MAIN, filter: stale.id, actions: ['read'] }],
    }),
  });
  assert.equal(res.status, 422);
  const { diagnostics } = (await res.json()).error;
  const ipDiag = diagnostics.find((d) => d.location.path === '$.allowed_ips[1]');
  const grantDiag = diagnostics.find((d) => d.location.path === '$.grants[1].filter');
  assert.ok(ipDiag && grantDiag, JSON.stringify(diagnostics));
  assert.equal(await ipMsg.getAttribute('data-code'), ipDiag.code);
  assert.equal(await ipMsg.locator('span').nth(1).textContent(), `Line 3: ${ipDiag.message}`);
  assert.equal(await page.getByRole('textbox', { name: 'IP allow-list (optional)' }).getAttribute('aria-invalid'), 'true');
  const staleBox = page.getByLabel(`Read: ${stale.name}`);
  assert.equal(await staleBox.getAttribute('aria-invalid'), 'true');
  const grantMsg = page.locator('.grant-row', { has: staleBox }).locator('.msg.error');
  assert.equal(await grantMsg.locator('span').nth(1).textContent(), grantDiag.message);
  assert.equal(await page.getByLabel('Read: default:details (Acme Main)').getAttribute('aria-invalid'), null);
  assert.equal(await summary.locator('li').count(), diagnostics.length);
  assert.equal(await page.getByRole('dialog').count(), 0);
  assert.equal((await api('GET', '/keys')).keys.some((k) => k.name === name), false, 'nothing was created');

  assert.equal(expectedErrors(errors, /status of 422/).length, 2);
  await finish('keys-create-refused');
});

test('a key\'s page: grants added and removed, the allow-list, and a regenerated secret', async () => {
  const made = await api('POST', '/keys', {
    name: 'Acme grants (keys test)', environment: 'test',
    grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }],
  });
  const id = made.key.id;
  const { page, errors, finish } = await open(`#/keys/${id}`);
  await page.locator('#grants-table').waitFor();
  assert.equal(await detail(page, 'Environment').textContent(), 'Test');

  // Add: Acme Main's tag filter, read; a tag filter offers no download.
  await page.getByLabel('Workspace').selectOption({ label: 'Acme Main' });
  await page.getByLabel('Filter', { exact: true }).selectOption({ label: 'default:tags — Every tag in the workspace' });
  assert.equal(await page.getByLabel('Download: default:tags (Acme Main)').count(), 0);
  await page.getByLabel('Read: default:tags (Acme Main)').click();
  await page.getByRole('button', { name: 'Add grant' }).click();
  await page.locator('#grants-table tbody tr', { hasText: 'default:tags' }).waitFor();
  let key = (await api('GET', `/keys/${id}`)).key;
  assert.deepEqual(key.grants.map((g) => [g.filter, g.actions]), [['default:details', ['read']], ['default:tags', ['read']]]);
  await page.locator('#page-status', { hasText: 'Added the grant' }).waitFor();

  // Remove it again, after the confirmation.
  await page.getByRole('button', { name: /^Remove grant: Read: default:tags/ }).click();
  const confirm = page.getByRole('dialog', { name: 'Remove this grant?' });
  await confirm.getByRole('button', { name: 'Remove grant' }).click();
  await page.locator('#grants-table tbody tr', { hasText: 'default:tags' }).waitFor({ state: 'detached' });
  key = (await api('GET', `/keys/${id}`)).key;
  assert.deepEqual(key.grants.map((g) => g.filter), ['default:details']);

  // The allow-list: refused by the engine at its line, then saved.
  const ips = page.getByRole('textbox', { name: 'IP allow-list (optional)' });
  await ips.click();
  await page.keyboard.type('not-an-ip');
  await page.getByRole('button', { name: 'Save allow-list' }).click();
  await page.locator('#key-allowed-ips-msgs .msg.error[data-code="invalid_ip_range"]').waitFor();
  assert.equal(await ips.getAttribute('aria-invalid'), 'true');
  await ips.fill('');
  await ips.click();
  await page.keyboard.type('127.0.0.1');
  await page.getByRole('button', { name: 'Save allow-list' }).click();
  await page.locator('#page-status', { hasText: 'Saved the IP allow-list.' }).waitFor();
  assert.deepEqual((await api('GET', `/keys/${id}`)).key.allowed_ips, ['127.0.0.1']);

  // Regenerate: the old secret mints nothing and its tokens die; the new one works.
  const before = await mint(made.client_id, made.client_secret);
  assert.equal(before.status, 200);
  await page.getByRole('button', { name: 'Regenerate' }).click();
  const ask = page.getByRole('dialog', { name: 'Regenerate the Client Secret?' });
  assert.match(await ask.textContent(), /every access token minted from it stop working at once/);
  await ask.getByRole('button', { name: 'Regenerate secret' }).click();
  const shown = page.getByRole('dialog', { name: 'New Client Secret' });
  await shown.waitFor();
  const fresh = await shown.getByLabel('Client Secret').inputValue();
  assert.match(fresh, /^pcs_test_/);
  assert.notEqual(fresh, made.client_secret);
  assert.equal(await shown.getByLabel('Client ID').inputValue(), made.client_id);
  await shot(page, 'keys-regenerated');
  await shown.getByRole('button', { name: 'Done' }).click();
  await dialogGone(page);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'regenerate-secret', 'focus back on the (re-rendered) button');
  const old = await mint(made.client_id, made.client_secret);
  assert.deepEqual([old.status, old.json.error], [401, 'invalid_client']);
  assert.equal(await readDetail(before.json.access_token), 401);
  const now = await mint(made.client_id, fresh);
  assert.equal(now.status, 200, JSON.stringify(now.json));
  assert.ok(await detail(page, 'Secret regenerated').locator('time').count());

  // Revoked elsewhere meanwhile: the gateway's 409 key_revoked is said, and the page shows the key as it now is.
  await api('POST', `/keys/${id}/revoke`);
  await page.getByRole('button', { name: 'Reveal secret' }).click();
  await page.getByRole('dialog', { name: 'Reveal the Client Secret?' }).getByRole('button', { name: 'Reveal secret' }).click();
  await page.locator('#revoked-note').waitFor();
  assert.match(await page.locator('.action-msgs .notice.error').textContent(), /The secret was not revealed\. The key is revoked/);
  assert.equal(await page.getByRole('button', { name: 'Reveal secret' }).count(), 0);

  assert.equal(expectedErrors(errors, /status of 409/).length, 1);
  assert.equal(expectedErrors(errors, /status of 422/).length, 1);
  await finish('keys-grants-allow-list-regenerated');
});

test('by keyboard alone: create a key, its dialog, and a reveal, focus landing in each dialog and coming back', async () => {
  const { page, finish } = await open('#/keys');
  await page.locator('#keys-table').waitFor();
  await tabTo(page, 'Create new API key');
  await page.keyboard.press('Enter');
  await page.getByLabel(READ_DEMO_FILTER, { exact: true }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'page-title');
  const name = 'Keyboard-made key (keys test)';
  await tabTo(page, 'Name');
  await page.keyboard.type(name);
  await tabTo(page, 'Live');
  await page.keyboard.press('ArrowRight'); // the radio group: Live → Test
  assert.equal(await page.getByLabel('Test', { exact: true }).isChecked(), true);
  await tabTo(page, READ_DEMO_FILTER);
  await page.keyboard.press('Space');
  assert.equal(await page.getByLabel(READ_DEMO_FILTER, { exact: true }).isChecked(), true);
  await tabTo(page, 'Create');
  await page.keyboard.press('Enter');

  const dialog = page.getByRole('dialog', { name: 'API key created' });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'credentials-client-id');
  const secret = await dialog.getByLabel('Client Secret').inputValue();
  await tabTo(page, 'Done');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focusedName(page), 'Download as .env');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await dialogGone(page);
  await page.locator('#key-details').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'page-title', 'focus on the key\'s page');
  assert.equal(await detail(page, 'Environment').textContent(), 'Test');

  await tabTo(page, 'Reveal secret');
  await page.keyboard.press('Enter');
  const confirm = page.getByRole('dialog', { name: 'Reveal the Client Secret?' });
  await confirm.waitFor();
  assert.equal(await focusedName(page), 'Cancel', 'the safe answer has focus');
  await page.keyboard.press('Tab');
  assert.equal(await focusedName(page), 'Reveal secret');
  await page.keyboard.press('Enter');
  const revealed = page.getByRole('dialog', { name: 'Client Secret' });
  await revealed.waitFor();
  assert.ok(await page.evaluate(() => Boolean(document.activeElement.closest('dialog[open]'))));
  assert.equal(await revealed.getByLabel('Client Secret').inputValue(), secret);
  await page.keyboard.press('Escape');
  await dialogGone(page);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'reveal-secret');

  // The focus ring is drawn on a keyboard-focused button.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  // Escape cancels the revocation; the key stays live.
  await tabTo(page, 'Revoke');
  await page.keyboard.press('Enter');
  await page.getByRole('dialog', { name: 'Revoke this key?' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'revoke-name');
  await page.keyboard.press('Escape');
  await dialogGone(page);
  assert.equal(await focusedName(page), 'Revoke');
  assert.equal((await api('GET', '/keys')).keys.find((k) => k.name === name).revoked, false);
  await finish('keys-keyboard');
});

test('axe-core finds nothing serious or critical on any page', async () => {
  const { page, errors, finish } = await open('#/new');
  const found = new Map();
  const check = async (what) => { found.set(what, await axeViolations(page)); };
  await check('new filter');
  const demoFilter = (await api('GET', '/filters')).filters.find((f) => !f.system && f.name === DEMO_FILTER);
  await page.goto(`${env.pageUrl}#/filters/${demoFilter.id}`);
  await page.getByLabel('Name', { exact: true }).waitFor();
  await check('filter editor');
  await nav(page, 'API keys').click();
  await page.locator('#keys-table').waitFor();
  await check('keys list');
  await page.getByRole('button', { name: 'Create new API key' }).click();
  await page.getByLabel(READ_DEMO_FILTER, { exact: true }).waitFor();
  await check('create form');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.locator('.error-summary li').first().waitFor();
  await check('create form with errors');
  await fillAndCreate(page, { name: 'Axe-checked key (keys test)', boxes: [READ_DEMO_FILTER] });
  await page.getByRole('dialog', { name: 'API key created' }).waitFor();
  await check('credentials dialog');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.locator('#key-details').waitFor();
  await check('key page');
  await nav(page, 'Audit log').click();
  await page.locator('#audit-table').waitFor();
  await check('audit log');
  await page.setViewportSize({ width: 390, height: 844 });
  await check('audit log at 390px');
  const bad = [...found].filter(([, v]) => v.length);
  assert.deepEqual(bad, [], JSON.stringify(bad, null, 2));
  assert.equal(expectedErrors(errors, /status of 422/).length, 1, 'the create refused on purpose');
  await finish('keys-axe');
});

test('at 390px the settings pages stack and nothing scrolls sideways', async () => {
  const { page, finish } = await open('#/keys');
  await page.setViewportSize({ width: 390, height: 844 });
  const [first] = (await api('GET', '/keys')).keys;
  for (const hash of ['#/keys', '#/keys/new', `#/keys/${first.id}`, '#/audit']) {
    await page.goto(`${env.pageUrl}${hash}`);
    await page.locator('#page-title').waitFor();
    await page.waitForLoadState('networkidle');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${hash} is ${overflow}px wider than the screen`);
  }
  await finish('keys-narrow');
});

test('the audit log: filtered by action, filter and admin from its selects, older entries a page at a time', async () => {
  // More entries of one action than a page holds.
  const made = await api('POST', '/keys', { name: 'Audit paging (keys test)', environment: 'test', grants: [] });
  for (let i = 0; i < 55; i += 1) {
    await api('PUT', `/keys/${made.key.id}/allowed_ips`, { allowed_ips: [`10.0.${i}.0/24`] });
  }
  /** Every entry the gateway answers for a query, walked through its pages. */
  const all = async (query) => {
    const out = [];
    let cursor = null;
    do {
      const page = await api('GET', `/audit?${query}&limit=50${cursor ? `&cursor=${cursor}` : ''}`);
      out.push(...page.entries.map((e) => e.id));
      cursor = page.next_cursor;
    } while (cursor);
    return out;
  };
  const listed = (page) => page.locator('#audit-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.id));

  const { page, finish } = await open('#/audit');
  await page.locator('#audit-table').waitFor();
  await page.getByLabel('Action', { exact: true }).selectOption('key.allowed_ips');
  await page.getByRole('button', { name: 'Show entries' }).click();
  await page.waitForURL(/#\/audit\?action=key\.allowed_ips$/);
  const expected = await all('action=key.allowed_ips');
  assert.ok(expected.length >= 55);
  assert.deepEqual(await auditRows(page, 'id', expected.slice(0, 50)), expected.slice(0, 50));
  await page.waitForFunction(() => document.activeElement.id === 'audit-apply', null, { timeout: 5_000 }).catch(() => {});
  assert.equal(await page.evaluate(() => document.activeElement.id), 'audit-apply', 'focus stays on the button used');
  await page.getByRole('button', { name: 'Older entries' }).click();
  await page.locator('#page-status', { hasText: 'older entries loaded' }).waitFor();
  if (expected.length > 100) await page.getByRole('button', { name: 'Older entries' }).click();
  await page.getByText('That is the oldest entry.').waitFor();
  assert.deepEqual(await listed(page), expected);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'audit-entries-title');
  const detailsOfNewest = await page.locator('#audit-table tbody tr').first().locator('dl').textContent();
  assert.match(detailsOfNewest, /IP allow-list10\.0\.54\.0\/24/);

  // A filter: the entries on it and the grants of it.
  const demoFilter = (await api('GET', '/filters')).filters.find((f) => !f.system && f.name === DEMO_FILTER);
  await page.goto(`${env.pageUrl}#/audit`);
  await page.locator('#audit-table').waitFor();
  await page.getByLabel('Filter', { exact: true }).selectOption({ label: DEMO_FILTER });
  await page.getByRole('button', { name: 'Show entries' }).click();
  await page.waitForURL(new RegExp(`filter_id=${demoFilter.id}$`));
  const ofFilter = (await all(`filter_id=${demoFilter.id}`)).slice(0, 50);
  assert.deepEqual(await auditRows(page, 'id', ofFilter), ofFilter);
  // Known entries, said explicitly: the demo made the filter, then a key holding it (a grant of it).
  const filterMade = page.locator(`#audit-table tr[data-action="filter.create"][data-target="${demoFilter.id}"]`);
  assert.equal(await filterMade.count(), 1);
  assert.match(await filterMade.textContent(), /Acme firm admin \(demo\)/);
  assert.equal(await filterMade.getByRole('link', { name: DEMO_FILTER }).getAttribute('href'), `#/filters/${demoFilter.id}`);
  const demoKey = page.locator('#audit-table tr[data-action="key.create"]', { hasText: 'Acme Data Warehouse (demo)' });
  assert.equal(await demoKey.count(), 1);
  assert.match(await demoKey.locator('dl').textContent(), /GrantsRead: Concrete details \(typical library\) · Acme Main/);

  // The current admin, and the filters combined; the view is the URL, so a reload keeps it.
  const me = (await api('GET', '/me')).admin;
  await page.getByLabel('Admin', { exact: true }).selectOption({ label: `You (${me.name})` });
  await page.getByRole('button', { name: 'Show entries' }).click();
  await page.waitForURL(new RegExp(`filter_id=${demoFilter.id}&actor_id=${me.id}$`));
  await page.reload();
  const ofFilterByMe = (await all(`filter_id=${demoFilter.id}&actor_id=${me.id}`)).slice(0, 50);
  assert.deepEqual(await auditRows(page, 'id', ofFilterByMe), ofFilterByMe);
  assert.equal(await page.getByLabel('Admin', { exact: true }).inputValue(), me.id);
  assert.equal(await page.locator(`#audit-table tr[data-action="filter.create"][data-target="${demoFilter.id}"]`).count(), 1);
  await finish('keys-audit-filters');
});

test('every control of the settings pages is 24 × 24 px or larger (links inside a sentence aside)', async () => {
  const made = await api('POST', '/keys', {
    name: 'Tap targets (keys test)', environment: 'test',
    grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }],
  });
  const { page, finish } = await open('#/keys');
  const pages = [['#/keys', '#keys-table'], ['#/keys/new', '#key-create-form'], [`#/keys/${made.key.id}`, '#grants-table'], ['#/audit', '#audit-table']];
  const found = [];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 844 });
    for (const [hash, ready] of pages) {
      await page.goto(`${env.pageUrl}${hash}`);
      await page.locator(ready).waitFor();
      await page.locator('#page-title').waitFor();
      // The header's sections, the breadcrumb and the page (its tables' links, the Remove buttons).
      for (const small of await smallTargets(page, 'body > header, #crumbs, #stage')) found.push({ hash, width, ...small });
    }
  }
  // A key page's dialogs: removing a grant, revoking the key.
  await page.goto(`${env.pageUrl}#/keys/${made.key.id}`);
  await page.getByRole('button', { name: /^Remove grant: / }).click();
  await page.getByRole('dialog', { name: 'Remove this grant?' }).waitFor();
  for (const small of await smallTargets(page, 'dialog')) found.push({ hash: 'remove dialog', ...small });
  await page.keyboard.press('Escape');
  await dialogGone(page);
  await page.getByRole('button', { name: 'Revoke', exact: true }).click();
  await page.getByRole('dialog', { name: 'Revoke this key?' }).waitFor();
  for (const small of await smallTargets(page, 'dialog')) found.push({ hash: 'revoke dialog', ...small });
  await page.keyboard.press('Escape');
  await dialogGone(page);
  assert.deepEqual(found, [], 'every control is at least 24 × 24');
  await finish('keys-tap-targets');
});

test('filters sharing a name are told apart in every grant choice and in the audit log\'s Filter select', async () => {
  const twinName = 'Twin details (keys test)';
  const twins = [];
  for (const text of ['type eq "steel"', 'type eq "wood"']) {
    twins.push((await api('POST', '/filters', { workspace_id: WS_MAIN, entity_type: 'detail', name: twinName, predicate_text: text })).filter);
  }
  const told = (f) => `${twinName} (created ${f.created_at.slice(0, 10)} · ${f.id})`;
  const { page, finish } = await open('#/keys/new');
  try {
    // The create form: one checkbox per action and twin, each named for its own filter.
    for (const f of twins) {
      await page.getByLabel(`Read: ${told(f)}`, { exact: true }).waitFor();
      assert.equal(await page.getByLabel(`Read: ${told(f)}`, { exact: true }).count(), 1);
    }
    const labels = await page.locator('.grant-row input[type=checkbox]').evaluateAll((boxes) => boxes.map((b) => b.labels[0].textContent));
    assert.equal(new Set(labels).size, labels.length, 'every checkbox label is unique');

    // A key's "Add grant" Filter select.
    const made = await api('POST', '/keys', { name: 'Twin grants (keys test)', environment: 'test', grants: [] });
    await page.goto(`${env.pageUrl}#/keys/${made.key.id}`);
    await page.locator('#add-grant-form').waitFor();
    await page.getByLabel('Workspace').selectOption({ label: 'Acme Main' });
    const options = await page.getByLabel('Filter', { exact: true }).locator('option').allTextContents();
    for (const f of twins) assert.ok(options.includes(told(f)), JSON.stringify(options));
    assert.equal(new Set(options).size, options.length, 'every option is unique');
    await page.getByLabel('Filter', { exact: true }).selectOption({ label: told(twins[1]) });
    await page.getByLabel(`Read: ${told(twins[1])}`).click();
    await page.getByRole('button', { name: 'Add grant' }).click();
    await page.locator('#page-status', { hasText: 'Added the grant' }).waitFor();
    assert.deepEqual((await api('GET', `/keys/${made.key.id}`)).key.grants.map((g) => g.filter), [twins[1].id]);

    // The audit log's Filter select: the system filters (once each), the twins apart.
    await page.goto(`${env.pageUrl}#/audit`);
    await page.locator('#audit-table').waitFor();
    const choices = await page.getByLabel('Filter', { exact: true }).locator('option').allTextContents();
    assert.equal(new Set(choices).size, choices.length, 'every option is unique');
    for (const f of twins) assert.ok(choices.includes(told(f)), JSON.stringify(choices));
    assert.ok(choices.includes('default:any (firm-global)'), JSON.stringify(choices));
    assert.ok(choices.includes('default:details (system filter, any workspace)'), JSON.stringify(choices));
    // Filtered by a system filter: the entries the gateway answers for it, the grants of it among them.
    await page.getByLabel('Filter', { exact: true }).selectOption({ label: 'default:details (system filter, any workspace)' });
    await page.getByRole('button', { name: 'Show entries' }).click();
    await page.waitForURL(/#\/audit\?filter_id=default%3Adetails$/);
    const ofSystem = (await api('GET', '/audit?filter_id=default:details&limit=50')).entries.map((e) => e.id);
    const shown = await auditRows(page, 'id', ofSystem);
    assert.deepEqual(shown, ofSystem);
    assert.ok(shown.length > 0);
    assert.equal(await page.getByLabel('Filter', { exact: true }).inputValue(), 'default:details');
    await finish('keys-twin-filters');
  } finally {
    for (const f of twins) await api('POST', `/filters/${f.id}/archive`);
  }
});

test('a change whose answer was lost, tried again, is made once: the same Idempotency-Key', async () => {
  const made = await api('POST', '/keys', { name: 'Lost answer (keys test)', environment: 'test', grants: [] });
  const id = made.key.id;
  const { page, errors, finish } = await open(`#/keys/${id}`);
  await page.locator('#key-details').waitFor();
  const sent = [];
  let lose = true;
  // The gateway reveals the secret, and the answer never reaches the page.
  await page.route(`**/admin/v1/keys/${id}/reveal`, async (route) => {
    sent.push(route.request().headers()['idempotency-key']);
    const response = await route.fetch();
    if (lose) {
      lose = false;
      await route.abort('connectionreset');
    } else {
      await route.fulfill({ response });
    }
  });
  const reveal = async () => {
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    await page.getByRole('dialog', { name: 'Reveal the Client Secret?' }).getByRole('button', { name: 'Reveal secret' }).click();
  };
  await reveal();
  await page.locator('.action-msgs .notice.error', { hasText: 'not reachable' }).waitFor();
  assert.equal((await api('GET', `/audit?key_id=${id}&action=key.reveal`)).entries.length, 1, 'the gateway did reveal it');
  // Tried again: the same key, so the gateway answers what it did, and does not do it twice.
  await reveal();
  const shown = page.getByRole('dialog', { name: 'Client Secret' });
  await shown.waitFor();
  assert.equal(await shown.getByLabel('Client Secret').inputValue(), made.client_secret);
  assert.equal(sent.length, 2);
  assert.ok(sent[0]);
  assert.equal(sent[1], sent[0], 'the retry carries the first request\'s Idempotency-Key');
  assert.equal((await api('GET', `/audit?key_id=${id}&action=key.reveal`)).entries.length, 1, 'one reveal recorded');
  await page.keyboard.press('Escape');
  await dialogGone(page);
  // Once answered, a new reveal is a new change (a new key, a second entry).
  await reveal();
  await shown.waitFor();
  assert.equal(sent.length, 3);
  assert.notEqual(sent[2], sent[0]);
  assert.equal((await api('GET', `/audit?key_id=${id}&action=key.reveal`)).entries.length, 2);
  await page.keyboard.press('Escape');
  await dialogGone(page);
  assert.equal(expectedErrors(errors, /ERR_CONNECTION_RESET|ERR_FAILED/).length >= 1, true);
  await finish('keys-lost-answer');
});

test('a key whose name has spaces nobody can see can be revoked: the name shown as it is, compared as it can be typed', async () => {
  const name = '  Spaced\tout   key (keys test) ';
  const made = await api('POST', '/keys', { name, environment: 'test', grants: [] });
  const { page, finish } = await open(`#/keys/${made.key.id}`);
  await page.locator('#key-details').waitFor();
  await page.getByRole('button', { name: 'Revoke', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke this key?' });
  await dialog.waitFor();
  const shownName = dialog.locator('code.typed-name');
  assert.equal(await shownName.textContent(), name, 'the name exactly, its spaces kept');
  assert.equal(await shownName.evaluate((el) => getComputedStyle(el).whiteSpace), 'pre-wrap');
  const confirm = dialog.getByRole('button', { name: 'Revoke key' });
  await page.keyboard.type('Spaced out key (keys test');
  assert.equal(await confirm.isDisabled(), true, 'not yet the whole name');
  await page.keyboard.type(')');
  assert.equal(await confirm.isEnabled(), true, 'the name as it can be typed');
  await confirm.click();
  await page.locator('#revoked-note').waitFor();
  assert.equal((await api('GET', `/keys/${made.key.id}`)).key.revoked, true);
  await finish('keys-revoke-spaced-name');
});

test('an operator: a key of another firm offers that firm\'s workspaces; the create form asks for the firm', async () => {
  const asOperator = async (method, path, body) => {
    const res = await fetch(`${demo.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${demo.operatorToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const { firms } = await asOperator('GET', '/firms');
  assert.ok(firms.length > 1, 'the demo has a second firm');
  const acme = (await api('GET', '/me')).admin.firm_id;
  const other = firms.find((f) => f.id !== acme);
  const { workspaces } = await asOperator('GET', `/workspaces?firm_id=${other.id}`);
  const made = await asOperator('POST', '/keys', { firm_id: other.id, name: 'Other firm key (keys test)', environment: 'test', grants: [] });

  const { page, finish } = await openBuilder(env, `#/keys/${made.key.id}`, {
    beforeLoad: (context) => context.route('**/demo/config.json', async (route) => {
      const config = await (await route.fetch()).json();
      await route.fulfill({ json: { ...config, admin_token: demo.operatorToken } });
    }),
  });
  await page.locator('#add-grant-form').waitFor();
  const offered = await page.getByLabel('Workspace').locator('option').allTextContents();
  assert.deepEqual(offered, [...workspaces.map((w) => w.name), 'All workspaces (firm-global)']);
  await page.getByLabel('Filter', { exact: true }).selectOption({ label: 'default:details — Every detail in the workspace' });
  await page.getByLabel(`Read: default:details (${workspaces[0].name})`).click();
  await page.getByRole('button', { name: 'Add grant' }).click();
  await page.locator('#page-status', { hasText: 'Added the grant' }).waitFor();
  const key = (await asOperator('GET', `/keys/${made.key.id}`)).key;
  assert.deepEqual(key.grants.map((g) => [g.workspace_id, g.filter]), [[workspaces[0].id, 'default:details']]);

  // The create form: the firm first; its workspaces are the grants offered, and the key is made in it.
  await page.goto(`${env.pageUrl}#/keys/new`);
  const firmSelect = page.getByLabel('Firm', { exact: true });
  await firmSelect.selectOption(other.id);
  await page.getByLabel(`Read: default:details (${workspaces[0].name})`, { exact: true }).waitFor();
  await fillAndCreate(page, { name: 'Made for the other firm (keys test)', boxes: [`Read: default:details (${workspaces[0].name})`] });
  await page.getByRole('dialog', { name: 'API key created' }).waitFor();
  const created = (await asOperator('GET', '/keys')).keys.find((k) => k.name === 'Made for the other firm (keys test)');
  assert.equal(created.firm_id, other.id);
  assert.deepEqual(created.grants.map((g) => [g.workspace_id, g.filter]), [[workspaces[0].id, 'default:details']]);
  await page.getByRole('button', { name: 'Done' }).click();
  await page.locator('#key-details').waitFor();
  await finish('keys-operator-other-firm');
});

test('failures say what to do: a revoked admin credential, an unreachable gateway', async () => {
  // A second firm admin of Acme, handed to the page instead of the demo's, then revoked.
  const other = await api('POST', '/admins', { name: 'Acme admin (revoked by the keys test)' });
  const { page, errors, finish } = await openBuilder(env, '#/keys', {
    beforeLoad: (context) => context.route('**/demo/config.json', async (route) => {
      const config = await (await route.fetch()).json();
      await route.fulfill({ json: { ...config, admin_token: other.token } });
    }),
  });
  await page.locator('#keys-table').waitFor();
  await api('POST', `/admins/${other.admin.id}/revoke`);
  await page.getByRole('button', { name: 'Create new API key' }).click();
  const notice = page.locator('.settings .notice.error');
  await notice.waitFor();
  assert.match(await notice.textContent(), /admin credential is no longer valid .*reload the page/);
  assert.equal(expectedErrors(errors, /status of 401/).length >= 1, true);

  await page.context().route('**/admin/v1/**', (route) => route.abort('connectionrefused'));
  await nav(page, 'Audit log').click();
  await page.locator('.settings .notice.error', { hasText: 'not reachable' }).waitFor();
  assert.match(await notice.textContent(), /gateway is not reachable at http:\/\/127\.0\.0\.1:\d+: check that the demo/);
  assert.equal(expectedErrors(errors, /ERR_CONNECTION_REFUSED/).length >= 1, true);
  // The create page asks for several things at once: answers 401 that arrived after the notice
  // are the same expected refusal of the revoked credential.
  expectedErrors(errors, /status of 401/);
  await finish('keys-failures');
});

test('standalone, the keys and audit pages say they need the gateway, and the builder still works', async () => {
  const local = await setup();
  try {
    const { page, finish } = await openBuilder(local, '#/keys');
    const notice = page.locator('#gateway-needed');
    await notice.waitFor();
    assert.match(await notice.textContent(), /needs the gateway’s admin API/);
    assert.match(await notice.textContent(), /scripts\/demo\.sh/);
    assert.match(await notice.textContent(), /node gateway\/demo\.mjs/);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit log' }).click();
    await page.locator('#gateway-needed').waitFor();
    assert.equal(await page.title(), 'Audit log · portcullis');
    await page.goto(`${local.pageUrl}#/keys/new`);
    await page.locator('#gateway-needed').waitFor();
    assert.equal(await page.getByLabel('Name', { exact: true }).count(), 0, 'no form without the admin API');
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Resource filters' }).click();
    await page.getByLabel('Name', { exact: true }).waitFor();
    assert.equal(await page.locator('#filter-list').count(), 1);

    // A filter saved in the builder: its toast links to making a key with it.
    await page.getByLabel('Name', { exact: true }).click();
    await page.keyboard.type('Typical details (toast test)');
    await page.getByRole('button', { name: '+ Condition' }).click();
    await page.getByLabel('Attribute of condition 1').selectOption('project_type');
    await page.getByLabel('Operator of condition 1').selectOption('eq');
    await page.getByLabel('Value of condition 1').click();
    await page.keyboard.type('typical');
    await settle(page);
    await page.locator('#save-button').click();
    const link = page.locator('#toast').getByRole('link', { name: 'API keys' });
    await link.click();
    await page.waitForURL(/#\/keys\/new$/);
    await page.locator('#gateway-needed').waitFor();
    await finish('keys-standalone');
  } finally {
    await local.close();
  }
});
