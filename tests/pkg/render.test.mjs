// renderDiagnostic, the package's counterpart of the crate's `Diagnostic::render`: the same
// text, byte for byte, for the same diagnostic and source (render-cases.json holds what the
// Rust renders), from every entry of the package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderDiagnostic, validate } from '../../pkg/node.mjs';
import * as service from '../../pkg/service/node.mjs';
import { renderDiagnostic as fromApi } from '../../pkg/api.mjs';

const { cases } = JSON.parse(readFileSync(new URL('./render-cases.json', import.meta.url), 'utf8'));

test('renders as Diagnostic::render does, byte for byte', () => {
  assert.ok(cases.length >= 15);
  for (const c of cases) {
    assert.equal(renderDiagnostic(c.diagnostic, c.source ?? undefined), c.rendered, c.name);
  }
});

test('the cases cover what they claim: several lines, non-ASCII before the span, an empty span at the end, no span', () => {
  const spans = cases.map((c) => c.diagnostic.location?.span).filter(Boolean);
  assert.ok(cases.some((c) => c.source?.includes('\n') && c.diagnostic.location?.span?.line > 1));
  assert.ok(cases.some((c) => c.source && /[^\x00-\x7f]/.test(c.source.slice(0, c.diagnostic.location?.span?.utf16_start ?? 0))));
  assert.ok(spans.some((s) => s.start === s.end));
  assert.ok(cases.some((c) => !c.diagnostic.location?.span));
  assert.ok(cases.some((c) => !c.diagnostic.location));
});

test("the engine's spans in JavaScript are the crate's (so its diagnostics render the same)", () => {
  for (const c of cases.filter((c) => c.name.includes('#'))) {
    const entity_type = c.name.startsWith('several') ? 'family' : 'detail';
    const v = validate({ entity_type, name: 'n', predicate_text: c.source });
    const all = [...v.errors, ...v.warnings, ...v.notices];
    const i = Number(c.name.split('#')[1]);
    assert.deepEqual(all[i].location, c.diagnostic.location, c.name);
    // The words may be reworded since the cases were made; the code, severity and place not.
    const { message, help } = c.diagnostic;
    assert.equal(renderDiagnostic({ ...all[i], message, help }, c.source), c.rendered, c.name);
  }
});

test('every entry exports it, and it is the same function', () => {
  assert.equal(service.renderDiagnostic, fromApi);
  assert.equal(renderDiagnostic, fromApi);
  for (const entry of ['browser.mjs', 'workerd.mjs', 'service/workerd.mjs']) {
    const text = readFileSync(new URL(`../../pkg/${entry}`, import.meta.url), 'utf8');
    assert.match(text, /\brenderDiagnostic\b/, entry);
  }
});

test('misuse: a diagnostic is an object, a source a string', () => {
  assert.throws(() => renderDiagnostic('error: x'), /diagnostic: expected an object/);
  assert.throws(() => renderDiagnostic(cases[0].diagnostic, 5), /source: expected/);
  // A source that is not the one the span points into renders without throwing.
  assert.equal(typeof renderDiagnostic(cases[0].diagnostic, ''), 'string');
});
