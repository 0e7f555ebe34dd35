//! The subcommands. Each returns an exit code, or a usage/IO error message (exit status 2).

use super::conformance::{run_file, Backend, Tally};
use portcullis::grants::{Key, Request, World};
use portcullis::lang::{predicate_from_json, predicate_to_json};
use portcullis::{
    compile_source, validate, Diagnostic, FilterDraft, PredicateSource, PreparedEntity, Schema,
};
use serde_json::Value;
use std::io::Read;
use std::process::ExitCode;

/// Split flags (`--name value`, `--switch`) from positional arguments.
struct Args {
    positional: Vec<String>,
    flags: Vec<(String, Option<String>)>,
}

fn parse_args(args: &[String], with_value: &[&str]) -> Result<Args, String> {
    let mut out = Args { positional: vec![], flags: vec![] };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if let Some(name) = a.strip_prefix("--") {
            if with_value.contains(&name) {
                let v = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
                out.flags.push((name.into(), Some(v.clone())));
            } else {
                out.flags.push((name.into(), None));
            }
        } else {
            out.positional.push(a.clone());
        }
    }
    Ok(out)
}

impl Args {
    fn value(&self, name: &str) -> Option<&str> {
        self.flags.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.as_deref())
    }
    fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| n == name)
    }
    fn check_known(&self, known: &[&str]) -> Result<(), String> {
        match self.flags.iter().find(|(n, _)| !known.contains(&n.as_str())) {
            Some((n, _)) => Err(format!("unknown option --{n}")),
            None => Ok(()),
        }
    }
}

fn read_input(path: Option<&String>) -> Result<String, String> {
    match path.map(String::as_str) {
        None | Some("-") => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| format!("stdin: {e}"))?;
            Ok(s)
        }
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}")),
    }
}

fn print_diagnostics(ds: &[Diagnostic], source: Option<&str>) {
    for d in ds {
        eprint!("{}", d.render(source));
    }
}

/// `check`: validate a filter document, or a bare predicate with `--entity-type`.
pub fn check(args: &[String]) -> Result<ExitCode, String> {
    let a = parse_args(args, &["entity-type"])?;
    a.check_known(&["entity-type"])?;
    let input = read_input(a.positional.first())?;
    let schema = Schema::builtin();
    let trimmed = input.trim_start();
    let (errors, warnings, source_text) = match a.value("entity-type") {
        Some(t) => {
            let source = if trimmed.starts_with('{') {
                PredicateSource::Json(
                    serde_json::from_str(&input).map_err(|e| format!("not JSON: {e}"))?,
                )
            } else {
                PredicateSource::Text(input.clone())
            };
            match compile_source(&schema, t, &source) {
                Ok((_, w)) => (vec![], w, Some(input.as_str())),
                Err(e) => (e, vec![], Some(input.as_str())),
            }
        }
        None => {
            let draft: FilterDraft = serde_json::from_str(&input).map_err(|e| format!("expected a filter document ({{entity_type, name, predicate | predicate_text}}) or --entity-type: {e}"))?;
            let v = validate(&schema, &draft);
            // Spans of a text predicate point into predicate_text, not into the document.
            let owned = match &draft.predicate {
                PredicateSource::Text(t) => Some(t.clone()),
                _ => None,
            };
            print_diagnostics(&v.errors, owned.as_deref());
            print_diagnostics(&v.warnings, owned.as_deref());
            print_diagnostics(&v.notices, owned.as_deref());
            return Ok(summarise(v.errors.len(), v.warnings.len()));
        }
    };
    print_diagnostics(&errors, source_text);
    print_diagnostics(&warnings, source_text);
    Ok(summarise(errors.len(), warnings.len()))
}

fn summarise(errors: usize, warnings: usize) -> ExitCode {
    if errors == 0 {
        println!("valid ({warnings} warning{})", if warnings == 1 { "" } else { "s" });
        ExitCode::SUCCESS
    } else {
        println!(
            "invalid: {errors} error{}, {warnings} warning{}",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        );
        ExitCode::from(1)
    }
}

fn read_predicate(input: &str) -> Result<portcullis::Predicate, Vec<Diagnostic>> {
    if input.trim_start().starts_with('{') {
        let v: Value = serde_json::from_str(input).map_err(|e| {
            vec![Diagnostic::error(portcullis::Code::InvalidPredicate, format!("not JSON: {e}"))]
        })?;
        predicate_from_json(&v, "$")
    } else {
        portcullis::parse(input).map_err(|d| vec![d])
    }
}

/// `fmt`: canonical text, or the JSON form.
pub fn fmt(args: &[String]) -> Result<ExitCode, String> {
    let a = parse_args(args, &[])?;
    a.check_known(&["json"])?;
    let input = read_input(a.positional.first())?;
    match read_predicate(&input) {
        Ok(p) if a.has("json") => println!(
            "{}",
            serde_json::to_string_pretty(&predicate_to_json(&p)).map_err(|e| e.to_string())?
        ),
        Ok(p) => println!("{p}"),
        Err(ds) => {
            print_diagnostics(&ds, Some(&input));
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `eval`: the ids of the entities that match.
pub fn eval(args: &[String]) -> Result<ExitCode, String> {
    let a = parse_args(args, &["entity-type", "predicate", "filter"])?;
    a.check_known(&["entity-type", "predicate", "filter"])?;
    let schema = Schema::builtin();
    let (t, source, text) = match (a.value("predicate"), a.value("filter")) {
        (Some(p), None) => {
            let t = a.value("entity-type").ok_or("--entity-type is required with --predicate")?;
            let src = if p.trim_start().starts_with('{') {
                PredicateSource::Json(serde_json::from_str(p).map_err(|e| e.to_string())?)
            } else {
                PredicateSource::Text(p.into())
            };
            (t.to_string(), src, Some(p.to_string()))
        }
        (None, Some(f)) => {
            let draft: FilterDraft = serde_json::from_str(&read_input(Some(&f.to_string()))?)
                .map_err(|e| format!("{f}: {e}"))?;
            let text = match &draft.predicate {
                PredicateSource::Text(t) => Some(t.clone()),
                _ => None,
            };
            (draft.entity_type, draft.predicate, text)
        }
        _ => return Err("give exactly one of --predicate TEXT or --filter FILE".into()),
    };
    let filter = match compile_source(&schema, &t, &source) {
        Ok((f, _)) => f,
        Err(ds) => {
            print_diagnostics(&ds, text.as_deref());
            return Ok(ExitCode::from(1));
        }
    };
    let input = read_input(a.positional.first())?;
    let entities: Vec<Value> = if input.trim_start().starts_with('[') {
        serde_json::from_str(&input).map_err(|e| format!("entities: {e}"))?
    } else {
        input
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("entities (JSON lines): {e}"))?
    };
    let empty = serde_json::Map::new();
    for e in &entities {
        let et = e.get("entity_type").and_then(Value::as_str).unwrap_or(&t);
        let attrs = e.get("attributes").and_then(Value::as_object).unwrap_or(&empty);
        let Some(p) = PreparedEntity::new(&schema, et, attrs) else { continue };
        if filter.matches(&p) {
            println!(
                "{}",
                e.get("id")
                    .map(|v| v.as_str().map(String::from).unwrap_or_else(|| v.to_string()))
                    .unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `sql`: a predicate or a list scope compiled to a SQL `WHERE` fragment and its parameters.
pub fn sql(args: &[String]) -> Result<ExitCode, String> {
    use portcullis::pushdown::{compile_filter, compile_scope, Dialect, Mapping};
    let known = ["dialect", "entity-type", "predicate", "scope", "mapping"];
    let a = parse_args(args, &known)?;
    a.check_known(&known)?;
    let dialect = match a.value("dialect") {
        Some("postgres") => Dialect::Postgres,
        Some("sqlite") => Dialect::Sqlite,
        _ => return Err("--dialect is postgres or sqlite".into()),
    };
    let t = a.value("entity-type").ok_or("--entity-type is required")?;
    let schema = Schema::builtin();
    let mapping = match a.value("mapping") {
        None => Mapping::builtin(&schema),
        Some(f) => serde_json::from_str(&read_input(Some(&f.to_string()))?)
            .map_err(|e| format!("{f}: not a mapping: {e}"))?,
    };
    let compiled = match (a.value("predicate"), a.value("scope")) {
        (Some(p), None) => {
            let src = if p.trim_start().starts_with('{') {
                PredicateSource::Json(serde_json::from_str(p).map_err(|e| e.to_string())?)
            } else {
                PredicateSource::Text(p.into())
            };
            match compile_source(&schema, t, &src) {
                Ok((f, _)) => compile_filter(&schema, &mapping, dialect, &f).map_err(|d| vec![d]),
                Err(ds) => Err(ds),
            }
        }
        (None, Some(f)) => {
            let v: Value = serde_json::from_str(&read_input(Some(&f.to_string()))?)
                .map_err(|e| format!("{f}: {e}"))?;
            portcullis::Scope::from_json(&schema, t, &v)
                .and_then(|s| compile_scope(&schema, &mapping, dialect, t, &s).map_err(|d| vec![d]))
        }
        _ => return Err("give exactly one of --predicate P or --scope FILE".into()),
    };
    match compiled {
        Ok(q) => {
            println!("{}", serde_json::to_string(&q).map_err(|e| e.to_string())?);
            Ok(ExitCode::SUCCESS)
        }
        Err(ds) => {
            print_diagnostics(&ds, a.value("predicate"));
            Ok(ExitCode::from(1))
        }
    }
}

/// `decide`: a world, a key and a request.
pub fn decide(args: &[String]) -> Result<ExitCode, String> {
    let a = parse_args(args, &[])?;
    a.check_known(&["explain"])?;
    let [world, key, request] = a.positional.as_slice() else {
        return Err("decide takes WORLD KEY REQUEST".into());
    };
    let world: World =
        serde_json::from_str(&read_input(Some(world))?).map_err(|e| format!("world: {e}"))?;
    let key: Option<Key> = if key == "null" {
        None
    } else {
        serde_json::from_str(&read_input(Some(key))?).map_err(|e| format!("key: {e}"))?
    };
    let req: Request =
        serde_json::from_str(&read_input(Some(request))?).map_err(|e| format!("request: {e}"))?;
    let loaded = world.load(Schema::builtin());
    for p in &loaded.problems {
        eprintln!("warning: world: {p}");
    }
    if a.has("explain") {
        let e = loaded.explain(key.as_ref(), &req);
        println!("{}", serde_json::to_string(&e.decision).map_err(|e| e.to_string())?);
        print!("{}", e.render());
    } else {
        println!(
            "{}",
            serde_json::to_string(&loaded.decide(key.as_ref(), &req)).map_err(|e| e.to_string())?
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `conformance`: run case files.
pub fn conformance(args: &[String]) -> Result<ExitCode, String> {
    let a = parse_args(args, &["backend", "database-url"])?;
    a.check_known(&["backend", "database-url"])?;
    if a.positional.is_empty() {
        return Err("conformance takes one or more case files".into());
    }
    let mut backend =
        Backend::open(a.value("backend").unwrap_or("memory"), a.value("database-url"))?;
    let mut tally = Tally::default();
    let run = a.positional.iter().try_for_each(|f| run_file(f, &mut tally, &mut backend));
    let name = backend.name();
    backend.close()?;
    run?;
    if tally.not_applicable > 0 {
        println!("{} not applicable to the {name} back end", tally.not_applicable);
    }
    let skipped =
        if tally.skipped > 0 { format!(", {} skipped", tally.skipped) } else { String::new() };
    println!("{} passed, {} failed{skipped}", tally.passed, tally.failed);
    Ok(if tally.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
