//! A mutation fuzzer for everything that reads user input: the scenario parser and validator,
//! `--set` and `--vary`. Seeds are the shipped scenarios, the bad-input corpus and
//! tests/fuzz/corpus/; each round mutates a seed (byte flips, TOML tokens, deletions, splices) with
//! a fixed-seed generator and asserts that nothing panics, every rejection is one line naming the
//! file, and every accepted scenario simulates a few nights without panicking.
//!
//! `cargo test --release --test fuzz` runs a short, reproducible round (20,000 inputs). Longer runs:
//! `SALVOSIM_FUZZ_SECONDS=600 cargo test --release --test fuzz -- --nocapture`; with
//! `SALVOSIM_FUZZ_SAVE=1` inputs that produce a new kind of message are added to the corpus.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use salvosim::engine::{NightLayout, TrialRecord, Workspace, simulate};
use salvosim::scenario::{self, Override};
use salvosim::sweep::Axis;

const TOKENS: &[&str] = &[
    "=",
    "[",
    "]",
    "{",
    "}",
    "\"",
    ",",
    ".",
    "\n",
    "#",
    "-",
    "0",
    "-0.0",
    "1e308",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "18446744073709551616",
    "[[layer]]",
    "[[threat]]",
    "[[phase]]",
    "[defence]",
    "[raid]",
    "[scenario]",
    "name = \"x\"",
    "pk = 2",
    "max_shots = 0",
    "stock = -1",
    "nights = [3, 1]",
    "{ poisson = 0 }",
    "{ pert = [3, 2, 1] }",
    "{ lognormal = { median = 0, p90 = 1 } }",
    "{ normal = { mean = 1, sd = -1 } }",
    "{ uniform = [1, 0] }",
    "shares = { }",
    "decoy = true",
    "doctrine = \"salvo\"",
    "'''",
    "\"\"\"",
    "\u{feff}",
    "\\u0000",
];

/// xorshift64*: a fixed, portable stream so every run of the short fuzz is the same.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = ["scenarios", "tests/bad", "tests/fuzz/corpus"]
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|entries| entries.map(|e| e.unwrap().path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(5) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                data.splice(at..at, token.iter().copied());
            }
            2 if !data.is_empty() => {
                let end = (at + rng.below(40)).min(data.len());
                data.drain(at.min(end)..end);
            }
            3 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len());
                let to = (from + rng.below(200)).min(other.len());
                data.splice(at..at, other[from..to].iter().copied());
            }
            _ => {
                let end = (at + rng.below(30)).min(data.len());
                let chunk = data[at.min(end)..end].to_vec();
                data.splice(end..end, chunk);
            }
        }
    }
    data
}

/// The kind of a message, for spotting new behaviour: its last clause (what is wrong), with
/// quoted names and digits blanked, so that the same rule met with other names counts once.
fn kind(message: &str) -> String {
    let problem = message.rsplit(": ").next().unwrap_or(message);
    let mut out = String::new();
    let mut quoted = false;
    for c in problem.chars() {
        match c {
            '`' | '"' => {
                quoted = !quoted;
                out.push('_');
            }
            _ if quoted || c.is_ascii_digit() => {}
            _ => out.push(c),
        }
    }
    out.chars().take(60).collect()
}

/// Parses (and, if valid, briefly simulates) one input; returns the kind of outcome.
fn exercise(data: &[u8], rng: &mut Rng) -> String {
    let text = String::from_utf8_lossy(data);
    let file = Path::new("fuzz.toml");
    let outcome = match scenario::parse(&text, file, &[]) {
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with("fuzz.toml"), "message does not name the file: {message}");
            assert!(!message.contains('\n'), "message is not one line: {message:?}");
            kind(&message)
        }
        Ok(loaded) => {
            let mut s = loaded.scenario;
            // A few nights of small raids are enough to reach every code path of the engine.
            s.nights = s.nights.min(3);
            s.plan.nights.truncate(s.nights as usize);
            for size in &mut s.plan.raid_size {
                *size = scenario::Param::constant(size.as_constant().unwrap_or(50.0).min(200.0), scenario::Kind::Raid);
            }
            let layout = NightLayout::new(&s);
            simulate(&s, &layout, 1, 0, &mut Workspace::default(), &mut TrialRecord::default());
            "valid".to_string()
        }
    };
    // The same bytes as a --set value and a --vary spec.
    let arg: String = text.chars().filter(|c| *c != '\n').take(120).collect();
    let path = ["layer.guns.pk", "raid.size", "defence.ew_defeat", "threat.0.share"][rng.below(4)];
    if let Ok(set) = Override::parse(&format!("{path}={arg}")) {
        let mut document: toml::Table = toml::Table::new();
        let _ = set.apply(&mut document);
    }
    let _ = Axis::parse(&format!("{path}={arg}"));
    let _ = Axis::parse(&arg);
    outcome
}

#[test]
fn no_input_panics() {
    let seconds: u64 = std::env::var("SALVOSIM_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let save = std::env::var_os("SALVOSIM_FUZZ_SAVE").is_some();
    let seeds = seeds();
    assert!(seeds.len() >= 20, "seed corpus too small");
    let mut rng = Rng(0x5a17_05ee_d000_0001);
    let mut kinds = BTreeSet::new();
    let start = Instant::now();
    let (mut inputs, mut saved) = (0u64, 0);
    for seed in &seeds {
        kinds.insert(exercise(seed, &mut rng));
    }
    while inputs < 20_000 || start.elapsed() < Duration::from_secs(seconds) {
        let data = mutate(&mut rng, &seeds);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| exercise(&data, &mut Rng(inputs + 1))));
        let outcome = outcome.unwrap_or_else(|_| panic!("panic on input {:?}", String::from_utf8_lossy(&data)));
        if kinds.insert(outcome) && save {
            let name = format!("tests/fuzz/corpus/found-{:016x}.toml", Rng(inputs ^ data.len() as u64).next());
            std::fs::write(name, &data).unwrap();
            saved += 1;
        }
        inputs += 1;
    }
    eprintln!(
        "fuzz: {inputs} inputs in {:.1?}, {} kinds of outcome, {saved} added to the corpus",
        start.elapsed(),
        kinds.len()
    );
}
