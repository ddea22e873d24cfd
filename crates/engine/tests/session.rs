//! The engine's session API driven without the binary: statements in, typed rows,
//! mutation results, progress events and cancellation out, against the emulator (a local
//! Cloud Control API on a loopback port) and the aws registry snapshot.

use stackql_emulator::{EmulatorConfig, LatencyConfig};
use stackql_engine::{
    EngineError, EngineOptions, Executed, Outcome, ProgressEvent, Session, StatementText,
};
use stackql_output::Cell;
use stackql_testkit::{aws_registry, Emulator, TempRegistry};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROLE: &str = "arn:aws:iam::123456789012:role/sagemaker";

struct Fixture {
    _reg: TempRegistry,
    emu: Emulator,
    options: Box<dyn Fn() -> EngineOptions>,
}

fn start(config: EmulatorConfig) -> Fixture {
    let reg = aws_registry();
    let emu = Emulator::start(EmulatorConfig {
        registry_root: Some(reg.root().to_path_buf()),
        ..config
    });
    let root = reg.root().to_path_buf();
    let url = emu.url();
    let options = Box::new(move || {
        let mut o = EngineOptions::new(root.clone());
        o.env = Arc::new(stackql_testkit::emulator_env(url.clone()));
        o
    });
    Fixture {
        _reg: reg,
        emu,
        options,
    }
}

fn insert(name: &str) -> String {
    format!(
        "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) \
         SELECT '{name}', '{ROLE}', 'us-east-1'"
    )
}

const SELECT: &str =
    "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1' ORDER BY image_arn";

/// Records every event a session reports.
fn record(session: &mut Session) -> Arc<Mutex<Vec<ProgressEvent>>> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    session.on_progress(move |e| sink.lock().unwrap().push(e.clone()));
    events
}

fn texts(executed: &Executed) -> Vec<String> {
    let Outcome::Rows(rs) = &executed.outcome else {
        panic!("expected rows, got {:?}", executed.outcome);
    };
    rs.rows
        .iter()
        .map(|r| match &r[0] {
            Cell::Text(t) => t.clone(),
            other => panic!("expected text, got {other:?}"),
        })
        .collect()
}

#[test]
fn a_script_in_gives_mutation_results_rows_and_progress_events_out() {
    let f = start(EmulatorConfig {
        page_size: 2,
        ..EmulatorConfig::default()
    });
    let mut session = Session::new((f.options)()).expect("session opens");
    let events = record(&mut session);

    let script = format!(
        "{};\n{};\n{};",
        insert("s-one"),
        insert("s-two"),
        insert("s-three")
    );
    let mut answers = Vec::new();
    let ran = session
        .run_script(&script, |s, r| {
            answers.push((s.line, r));
            true
        })
        .expect("the script splits");
    assert_eq!(ran, 3);
    assert_eq!(answers.iter().map(|a| a.0).collect::<Vec<_>>(), [1, 2, 3]);
    for (_, answer) in &answers {
        let Ok(Executed {
            outcome: Outcome::Mutations(results),
            ..
        }) = answer
        else {
            panic!("expected a mutation result, got {answer:?}");
        };
        assert_eq!(results.len(), 1);
        assert!(results[0].awaited, "{:?}", results[0]);
        assert_eq!(results[0].status.as_deref(), Some("SUCCESS"));
    }
    let writes: Vec<_> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::WriteStatus { status, .. } => Some(status.clone()),
            _ => None,
        })
        .collect();
    // Each write reports what the provider answered, and its final status once awaited.
    let successes = writes.iter().filter(|s| *s == "SUCCESS").count();
    assert!(
        successes >= 3,
        "each awaited write ends in SUCCESS: {writes:?}"
    );

    events.lock().unwrap().clear();
    let rows = session
        .run(&StatementText {
            text: SELECT.into(),
            line: 1,
        })
        .expect("the select runs");
    assert_eq!(
        texts(&rows),
        [
            "arn:aws:sagemaker:us-east-1:123456789012:image/s-one",
            "arn:aws:sagemaker:us-east-1:123456789012:image/s-three",
            "arn:aws:sagemaker:us-east-1:123456789012:image/s-two",
        ]
    );
    let seen = events.lock().unwrap().clone();
    let count = |want: &ProgressEvent| seen.iter().filter(|e| *e == want).count();
    // Three images at two a page: two pages, one call; rows reported as they arrive.
    assert_eq!(count(&ProgressEvent::PageReceived), 2, "{seen:?}");
    assert!(count(&ProgressEvent::RequestSent) >= 2, "{seen:?}");
    assert_eq!(count(&ProgressEvent::CallDone), 1, "{seen:?}");
    let rows_reported: u64 = seen
        .iter()
        .map(|e| match e {
            ProgressEvent::RowsReceived(n) => *n,
            _ => 0,
        })
        .sum();
    assert_eq!(rows_reported, 3, "{seen:?}");
    // The polling view counts the same.
    let snapshot = session.progress().snapshot();
    assert_eq!((snapshot.pages, snapshot.rows), (2, 3));
}

#[test]
fn a_failing_statement_stops_the_script_and_names_what_is_missing() {
    let f = start(EmulatorConfig::default());
    let mut session = Session::new((f.options)()).expect("session opens");
    let mut answers = Vec::new();
    session
        .run_script(
            "SELECT * FROM aws.cloud_control.resource WHERE region = 'us-east-1'; SELECT 1;",
            |_, r| {
                answers.push(r);
                true
            },
        )
        .expect("the script splits");
    assert_eq!(
        answers.len(),
        1,
        "the second statement is not run: {answers:?}"
    );
    match &answers[0] {
        Err(e @ EngineError::MissingParams { missing, .. }) => {
            assert!(missing.iter().any(|m| m == "data__TypeName"), "{e}")
        }
        other => panic!("expected a missing region, got {other:?}"),
    }
    assert!(f.emu.journal().is_empty(), "nothing was sent");
}

#[test]
fn dry_run_answers_with_the_plan_and_sends_nothing() {
    let f = start(EmulatorConfig::default());
    let mut options = (f.options)();
    options.dry_run = true;
    let mut session = Session::new(options).expect("session opens");
    assert!(session.is_dry_run());
    let answer = session.run_text(&insert("dry")).expect("planned");
    assert_eq!(texts(&answer), [format!("{};", insert("dry"))]);
    // A statement that cannot be planned fails as it would when run.
    let err = session
        .run_text("SELECT nope FROM aws.sagemaker.images WHERE region = 'us-east-1'")
        .expect_err("an unknown column is refused");
    assert!(err.to_string().contains("nope"), "{err}");
    assert!(f.emu.journal().is_empty(), "nothing was sent");
}

#[test]
fn a_cancel_from_another_thread_stops_the_running_statement() {
    let f = start(EmulatorConfig {
        latency: Some(LatencyConfig {
            fixed: Duration::from_secs(8),
            jitter: Duration::ZERO,
        }),
        ..EmulatorConfig::default()
    });
    let mut session = Session::new((f.options)()).expect("session opens");
    let (sent_tx, sent_rx) = mpsc::channel();
    let sent_tx = Mutex::new(sent_tx);
    session.on_progress(move |e| {
        if *e == ProgressEvent::RequestSent {
            let _ = sent_tx.lock().unwrap().send(());
        }
    });
    let cancel = session.cancel_handle();
    let started = Instant::now();
    let runner = std::thread::spawn(move || session.run_text(SELECT));
    sent_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the request goes out");
    cancel.cancel();
    let answer = runner.join().expect("no panic");
    assert!(
        matches!(answer, Err(EngineError::Cancelled)),
        "expected a cancel, got {answer:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "the cancel did not wait for the slow answer ({:?})",
        started.elapsed()
    );
}
