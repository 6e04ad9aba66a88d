//! Campaigns that take their nights from the record (`raid.record`): one night per report in the
//! window, in the order the reports' windows start, each with its report's raid and date; dated
//! phases by the reports' dates; and what such a scenario may not say.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

/// Reports, newest first as in the real file, with one out of the window and one a missile.
const DATA: &str = "time_start,time_end,model,launched,destroyed,not_reach_goal
2025-03-04 18:00,2025-03-05 08:00,Shahed-136/131,40,20,10
2025-03-03 09:00,2025-03-03 18:00,Shahed-136/131,7,5,1
2025-03-03 02:00,2025-03-03 07:00,Kh-101,12,10,0
2025-03-02 18:00,2025-03-03 08:00,Shahed-136/131 and Lancet,90,60,20
2025-03-01 18:00,2025-03-02 08:00,Shahed-136/131,25,15,5
2025-02-28 18:00,2025-03-01 08:00,Shahed-136/131,300,200,60
";

fn scenario(extra: &str) -> String {
    let mut text = String::from(
        "[scenario]\nname = \"replay\"\ntrials = 400\n[raid]\nrecord = { file = \"data.csv\", from = \"2025-03-01\", to = \"2025-03-31\" }\n\
         [[threat]]\nname = \"shahed\"\nkind = \"drone\"\nshare = 1\nunit_cost = 30000\n\
         [defence]\new_defeat = 0.2\n\
         [[layer]]\nname = \"guns\"\ndoctrine = \"salvo\"\npk = 0.5\nmax_shots = 1\ncost_per_shot = 100\ncoverage = 0.5\n",
    );
    let _ = write!(text, "{extra}");
    text
}

fn setup(dir: &Path, extra: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("data.csv"), DATA).unwrap();
    let file = dir.join("replay.toml");
    std::fs::write(&file, scenario(extra)).unwrap();
    file
}

/// Runs the scenario with `extra` appended in `dir`; returns the results folder.
fn run(dir: &Path, extra: &str) -> std::path::PathBuf {
    let file = setup(dir, extra);
    let out = dir.join("out");
    Command::cargo_bin("salvosim")
        .unwrap()
        .args(["run", file.to_str().unwrap(), "--quiet", "--no-charts", "--out", out.to_str().unwrap()])
        .assert()
        .success();
    out
}

/// nights.csv rows of `metric`/`series`: (night, date, mean).
fn series(dir: &Path, metric: &str, series: &str) -> Vec<(u32, String, f64)> {
    let mut reader = csv::Reader::from_path(dir.join("nights.csv")).unwrap();
    assert_eq!(reader.headers().unwrap().iter().next_back(), Some("date"));
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[1] == metric && &r[2] == series)
        .map(|r| (r[0].parse().unwrap(), r[8].to_string(), r[3].parse().unwrap()))
        .collect()
}

#[test]
fn each_report_of_the_window_is_a_night_with_its_raid_and_date() {
    let dir = TempDir::new().unwrap();
    let out = run(dir.path(), "");
    let launched = series(&out, "launched", "total");
    let expected = [(1, "2025-03-01", 25.0), (2, "2025-03-02", 90.0), (3, "2025-03-03", 7.0), (4, "2025-03-04", 40.0)];
    assert_eq!(launched.len(), expected.len(), "{launched:?}");
    for ((night, date, mean), (n, d, m)) in launched.iter().zip(expected) {
        assert_eq!((*night, date.as_str(), *mean), (n, d, m), "one drone type: the raid is launched exactly");
    }
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["nights"], 4);
    assert_eq!(summary["dates"], serde_json::json!(["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"]));
}

#[test]
fn a_dated_phase_applies_on_the_reports_of_its_dates() {
    let dir = TempDir::new().unwrap();
    let phase = "[[phase]]\nname = \"jammers\"\ndates = [\"2025-03-02\", \"2025-03-03\"]\nset = { \"defence.ew_defeat\" = 1 }\n";
    let out = run(dir.path(), phase);
    let ew: Vec<f64> = series(&out, "ew_defeated", "total").iter().map(|(_, _, mean)| *mean).collect();
    assert_eq!(&ew[1..3], &[90.0, 7.0], "every drone of the phase's reports is lost to EW");
    assert!(ew[0] < 25.0 && ew[3] < 40.0, "{ew:?}");
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["phases"][0]["nights"], serde_json::json!([2, 3]));
}

#[test]
fn what_a_replaying_scenario_may_not_say_is_refused() {
    let cases = [
        ("[scenario]\nname = \"replay\"\n", "[scenario]\nname = \"replay\"\nnights = 30\n", "remove `nights`"),
        ("[raid]\n", "[raid]\nsize = 100\n", "remove `size`"),
        (
            "[scenario]\nname = \"replay\"\n",
            "[scenario]\nname = \"replay\"\nstart_date = \"2025-03-01\"\n",
            "remove `start_date`",
        ),
        (
            "from = \"2025-03-01\", to = \"2025-03-31\"",
            "from = \"2025-05-01\", to = \"2025-05-31\"",
            "no Shahed-type report",
        ),
        (
            "from = \"2025-03-01\", to = \"2025-03-31\"",
            "from = \"2025-03-31\", to = \"2025-03-01\"",
            "must not be before `from`",
        ),
        ("file = \"data.csv\"", "file = \"nothing.csv\"", "cannot read the data file"),
    ];
    for (from, to, message) in cases {
        let dir = TempDir::new().unwrap();
        let file = setup(dir.path(), "");
        std::fs::write(&file, scenario("").replacen(from, to, 1)).unwrap();
        let out = dir.path().join("never");
        let result = Command::cargo_bin("salvosim")
            .unwrap()
            .args(["run", file.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(2), "{to}: {stderr}");
        assert!(stderr.contains(message), "{to}: expected {message:?} in {stderr}");
        assert!(!out.exists());
    }
    let dir = TempDir::new().unwrap();
    let file = setup(dir.path(), "[[phase]]\nname = \"p\"\nnights = [1, 2]\nearly_warning = 0.5\n");
    let result = Command::cargo_bin("salvosim").unwrap().args(["validate", file.to_str().unwrap()]).output().unwrap();
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&result.stderr).contains("give the phase `dates`"));
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
        }
    }
    out
}

#[test]
fn sweeps_and_shards_replay_the_record_too() {
    let dir = TempDir::new().unwrap();
    let file = setup(dir.path(), "").to_str().unwrap().to_string();
    let salvosim = || Command::cargo_bin("salvosim").unwrap();
    let sweep = dir.path().join("sweep");
    salvosim()
        .args(["sweep", &file, "--vary", "defence.ew_defeat=0,1", "--quiet", "--no-charts", "--out"])
        .arg(&sweep)
        .assert()
        .success();
    for (point, ew) in [("000", 0.0), ("001", 1.0)] {
        let ew_total: f64 = series(&sweep.join("points").join(point), "ew_defeated", "total").iter().map(|r| r.2).sum();
        assert_eq!(ew_total, ew * (25.0 + 90.0 + 7.0 + 40.0), "point {point}: the record's four raids");
    }
    let whole = dir.path().join("whole");
    salvosim()
        .args(["run", &file, "--trials", "2500", "--quiet", "--no-charts", "--out"])
        .arg(&whole)
        .assert()
        .success();
    let shards = dir.path().join("shards");
    for k in 0..2 {
        let shard = format!("{k}/2");
        let args = ["run", &file, "--trials", "2500", "--quiet", "--shard", &shard, "--out"];
        salvosim().args(args).arg(&shards).assert().success();
    }
    let merged = dir.path().join("merged");
    let inputs: Vec<std::path::PathBuf> = std::fs::read_dir(&shards).unwrap().map(|e| e.unwrap().path()).collect();
    salvosim().arg("merge").args(&inputs).args(["--quiet", "--no-charts", "--out"]).arg(&merged).assert().success();
    assert!(files(&merged) == files(&whole), "merged shards differ from the unsharded replay");
}

/// The shipped whole-war scenario replays every Shahed-type report of the real record from the first
/// to the last, counted here independently of salvosim; its dated phases fall on the reports of their
/// dates; and its outcome chart is drawn by month.
#[test]
fn the_whole_war_scenario_replays_every_shahed_type_report() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ua-air-defence/missile_attacks_daily.csv");
    if !data.is_file() {
        return common::skip_or_fail_in_ci("tests/replay.rs", &format!("{} is not present", data.display()));
    }
    let mut reports: Vec<(String, String)> = csv::Reader::from_path(&data)
        .unwrap()
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(Result::unwrap)
        .filter(|row| row["model"].contains("Shahed"))
        .map(|row| (row["time_start"].clone(), row["time_start"][..10].to_string()))
        .filter(|(_, date)| date.as_str() >= "2022-09-01" && date.as_str() <= "2026-05-31")
        .collect();
    reports.sort();
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    Command::cargo_bin("salvosim")
        .unwrap()
        .args(["run", "scenarios/record/whole-war.toml", "--quiet", "--trials", "40", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let dates: Vec<&str> = summary["dates"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    let expected: Vec<&str> = reports.iter().map(|(_, date)| date.as_str()).collect();
    assert_eq!(summary["nights"], serde_json::json!(expected.len()));
    assert_eq!(dates, expected, "one night per Shahed-type report, in start order");
    assert!(dates[0].starts_with("2022-09") && dates.last().unwrap().starts_with("2026-05"));
    for phase in summary["phases"].as_array().unwrap() {
        let nights = phase["nights"].as_array().unwrap();
        let (first, last) = (nights[0].as_u64().unwrap() as usize, nights[1].as_u64().unwrap() as usize);
        let window = phase["dates"].as_array().unwrap();
        let (from, to) = (window[0].as_str().unwrap(), window[1].as_str().unwrap());
        assert!(dates[first - 1] >= from && dates[last - 1] <= to, "{phase}");
        assert!(first == 1 || dates[first - 2] < from, "{phase}: the night before is in the phase's dates");
        assert!(last == dates.len() || dates[last] > to, "{phase}: the night after is in the phase's dates");
    }
    let chart = std::fs::read_to_string(out.join("charts/nightly-outcome.svg")).unwrap();
    assert!(chart.contains("Month (the reports") && chart.contains("2025-02"), "the outcome chart is drawn by month");
}

/// How the record reports a drone nobody stopped (`leak_reported_as`): a strike drone as having
/// reached its target, a decoy set to "lost" as lost. Against a layer that covers nothing and no
/// EW, every drone leaks: by default all are reported reached; with the decoy's leaks reported
/// lost, exactly the decoys are lost, night by night and trial by trial.
#[test]
fn leaked_decoys_are_reported_as_the_scenario_says() {
    let text = |decoy_leaks: &str| {
        format!(
            "[scenario]\nname = \"fates\"\nnights = 3\n[raid]\nsize = 50\n\
             [[threat]]\nname = \"shahed\"\nkind = \"drone\"\nshare = 1\nunit_cost = 30000\n\
             [[threat]]\nname = \"decoy\"\nkind = \"drone\"\nshare = 1\nunit_cost = 3000\ndecoy = true\n{decoy_leaks}\n\
             [[layer]]\nname = \"guns\"\ndoctrine = \"salvo\"\npk = 0.5\nmax_shots = 1\ncost_per_shot = 100\ncoverage = 0\n"
        )
    };
    let reported = salvosim::replay::simulate_night_fates(&common::scenario(&text("")), 200, 5);
    let lost = common::scenario(&text("leak_reported_as = \"lost\""));
    let decoys: Vec<Vec<f64>> = (0..200)
        .map(|trial| {
            let layout = salvosim::engine::NightLayout::new(&lost);
            let mut record = salvosim::engine::TrialRecord::default();
            salvosim::engine::simulate(
                &lost,
                &layout,
                5,
                trial,
                &mut salvosim::engine::Workspace::default(),
                &mut record,
            );
            record.nightly.chunks_exact(layout.width()).map(|row| row[layout.leakers(1)]).collect()
        })
        .collect();
    let as_lost = salvosim::replay::simulate_night_fates(&lost, 200, 5);
    for (trial, (all, split)) in reported.iter().zip(&as_lost).enumerate() {
        for (night, (a, b)) in all.iter().zip(split).enumerate() {
            assert_eq!((a.launched, a.destroyed, a.ew), (50.0, 0.0, 0.0), "trial {trial} night {night}: all reached");
            assert_eq!((b.launched, b.destroyed), (50.0, 0.0));
            assert_eq!(b.ew, decoys[trial][night], "trial {trial} night {night}: the decoys are lost");
        }
    }
    assert!(decoys.iter().flatten().any(|&d| d > 0.0) && decoys.iter().flatten().any(|&d| d < 50.0));
}
