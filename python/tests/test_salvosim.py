"""The Python package against the command line: the same files for the same seed and trials,
errors as exceptions, Ctrl-C, threads. Run by .ci/run in a fresh virtual environment."""

from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import salvosim

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
BIN = Path(os.environ.get("SALVOSIM_BIN", ROOT / "target" / "release" / "salvosim"))


def cli(*args: str, cwd: Path = ROOT) -> None:
    if not BIN.exists():
        pytest.fail(f"{BIN} is missing: build it with `cargo build --release` (or set SALVOSIM_BIN)")
    subprocess.run([str(BIN), *args, "--quiet"], check=True, cwd=cwd)


def same_tree(a: Path, b: Path) -> None:
    """Every file under `a` and `b` byte for byte the same, and the same files."""
    files = lambda root: sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())
    assert files(a) == files(b)
    for rel in files(a):
        assert filecmp.cmp(a / rel, b / rel, shallow=False), f"{rel} differs"


def test_a_run_gives_exactly_the_cli_files(tmp_path: Path) -> None:
    cli("run", str(BASELINE), "--trials", "1500", "--seed", "7", "--out", str(tmp_path / "cli"))
    r = salvosim.run(BASELINE, trials=1500, seed=7, progress=False)
    assert r.summary == json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert r.nights_csv == (tmp_path / "cli" / "nights.csv").read_text()
    pd.testing.assert_frame_equal(r.nights, pd.read_csv(tmp_path / "cli" / "nights.csv"))
    r.save(tmp_path / "py")
    same_tree(tmp_path / "cli", tmp_path / "py")


def test_sets_and_scenario_objects_match_the_cli(tmp_path: Path) -> None:
    cli("run", str(BASELINE), "--trials", "600", "--set", "layer.nasams.stock=200", "--set",
        "defence.early_warning=0.6", "--out", str(tmp_path / "cli"), "--no-charts")
    sc = salvosim.Scenario.load(BASELINE).set("layer.nasams.stock", 200).set("defence.early_warning", 0.6)
    by_object = salvosim.run(sc, trials=600, progress=False)
    by_path = salvosim.run(BASELINE, trials=600, set={"layer.nasams.stock": 200, "defence.early_warning": 0.6},
                           progress=False)
    expected = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert by_object.summary == expected and by_path.summary == expected


def test_threads_do_not_change_a_result() -> None:
    one = salvosim.run(BASELINE, trials=3000, threads=1, progress=False)
    two = salvosim.run(BASELINE, trials=3000, threads=2, progress=False)
    assert one.summary == two.summary and one.nights_csv == two.nights_csv


def test_a_sweep_gives_exactly_the_cli_table(tmp_path: Path) -> None:
    cli("sweep", str(BASELINE), "--vary", "raid.size=100,300,500", "--trials", "400", "--out", str(tmp_path / "cli"))
    s = salvosim.sweep(BASELINE, vary={"raid.size": range(100, 501, 200)}, trials=400, progress=False)
    assert s.table_csv == (tmp_path / "cli" / "sweep.csv").read_text()
    assert s.summary == json.loads((tmp_path / "cli" / "sweep.json").read_text())
    pd.testing.assert_frame_equal(s.table, pd.read_csv(tmp_path / "cli" / "sweep.csv"))
    s.save(tmp_path / "py")
    same_tree(tmp_path / "cli", tmp_path / "py")


def test_save_keeps_a_report_unless_asked_to_replace_it(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    cli("run", str(BASELINE), "--trials", "200", "--report", "--out", str(pack))
    r = salvosim.run(BASELINE, trials=100, progress=False)
    with pytest.raises(salvosim.ScenarioError, match=r"holds a report \(report.html, report.md\)"):
        r.save(pack, charts=False)
    assert (pack / "report.html").is_file()
    r.save(pack, charts=False, replace=True)
    assert not (pack / "report.html").exists()
    assert json.loads((pack / "summary.json").read_text()) == r.summary


def test_a_bad_field_raises_scenario_error_with_its_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    text = BASELINE.read_text().replace("max_shots = 3 ", "max_shots = -3 ", 1)
    bad.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("max_shots = -3"))
    with pytest.raises(salvosim.ScenarioError) as caught:
        salvosim.run(bad, trials=10, progress=False)
    e = caught.value
    assert isinstance(e, ValueError)
    assert (e.file, e.line, e.column) == (str(bad), line, 13)
    assert e.field == "layer.mobile-fire-group.max_shots"
    # The same message as the CLI's, which prints it after "error: ".
    done = subprocess.run([str(BIN), "validate", str(bad)], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.strip() == f"error: {e}"


def test_bad_options_name_the_option() -> None:
    with pytest.raises(TypeError, match="trials"):
        salvosim.run(BASELINE, trials="many", progress=False)
    with pytest.raises(ValueError, match="trials"):
        salvosim.run(BASELINE, trials=0, progress=False)
    with pytest.raises(salvosim.ScenarioError, match="unknown field `not`"):
        salvosim.run(BASELINE, trials=10, set={"not.a.field": 1}, progress=False)
    with pytest.raises(TypeError, match="vary"):
        salvosim.sweep(BASELINE, vary=["raid.size"], progress=False)


def test_ctrl_c_raises_keyboard_interrupt_within_a_second() -> None:
    sent = []
    timer = threading.Timer(0.5, lambda: (sent.append(time.monotonic()), os.kill(os.getpid(), signal.SIGINT)))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            salvosim.run(BASELINE, trials=100_000_000, progress=False)
    finally:
        timer.cancel()
    assert sent and time.monotonic() - sent[0] < 1.0


def test_two_threads_run_two_scenarios_at_once() -> None:
    pause = ROOT / "scenarios" / "intel-pause.toml"
    alone = {p: salvosim.run(p, trials=2000, threads=1, progress=False).summary for p in (BASELINE, pause)}
    together: dict = {}
    workers = [threading.Thread(target=lambda p=p: together.__setitem__(p, salvosim.run(p, trials=2000, threads=1,
                                                                                   progress=False).summary))
               for p in (BASELINE, pause)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert together == alone


def test_progress_reaches_every_trial() -> None:
    seen = []
    salvosim.run(BASELINE, trials=5000, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (5000, 5000)


def test_a_result_shows_its_key_figures_in_a_notebook() -> None:
    page = salvosim.run(BASELINE, trials=200, progress=False)._repr_html_()
    assert "cost-exchange ratio" in page and "<table>" in page


def test_the_stub_names_what_the_module_has() -> None:
    from salvosim import _native

    stub = (Path(salvosim.__file__).parent / "_native.pyi").read_text()
    public = sorted(n for n in dir(_native) if not n.startswith("_"))
    declared = sorted({line.split()[1].split("(")[0].split(":")[0] for line in stub.splitlines()
                       if line.startswith(("def ", "class "))})
    assert public == declared


def test_the_example_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each code cell of the example, in order, in one namespace (no Jupyter kernel needed)."""
    import matplotlib

    matplotlib.use("Agg")
    notebook = ROOT / "python" / "examples" / "cost-exchange-by-raid-size.ipynb"
    monkeypatch.chdir(notebook.parent)
    namespace: dict = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), str(notebook), "exec"), namespace)
    assert len(namespace["cer"]) == 8, "one cost-exchange ratio per raid size"
    assert list(namespace["ax"].lines[0].get_xdata()) == list(range(100, 801, 100)), "the curve drawn"
