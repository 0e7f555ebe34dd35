//! Native side of the side-by-side benchmark (issue 8). Checks that every engine agrees, then
//! times Task A (one get decision for one entity) and Task B (all 100,000 entities) with
//! criterion. bench/run.sh reads the medians from criterion's estimates.
//!
//!   cargo bench --manifest-path bench/native/Cargo.toml [-- FILTER]

use criterion::{BenchmarkId, Criterion, SamplingMode};
use portcullis_bench_native::{check, Engines};
use serde_json::json;
use std::hint::black_box;
use std::time::Duration;

fn main() {
    let t0 = std::time::Instant::now();
    let e = Engines::new();
    let setup = t0.elapsed();
    let t1 = std::time::Instant::now();
    let agreement = check(&e);
    println!(
        "agreement (checked in {:.1?}, set-up {:.1?}): Task A {:?}; {} sampled entities agree; Task B counts {:?}",
        t1.elapsed(),
        setup,
        agreement.task_a,
        agreement.sampled,
        agreement.task_b
    );
    let out = portcullis_bench_native::workload_path().with_file_name("native-check.json");
    let report = json!({
        "task_a": agreement.task_a.iter().map(|(n, a)| json!({"engine": n, "admits": a})).collect::<Vec<_>>(),
        "task_b": agreement.task_b.iter().map(|(n, c)| json!({"engine": n, "count": c})).collect::<Vec<_>>(),
        "sampled": agreement.sampled,
    });
    std::fs::write(&out, serde_json::to_string_pretty(&report).unwrap())
        .expect("write native-check.json");

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(800))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let i = e.workload.task_a.index;

    let mut g = c.benchmark_group("task_a");
    g.bench_function("closure", |b| b.iter(|| e.closure.admits_one(black_box(i))));
    g.bench_function("closure-over-map", |b| {
        b.iter(|| e.closure_over_map.admits_one(black_box(i)))
    });
    g.bench_function("portcullis", |b| b.iter(|| e.portcullis.admits_one(black_box(i))));
    // Prepared once, outside the timing; each timed call is `PreparedRequest::decide` (with
    // its generation check).
    let mut get = e.portcullis.prepare_get();
    assert_eq!(e.portcullis.prepared_admits_one(&mut get, i), e.workload.task_a.expected);
    g.bench_function("portcullis-prepared", |b| {
        b.iter(|| e.portcullis.prepared_admits_one(&mut get, black_box(i)))
    });
    let scope = e.portcullis.scope();
    assert_eq!(e.portcullis.scope_admits(&scope, i), e.workload.task_a.expected);
    g.bench_function("portcullis-filters-only", |b| {
        b.iter(|| e.portcullis.scope_admits(&scope, black_box(i)))
    });
    g.bench_function("cel-interpreter", |b| b.iter(|| e.cel.admits_one(black_box(i))));
    g.bench_function("cedar-policy", |b| b.iter(|| e.cedar.admits_one(black_box(i))));
    g.finish();

    let mut g = c.benchmark_group("task_b");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let n = e.workload.entities.len();
    g.bench_function(BenchmarkId::new("closure", n), |b| b.iter(|| e.closure.count_all()));
    g.bench_function(BenchmarkId::new("closure-over-map", n), |b| {
        b.iter(|| e.closure_over_map.count_all())
    });
    g.bench_function(BenchmarkId::new("portcullis-list", n), |b| {
        b.iter(|| e.portcullis.count_list())
    });
    let mut list = e.portcullis.prepare_list();
    assert_eq!(e.portcullis.prepared_count_list(&mut list), e.workload.expected.task_b_count);
    g.bench_function(BenchmarkId::new("portcullis-prepared-list", n), |b| {
        b.iter(|| e.portcullis.prepared_count_list(&mut list))
    });
    g.bench_function(BenchmarkId::new("portcullis-scope", n), |b| {
        b.iter(|| e.portcullis.count_scope())
    });
    g.bench_function(BenchmarkId::new("portcullis-gets", n), |b| {
        b.iter(|| e.portcullis.count_gets())
    });
    g.bench_function(BenchmarkId::new("cel-interpreter", n), |b| b.iter(|| e.cel.count_all()));
    g.bench_function(BenchmarkId::new("cedar-policy", n), |b| b.iter(|| e.cedar.count_all()));
    g.finish();

    c.final_summary();
}
