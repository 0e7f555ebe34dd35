//! The `portcullis` command line: check, fmt, eval, decide, sql, conformance.

mod cli;

use std::process::ExitCode;

const USAGE: &str = "\
portcullis: a policy engine for scoped API access

USAGE:
  portcullis check [FILE] [--entity-type TYPE]
      Validate a filter: a JSON filter document ({entity_type, name, predicate | predicate_text})
      or, with --entity-type, a predicate in text or JSON form. Reads stdin without FILE.
      Exit status 1 when invalid.
  portcullis fmt [FILE] [--json]
      Print a predicate (text or JSON form) as canonical text, or with --json as JSON.
  portcullis eval --entity-type TYPE (--predicate TEXT | --filter FILE) [ENTITIES]
      Print the ids of the entities (a JSON array or JSON lines; stdin without ENTITIES)
      that match the filter.
  portcullis decide WORLD KEY REQUEST [--explain]
      Decide a request. Each argument is a JSON file (KEY may be the word null).
  portcullis sql --dialect postgres|sqlite --entity-type TYPE (--predicate P | --scope FILE)
      [--mapping FILE]
      Compile a predicate (text or JSON form), or a list scope (a JSON file: {all: true} or
      {all: false, any: [predicates]}), to a SQL WHERE fragment and its bind parameters over
      the default table mapping (or the mapping file's): prints {sql, params}. See
      docs/pushdown.md.
  portcullis conformance [--backend memory|sqlite|postgres|search] [--database-url URL] FILE...
      Run conformance case files; ends with `N passed, M failed`, exit status 1 on failure.
      Through sqlite (in memory), postgres (a throwaway schema at URL, dropped after) or search
      (a detail index in memory), the cases that read data run as pushed-down queries; the
      others are counted on a line of their own as not applicable.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let result = match cmd.as_str() {
        "check" => cli::commands::check(rest),
        "fmt" => cli::commands::fmt(rest),
        "eval" => cli::commands::eval(rest),
        "decide" => cli::commands::decide(rest),
        "conformance" => cli::commands::conformance(rest),
        "sql" => cli::commands::sql(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}
