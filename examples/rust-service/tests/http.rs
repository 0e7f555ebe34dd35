//! The example service over real HTTP on 127.0.0.1: the binary started on an ephemeral port,
//! each answer checked as an integrator meets it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Service {
    child: Child,
    base: String,
    banner: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Service {
    let child = Command::new(env!("CARGO_BIN_EXE_portcullis-example-service"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the example service starts");
    // Held from here on, so the process is stopped however the start-up ends.
    let mut s = Service { child, base: String::new(), banner: String::new() };
    let mut out = BufReader::new(s.child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "the service exited:\n{}", s.banner);
        s.banner += &line;
        if let Some(rest) = line.strip_prefix("listening on http://") {
            s.base = rest.split_whitespace().next().unwrap().to_string();
            return s;
        }
    }
}

/// One GET; the status and the body.
fn get(s: &Service, path: &str, token: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(&s.base).unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {}\r\n{auth}Connection: close\r\n\r\n", s.base)
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

const TOKEN: Option<&str> = Some("example-token");

#[test]
fn the_grants_decide_every_answer() {
    let s = start();
    // The banner shows a broken filter with its caret, and an explanation.
    assert!(s.banner.contains("error[operator_not_allowed]"), "{}", s.banner);
    assert!(s.banner.contains("^^^^^^^^^"), "{}", s.banner);
    assert!(s.banner.contains("decision: 404 not_found"), "{}", s.banner);

    let concrete_typical = "/details/e0000000-0000-4000-8000-000000000000";
    let (status, body) = get(&s, concrete_typical, TOKEN);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""project_type":"typical""#), "{body}");
    // Outside the grants, missing, or not an id at all: the same 404, byte for byte.
    let outside = get(&s, "/details/e0000000-0000-4000-8000-000000000001", TOKEN);
    assert_eq!(outside.0, 404);
    assert_eq!(get(&s, "/details/e0000000-0000-4000-8000-000000999999", TOKEN), outside);
    assert_eq!(get(&s, "/details/d1", TOKEN), outside);

    let (status, body) = get(&s, "/details?limit=3", TOKEN);
    assert_eq!(status, 200);
    assert!(body.contains(r#""total":250"#), "{body}");
    assert_eq!(body.matches(r#""id":"#).count(), 3, "{body}");
    assert!(!body.contains("steel"), "{body}");
    assert_eq!(get(&s, "/details?limit=0", TOKEN).0, 400);

    let (status, body) = get(&s, "/stashes", TOKEN);
    assert_eq!((status, body.contains("insufficient_scope")), (403, true), "{body}");
    let (status, body) = get(&s, concrete_typical, None);
    assert_eq!((status, body.contains("invalid_token")), (401, true), "{body}");
    assert_eq!(get(&s, concrete_typical, Some("not-a-token")).0, 401);
}
