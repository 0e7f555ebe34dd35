// Writes bench/RESULTS.md from what the last bench/run.sh measured: criterion's estimates of the
// native bench, bench/out/node.json, bench/out/preview-browser.json, plus versions (Cargo.lock,
// package-lock.json), the machine, the date and the .wasm sizes. Part of bench/run.sh.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { KEPT_SECTIONS, sectionRe } from './sections.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const p = (...xs) => resolve(ROOT, ...xs);
const json = (f) => JSON.parse(readFileSync(f, 'utf8'));
const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};

const CRITERION = process.env.CRITERION_HOME ?? p('target/bench-data/criterion');
const workload = json(p('target/bench-data/workload.json'));
const nativeCheck = json(p('target/bench-data/native-check.json'));
const node = json(p('bench/out/node.json'));
const browser = existsSync(p('bench/out/preview-browser.json')) ? json(p('bench/out/preview-browser.json')) : null;
const run = existsSync(p('bench/out/run.json')) ? json(p('bench/out/run.json')) : {};

/** Criterion's median (ns) for group/function[/parameter]. */
function crit(group, name) {
  const dir = p(CRITERION, group, name);
  const sub = existsSync(resolve(dir, 'new')) ? dir : resolve(dir, readdirSync(dir)[0]);
  return json(resolve(sub, 'new/estimates.json')).median.point_estimate;
}

const fmt = (ns) => {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
};
const ratio = (x) => (x >= 100 ? `${x.toFixed(0)}×` : x >= 10 ? `${x.toFixed(1)}×` : `${x.toFixed(2)}×`);
const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;

// ---- versions ----
function cargoLock(file, name) {
  const text = readFileSync(file, 'utf8');
  const m = text.match(new RegExp(`\\[\\[package\\]\\]\\nname = "${name}"\\nversion = "([^"]+)"`));
  return m ? m[1] : 'unknown';
}
const lock = p('bench/native/Cargo.lock');
const npmLock = json(p('bench/package-lock.json'));
const npmVersion = (name) => npmLock.packages?.[`node_modules/${name}`]?.version ?? 'unknown';
const portcullisVersion = readFileSync(p('Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)[1];

// ---- sizes ----
function size(file) {
  const buf = readFileSync(file);
  return { raw: buf.length, gz: gzipSync(buf, { level: 9 }).length, sha: createHash('sha256').update(buf).digest('hex').slice(0, 12), mtime: statSync(file).mtime };
}
const ours = size(p('pkg/gen/portcullis_bg.wasm'));
const cedarWasm = size(p('bench/node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm'));

// ---- native figures ----
const nA = {
  closure: crit('task_a', 'closure'),
  overMap: crit('task_a', 'closure-over-map'),
  portcullis: crit('task_a', 'portcullis'),
  prepared: crit('task_a', 'portcullis-prepared'),
  filters: crit('task_a', 'portcullis-filters-only'),
  cel: crit('task_a', 'cel-interpreter'),
  cedar: crit('task_a', 'cedar-policy'),
};
const nB = {
  closure: crit('task_b', 'closure'),
  overMap: crit('task_b', 'closure-over-map'),
  list: crit('task_b', 'portcullis-list'),
  preparedList: crit('task_b', 'portcullis-prepared-list'),
  scope: crit('task_b', 'portcullis-scope'),
  gets: crit('task_b', 'portcullis-gets'),
  cel: crit('task_b', 'cel-interpreter'),
  cedar: crit('task_b', 'cedar-policy'),
};

// ---- node figures ----
const byFile = Object.fromEntries(node.engines.map((e) => [e.file, e]));
const jA = (f) => byFile[f].task_a.median_ns;
const jB = (f) => byFile[f].task_b.median_ms * 1e6;
const bd = node.portcullis_breakdown;

// ---- goals ----
// portcullis is judged by its best path, the prepared decision (`PreparedRequest` natively, a
// `Decider` in wasm, each prepared once before timing); every line also gives the unprepared
// `decide`'s figure, measured in the same run.
const pA = jA('portcullis-prepared');
const pB = jB('portcullis-prepared');
const goals = [
  ['native decision within 2× of the hand-written Rust closure', nA.prepared / nA.closure, (x) => x <= 2, (x) => `portcullis prepared (\`PreparedRequest::decide\`) ${fmt(nA.prepared)} vs closure ${fmt(nA.closure)}: ${ratio(x)}; unprepared \`PolicyStore::decide\` ${fmt(nA.portcullis)}: ${ratio(nA.portcullis / nA.closure)}. Against the same closure reading the entity's attributes map by name (the issue's reference shape: ~80 ns for f1 alone), ${fmt(nA.overMap)}: prepared ${ratio(nA.prepared / nA.overMap)}, unprepared ${ratio(nA.portcullis / nA.overMap)}`],
  ['native decision ≥ 100× faster than Cedar', nA.cedar / nA.prepared, (x) => x >= 100, (x) => `Cedar ${fmt(nA.cedar)} / portcullis prepared (\`PreparedRequest::decide\`) ${fmt(nA.prepared)}: ${ratio(x)}; / unprepared \`PolicyStore::decide\` ${fmt(nA.portcullis)}: ${ratio(nA.cedar / nA.portcullis)}`],
  ['wasm decision in Node within 10× of the JS closure', pA / jA('closure'), (x) => x <= 10, (x) => `portcullis prepared (\`Decider.decide(entity)\`) ${fmt(pA)} vs closure ${fmt(jA('closure'))}: ${ratio(x)}; unprepared \`store.decide\` ${fmt(jA('portcullis'))}: ${ratio(jA('portcullis') / jA('closure'))}`],
  ['wasm decision in Node ≥ 100× faster than Cedar\'s wasm', jA('cedar') / pA, (x) => x >= 100, (x) => `Cedar wasm ${fmt(jA('cedar'))} / portcullis prepared (\`Decider.decide(entity)\`) ${fmt(pA)}: ${ratio(x)}; / unprepared \`store.decide\` ${fmt(jA('portcullis'))}: ${ratio(jA('cedar') / jA('portcullis'))}`],
  ['Task B through wasm (bulk call) within 3× of the JS closure\'s 100,000 decisions', pB / jB('closure'), (x) => x <= 3, (x) => `portcullis prepared list (\`listDecider.list(entities)\`) ${fmt(pB)} vs closure ${fmt(jB('closure'))}: ${ratio(x)}, the 100,000 entities handed over in the call; unprepared \`store.decide\` list, the same entities handed over: ${fmt(jB('portcullis'))}, ${ratio(jB('portcullis') / jB('closure'))}; \`store.decide\` over the same entities loaded into wasm once (\`EntitySet\`, loading ${fmt(bd.load_set_ms * 1e6)}): ${fmt(bd.list_over_loaded_set_ms * 1e6)}, ${ratio(bd.list_over_loaded_set_ms * 1e6 / jB('closure'))}`],
  ['gzipped .wasm ≤ 64 KB', ours.gz, (x) => x <= 65536, (x) => `${x.toLocaleString('en-US')} bytes gzipped (${kb(x)})`],
];

const cpu = (() => {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)[1];
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
})();

const L = [];
const row = (...cells) => L.push(`| ${cells.join(' | ')} |`);
L.push('# Side-by-side benchmark: results');
L.push('');
L.push('Generated by `bench/run.sh` (issue 8); do not edit by hand, run it again. Figures are medians; ratios are to the hand-written closure measured in the same run. The machine is shared (2 cores, other builds and tests running beside this one), so absolute figures move between runs by tens of percent; the ratios, measured side by side, are the figures to read.');
L.push('');
L.push(`- date: run started ${run.started ?? '?'}, report written ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`);
L.push(`- machine: ${os.cpus().length} CPUs (nproc ${sh('nproc', [])}), ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average at start ${run.load_start ?? '?'}, at end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
L.push(`- toolchains: ${sh('rustc', ['--version'])}; Node ${process.version} (V8 ${process.versions.v8})${browser ? `; headless Chromium ${browser.chromium}` : ''}`);
if (run.node_v8_crashes > 0) {
  L.push(`- the Node benchmark was run again ${run.node_v8_crashes === 1 ? 'once' : `${run.node_v8_crashes} times`}: V8 died with a fatal deoptimizer error (a Node 20 fault in long JS-to-wasm call loops; the crash seen here came while Cedar's wasm package was warming up; see bench/run.sh)`);
}
L.push(`- portcullis: crate ${portcullisVersion} at commit ${sh('git', ['rev-parse', '--short', 'HEAD'])}${sh('git', ['status', '--porcelain', '--', 'src', 'Cargo.toml', 'Cargo.lock']) ? ' (src/ with uncommitted changes)' : ''}; wasm \`pkg/gen/portcullis_bg.wasm\` sha256 ${ours.sha}… built ${ours.mtime.toISOString().replace(/\.\d+Z$/, 'Z')}`);
L.push(`- engines: cedar-policy ${cargoLock(lock, 'cedar-policy')}, cel-interpreter ${cargoLock(lock, 'cel-interpreter')}, criterion ${cargoLock(lock, 'criterion')} (bench/native/Cargo.lock); @cedar-policy/cedar-wasm ${npmVersion('@cedar-policy/cedar-wasm')}, @bufbuild/cel ${npmVersion('@bufbuild/cel')}, @marcbachmann/cel-js ${npmVersion('@marcbachmann/cel-js')}, json-logic-js ${npmVersion('json-logic-js')}, playwright-core ${npmVersion('playwright-core')} (bench/package-lock.json)`);
L.push('');
L.push('## The workload');
L.push('');
L.push(`\`bench/workload.mjs\` (seed ${workload.seed}) writes \`target/bench-data/workload.json\`, which every engine reads: ${workload.entities.length.toLocaleString('en-US')} \`detail\` entities (${workload.expected.in_workspace.toLocaleString('en-US')} in workspace W), one key with ${workload.key.grants.length} grants, and each grant's filter in every engine's language (Cedar policy text, CEL, JsonLogic, translated from portcullis' JSON form by one translator each).`);
L.push('');
L.push('Grants: SPEC 4.1 gives a grant exactly one filter, so the issue\'s "one eligible grant (W, read)" carrying "two eligible filters" is read as **two eligible grants**, (W, f1, read) and (W, f2, read), and 18 that a read in W must skip: 6 in W for write/download only, 12 reads in other workspaces of the firm (one with f1\'s predicate, so skipping the workspace check would change the count).');
L.push('');
L.push(`- f1: \`${workload.filters[0].predicate_text}\``);
L.push(`- f2: \`${workload.filters[1].predicate_text}\``);
L.push(`- Task A: one \`get\` in W of entity #${workload.task_a.index} (${workload.task_a.note}): allowed. Task B: decide all ${workload.entities.length.toLocaleString('en-US')} entities for a list of W: **${workload.expected.task_b_count.toLocaleString('en-US')}** admitted.`);
L.push(`- Checked before timing, or the run aborts: every engine's Task A answer and Task B count equal the workload's reference, and ${nativeCheck.sampled.toLocaleString('en-US')} sampled entities decided one by one agree with the closure (native: ${nativeCheck.task_b.map((x) => `${x.engine} ${x.count}`).join(', ')}; Node: ${node.engines.map((e) => `${e.name} ${e.check.task_b}`).join(', ')}).`);
L.push('');
L.push('## Goals (issue 8)');
L.push('');
L.push('portcullis is judged by its best path, the prepared decision (prepared once before timing: `PreparedRequest` natively, a `Decider` from `store.prepare` in wasm); each line also gives the unprepared `decide` measured in the same run.');
L.push('');
row('goal', 'measured', 'met?');
row('---', '---', '---');
for (const [goal, x, ok, say] of goals) row(goal, say(x), ok(x) ? '**met**' : '**missed**');
L.push('');
L.push('## Native (criterion, `bench/native`)');
L.push('');
L.push('Each engine gets its input prebuilt, as the native APIs take it: portcullis a `PolicyStore` with the 20 filters and the key, entities prepared once as `Row`s, requests parsed once (for the prepared rows, the get and the list also prepared once with `PolicyStore::prepare`; each timed call is `PreparedRequest::decide` or `::list`, store generation check included); Cedar 20 permit policies, all entities in one `Entities` (parent: their workspace), a `Request` built per call (request workspace in the context); cel-interpreter one `Program` per grant, entities as CEL maps bound per call in a child scope, grant selection and the workspace check in host code; the closure plain structs (its fields extracted from the entity before timing), and again over the entity\'s attributes map as it arrives (\`serde_json::Map\`, attributes looked up by name in each call).');
L.push('');
row('Task A: one get decision', 'median', '× closure');
row('---', '---:', '---:');
row('hand-written Rust closure', fmt(nA.closure), '1');
row('the same closure over the entity\'s attributes map', fmt(nA.overMap), ratio(nA.overMap / nA.closure));
row('portcullis `PolicyStore::decide` (get)', fmt(nA.portcullis), ratio(nA.portcullis / nA.closure));
row('portcullis `PreparedRequest::decide` (get, prepared once)', fmt(nA.prepared), ratio(nA.prepared / nA.closure));
row('cel-interpreter (program per grant)', fmt(nA.cel), ratio(nA.cel / nA.closure));
row('cedar-policy `Authorizer::is_authorized`', fmt(nA.cedar), ratio(nA.cedar / nA.closure));
row('*not a task, for the profile:* portcullis, only the workspace check and the two compiled filters (scope resolved once)', fmt(nA.filters), ratio(nA.filters / nA.closure));
L.push('');
L.push(`Of portcullis' ${fmt(nA.portcullis)} get, the workspace check and the two compiled filters take ${fmt(nA.filters)} (${ratio(nA.filters / nA.closure)} the closure); the other ${fmt(Math.max(0, nA.portcullis - nA.filters))} is the decision around them (key, request workspace, eligible-grant and filter look-ups, the \`Decision\` value). Prepared, with those look-ups done once, a get takes ${fmt(nA.prepared)}: ${fmt(Math.max(0, nA.prepared - nA.filters))} around the filters (the store generation check, the row's workspace, type and id, the \`Decision\` value).`);
L.push('');
row('Task B: all 100,000 entities', 'median', '× closure');
row('---', '---:', '---:');
row('hand-written Rust closure (count)', fmt(nB.closure), '1');
row('the same closure over the entities\' attributes maps (count)', fmt(nB.overMap), ratio(nB.overMap / nB.closure));
row('portcullis list decision (`decide`, returns the ids)', fmt(nB.list), ratio(nB.list / nB.closure));
row('portcullis prepared list decision (`PreparedRequest::list`, returns the ids)', fmt(nB.preparedList), ratio(nB.preparedList / nB.closure));
row('portcullis list filtering (`authorize_list` once, then the scope over the rows)', fmt(nB.scope), ratio(nB.scope / nB.closure));
row('portcullis 100,000 get decisions', fmt(nB.gets), ratio(nB.gets / nB.closure));
row('cel-interpreter, 100,000 decisions', fmt(nB.cel), ratio(nB.cel / nB.closure));
row('cedar-policy, 100,000 `is_authorized`', fmt(nB.cedar), ratio(nB.cedar / nB.closure));
L.push('');
L.push('## Wasm and JavaScript in Node (`bench/node/compare.mjs`)');
L.push('');
L.push('One adapter per engine in `bench/node/engines/` (setup, decideOne, decideAll). The entity object crosses into the engine on every Task A call (for the wasm engines: across the JS/wasm boundary); Task B hands portcullis all 100,000 entities in one list decision (`store.decide(key, {operation: "list"}, entities)`) and calls the other engines once per entity. portcullis twice: through `store.decide` (`engines/portcullis.mjs`), and through decisions prepared once in set-up (`engines/portcullis-prepared.mjs`: `store.prepare(key, request)` gives a `Decider`; Task A is `decider.decide(entity)`, the entity crossing into wasm in the decider\'s compact encoding on every call, the answer a shared frozen object; Task B is `listDecider.list(entities)`, the 100,000 entity objects handed over in the call). Cedar: `preparsePolicySet` once, then `statefulIsAuthorized` with the entity in the call. CEL and JsonLogic: one compiled expression per grant, grant selection and the workspace check in host code (`engines/grants.mjs`). Task A: median over 21 batches of ~20 ms of calls; Task B: median over runs; engines take turns.');
L.push('');
row('engine', 'Task A: one get', '× closure', 'Task B: 100,000', '× closure');
row('---', '---:', '---:', '---:', '---:');
for (const e of node.engines) {
  const base = e.file === 'closure';
  row(e.name, fmt(e.task_a.median_ns), base ? '1' : ratio(e.task_a.median_ns / jA('closure')), fmt(e.task_b.median_ms * 1e6), base ? '1' : ratio((e.task_b.median_ms * 1e6) / jB('closure')));
}
L.push('');
{
  const carry = Math.max(0, jA('portcullis') - bd.get_without_entity_ns);
  L.push(`With the entity passed as the JSON text a gateway already holds (no object walk), a get takes ${fmt(bd.get_entity_text_ns)} (${ratio(bd.get_entity_text_ns / jA('closure'))} the closure; Cedar's wasm ${ratio(jA('cedar') / bd.get_entity_text_ns)} slower). ` +
    `Where portcullis' wasm time goes (same run): a get with no entity passed (404; same key, same request) takes ${fmt(bd.get_without_entity_ns)} of the ${fmt(jA('portcullis'))}, so carrying the entity into wasm and preparing it is ~${fmt(carry)} (${((100 * carry) / jA('portcullis')).toFixed(0)}%) of a get; the rest, the call itself without the entity (key id and request in, the decision, the result back), already costs ${ratio(bd.get_without_entity_ns / jA('closure'))} the closure's whole decision. ` +
    `A list over no entities takes ${fmt(bd.list_over_no_entities_ms * 1e6)}; over W's ${bd.workspace_entities.toLocaleString('en-US')} entities only, ${fmt(bd.list_over_workspace_only_ms * 1e6)}; over all 100,000, ${fmt(jB('portcullis'))} (\`filterIds\` over all: ${fmt(bd.filter_ids_ms * 1e6)}), against ${fmt(nB.list)} for the same list natively from prepared rows: ` +
    `the bulk call's time grows with the entities handed over, not with the ones that match, and is ${ratio(jB('portcullis') / nB.list)} the native decision over prepared rows. ` +
    `Prepared (\`store.prepare\` once): a get takes ${fmt(pA)} (${ratio(pA / jA('closure'))} the closure, ${ratio(jA('portcullis') / pA)} faster than \`store.decide\`), and the list over all 100,000 entities handed over ${fmt(pB)} (${ratio(pB / jB('closure'))} the closure, ${ratio(pB / nB.preparedList)} the native \`PreparedRequest::list\` over prepared rows, ${fmt(nB.preparedList)}).`);
  L.push('');
}
if (browser) {
  L.push(`## Browser preview path (headless Chromium ${browser.chromium}, \`bench/preview-browser.mjs\`)`);
  L.push('');
  L.push(`\`preview(filter, set)\` from \`pkg/browser.mjs\` over the workload's 100,000 entities loaded once into an \`EntitySet\` (as the builder does; loading took ${fmt(browser.results[0].load_ms * 1e6)}), against a JS closure doing the same capped count (SPEC 3: stop past 10,000) in the same page; median of ${browser.runs} runs each, taking turns. The last columns: \`preview(filter, entities)\` with the array handed over in every call, and a preview over no entities. (The page's clock is coarsened to 0.1 ms.)`);
  L.push('');
  row('filter', 'wasm preview (loaded set)', 'JS closure', '× closure', 'array in the call', 'over 0 entities', 'answer');
  row('---', '---:', '---:', '---:', '---:', '---:', '---');
  for (const r of browser.results) {
    row(`${r.id}: \`${r.text}\``, fmt(r.wasm.median * 1e6), fmt(r.closure.median * 1e6), ratio(r.wasm.median / r.closure.median), fmt(r.wasm_array.median * 1e6), fmt(r.fixed.median * 1e6), `${r.wasm_out.count.toLocaleString('en-US')}${r.wasm_out.truncated ? '+' : ''} (${r.agree ? 'agrees' : 'DISAGREES'})`);
  }
  L.push('');
}
L.push('## Package size');
L.push('');
row('wasm', 'raw', 'gzip -9');
row('---', '---:', '---:');
row('portcullis `pkg/gen/portcullis_bg.wasm`', `${ours.raw.toLocaleString('en-US')} B (${kb(ours.raw)})`, `${ours.gz.toLocaleString('en-US')} B (${kb(ours.gz)})`);
row(`Cedar \`@cedar-policy/cedar-wasm\` ${npmVersion('@cedar-policy/cedar-wasm')} \`cedar_wasm_bg.wasm\``, `${cedarWasm.raw.toLocaleString('en-US')} B (${kb(cedarWasm.raw)})`, `${cedarWasm.gz.toLocaleString('en-US')} B (${kb(cedarWasm.gz)})`);
L.push('');
// The gateway's figures (state store, load against its floors, timing of its 404s) and the data
// service's are measured by bench/gateway-state.mjs, bench/gateway-load.mjs,
// bench/gateway-timing.mjs and bench/data-service.mjs, which write them between markers
// (sections.mjs); they are kept as they are.
for (const name of KEPT_SECTIONS) {
  try {
    const kept = sectionRe(name).exec(readFileSync(p('bench/RESULTS.md'), 'utf8'));
    if (kept) L.push(kept[0]);
  } catch { /* no earlier file */ }
}
L.push('## Reproduce');
L.push('');
L.push('    bench/run.sh            # builds what is missing, runs everything (~5 min after the first build), rewrites this file');
L.push('    bench/run.sh --quick    # fewer batches and runs, for a smoke test');
L.push('');
writeFileSync(p('bench/RESULTS.md'), L.join('\n'));
console.log('-> bench/RESULTS.md');
for (const [goal, x, ok, say] of goals) console.log(`  ${ok(x) ? 'met   ' : 'MISSED'} ${goal}: ${say(x)}`);
