//! The text and Markdown reports of every example session in `sessions/`,
//! as reviewed snapshots: a change to decoding or wording shows here as a
//! diff to review (`cargo insta review`), one session at a time.

use apiscope_core::decode::{self, Options, Profiles};
use apiscope_core::report::{self, Format};
use rstest::rstest;

fn reports(name: &str) -> (String, String) {
    let path = format!("{}/../../sessions/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let exchanges = apiscope_core::input::read_any(&path).expect("an example session reads");
    let options = Options {
        dialect: None,
        now: Some(1_767_225_600),
    };
    let diagnoses = decode::diagnose_all(&exchanges, &Profiles::built_in(), &options);
    (
        report::render(Format::Text, &diagnoses, false),
        report::render(Format::Markdown, &diagnoses, false),
    )
}

#[rstest]
#[case("aptly")]
#[case("coded")]
#[case("demo")]
#[case("envelope")]
#[case("errors-array")]
#[case("ittybit")]
fn reports_of_the_example_sessions(#[case] name: &str) {
    let (text, markdown) = reports(name);
    insta::assert_snapshot!(format!("{name}.text"), text);
    insta::assert_snapshot!(format!("{name}.markdown"), markdown);
}

#[test]
fn every_example_session_has_a_snapshot_case() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sessions");
    let cases = [
        "aptly",
        "coded",
        "demo",
        "envelope",
        "errors-array",
        "ittybit",
    ];
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".json");
        assert!(cases.contains(&stem), "sessions/{name} has no case above");
    }
}
