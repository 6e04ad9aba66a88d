//! Excursions that cannot drift (`base = ...`): the shipped excursions resolve against the
//! baseline and hold everything they do not change; a resolved excursion runs exactly as the full
//! file written by hand; bad chains of bases are one message, exit 2, nothing written.

mod common;

use std::path::Path;

use common::{salvosim, write};

fn baseline() -> String {
    std::fs::read_to_string("scenarios/baseline.toml").unwrap()
}

fn names(list: &[impl AsRef<str>]) -> Vec<String> {
    list.iter().map(|n| n.as_ref().to_string()).collect()
}

/// Every shipped excursion names the baseline as its base and keeps its threats and layers, but
/// for what its header says it leaves out (cheap-layers: aviation out, a laser in).
#[test]
fn the_shipped_excursions_keep_the_baseline_but_for_what_they_change() {
    let base = common::shipped().into_iter().find(|s| s.name == "baseline").unwrap();
    let threats = names(&base.threats.iter().map(|t| t.name.clone()).collect::<Vec<_>>());
    let layers = names(&base.layers.iter().map(|l| l.name.clone()).collect::<Vec<_>>());
    for name in ["intel-pause", "mass-raid", "ceasefire", "combined-raid", "cheap-layers"] {
        let file = format!("scenarios/{name}.toml");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("\nbase = \"baseline.toml\"\n"), "{file} is an excursion of the baseline");
        let s = common::shipped().into_iter().find(|s| s.name == name).unwrap();
        let got: Vec<String> = s.threats.iter().map(|t| t.name.clone()).collect();
        assert_eq!(got, threats, "{file}: the baseline's threats");
        let got: Vec<String> = s.layers.iter().map(|l| l.name.clone()).collect();
        let expected = match name {
            "cheap-layers" => names(&[
                "mobile-fire-group",
                "gepard",
                "interceptor-drones",
                "laser",
                "shorad-missile",
                "nasams",
                "patriot",
            ]),
            _ => layers.clone(),
        };
        assert_eq!(got, expected, "{file}: the baseline's layers");
        assert!(text.contains("leaves"), "{file} says in its header what it leaves out");
    }
}

/// The intelligence pause written as an excursion and as the full file by hand (the baseline's
/// text with its name and the phase written in) give the same nights.csv and the same
/// summary.json but for the scenario's hash; and an excursion's `validate --resolved` text, run
/// as a file, gives byte-identical outputs, hash included.
#[test]
fn a_resolved_excursion_runs_as_the_full_file_written_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write(dir, "baseline.toml", &baseline());
    let phase = "\n[[phase]]\nname = \"pause\"\nnights = [5, 11]\nearly_warning = { pert = [0.4, 0.6, 0.8] }\n";
    let excursion =
        write(dir, "pause.toml", &format!("[scenario]\nbase = \"baseline.toml\"\nname = \"pause\"\n{phase}"));
    let by_hand = baseline().replacen("name = \"baseline\"", "name = \"pause\"", 1) + phase;
    let by_hand = write(dir, "by-hand.toml", &by_hand);
    let resolved = salvosim().args(["validate", "--resolved"]).arg(&excursion).output().unwrap();
    assert!(resolved.status.success(), "{}", String::from_utf8_lossy(&resolved.stderr));
    let resolved_text = String::from_utf8(resolved.stdout).unwrap();
    assert!(!resolved_text.contains("base ="), "the resolved file names no base");
    let resolved = write(dir, "resolved.toml", &resolved_text);
    let run = |file: &Path, out: &str| {
        let out = dir.join(out);
        salvosim()
            .args(["run", file.to_str().unwrap(), "--quiet", "--no-charts", "--trials", "300", "--out"])
            .arg(&out)
            .assert()
            .success();
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        (summary, std::fs::read(out.join("nights.csv")).unwrap(), std::fs::read(out.join("summary.json")).unwrap())
    };
    let (mut excursion_summary, excursion_nights, excursion_bytes) = run(&excursion, "excursion");
    let (mut hand_summary, hand_nights, _) = run(&by_hand, "by-hand");
    let (_, resolved_nights, resolved_bytes) = run(&resolved, "resolved");
    assert!(excursion_nights == hand_nights, "nights.csv: the excursion and the file by hand differ");
    for summary in [&mut excursion_summary, &mut hand_summary] {
        summary.as_object_mut().unwrap().remove("scenario_hash");
    }
    assert_eq!(excursion_summary, hand_summary, "summary.json but for the hash");
    assert!(
        excursion_nights == resolved_nights && excursion_bytes == resolved_bytes,
        "the resolved file, byte for byte"
    );
}

/// Runs `salvosim run FILE --out DIR` and expects exit 2, one line on stderr holding every one of
/// `expected`, and no DIR.
fn refused(file: &Path, expected: &[&str]) {
    let out = file.with_extension("out");
    let result = salvosim().args(["run", file.to_str().unwrap(), "--quiet", "--out"]).arg(&out).output().unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{}: {stderr}", file.display());
    assert_eq!(stderr.lines().count(), 1, "one message: {stderr}");
    for part in expected {
        assert!(stderr.contains(part), "{}: expected {part:?} in {stderr}", file.display());
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists(), "{}: nothing written", file.display());
}

#[test]
fn bad_chains_of_bases_are_one_message_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write(dir, "baseline.toml", &baseline());
    let excursion = |name: &str, body: &str| write(dir, name, &format!("[scenario]\nname = \"{name}-x\"\n{body}"));
    refused(
        &excursion("missing.toml", "base = \"nowhere.toml\"\n"),
        &["missing.toml:3:8", "scenario.base", "cannot use the base", "nowhere.toml"],
    );
    refused(
        &excursion("number.toml", "base = 3\n"),
        &["number.toml:3:8", "must be the path of the base scenario file"],
    );
    let cycle_a = excursion("a.toml", "base = \"b.toml\"\n");
    excursion("b.toml", "base = \"a.toml\"\n");
    refused(&cycle_a, &["scenario.base", "makes a cycle of bases", "a.toml", "b.toml"]);
    refused(&excursion("self.toml", "base = \"self.toml\"\n"), &["makes a cycle of bases"]);
    refused(
        &excursion("remove.toml", "base = \"baseline.toml\"\n[[layer]]\nname = \"laser\"\nremove = true\n"),
        &["remove.toml", "layer.laser.remove", "the base has no layer `laser` to remove"],
    );
    std::fs::write(dir.join("same-name.toml"), "[scenario]\nbase = \"baseline.toml\"\nname = \"baseline\"\n").unwrap();
    refused(&dir.join("same-name.toml"), &["same-name.toml:3:8", "scenario.name", "must differ from the base's name"]);
    // A bad value is placed in the file that wrote it: the excursion's own line, or the base's.
    let bad = excursion("bad-stock.toml", "base = \"baseline.toml\"\n[[layer]]\nname = \"nasams\"\nstock = -5\n");
    refused(&bad, &["bad-stock.toml:6:9", "layer.nasams.stock = -5"]);
    write(dir, "bad-base.toml", &baseline().replacen("pk = { pert = [0.75, 0.85, 0.95] }", "pk = 1.5", 1));
    let on_bad_base = excursion("on-bad-base.toml", "base = \"bad-base.toml\"\n");
    let line = baseline().lines().position(|l| l.starts_with("pk = { pert = [0.75, 0.85, 0.95] }")).unwrap() + 1;
    refused(&on_bad_base, &[&format!("bad-base.toml:{line}:6"), "layer.nasams.pk = 1.5"]);
}
