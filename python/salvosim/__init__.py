"""salvosim from Python: scenario runs and sweeps on the same library as the command line.

    import salvosim
    r = salvosim.run("scenarios/baseline.toml", trials=10_000, seed=7, set={"layer.nasams.stock": 200})
    r.summary        # summary.json as a dict
    r.nights         # nights.csv as a pandas DataFrame
    r.save("out/baseline")

Every call validates as the CLI does (bad input raises ScenarioError, a ValueError), runs with
the GIL released, shows a progress bar (tqdm.auto when installed; progress=False hides it, or pass
a callable taking (done, total)), and stops on Ctrl-C with KeyboardInterrupt, writing nothing.
"""

from __future__ import annotations

import html
import io
import json
import math
import os
from typing import Any, Callable, Iterable, Mapping, Union

from . import _native
from ._native import ScenarioError

__all__ = ["Scenario", "ScenarioError", "RunResult", "SweepResult", "run", "sweep", "__version__"]
__version__ = _native.version()

Path = Union[str, "os.PathLike[str]"]
Progress = Union[bool, Callable[[int, int], Any]]


class _Raw(str):
    """A value already in TOML text (a --set string taken back from a Scenario)."""


def _toml(value: Any) -> str:
    """A Python value as the TOML text of a --set value: numbers, strings, lists and tables."""
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"set: {value!r} is not a finite number")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple, range)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"set: {value!r} ({type(value).__name__}) is not a number, string, list or table")


def _sets(set: Mapping[str, Any] | None) -> list[str]:
    if set is None:
        return []
    if not isinstance(set, Mapping):
        raise TypeError(f"set: expected a dict of field path -> value, got {type(set).__name__}")
    return [f"{path}={_toml(value)}" for path, value in set.items()]


class Scenario:
    """A validated scenario file with --set overrides. Immutable: `set` returns a new one."""

    def __init__(self, native: "_native.Scenario"):
        self._native = native

    @classmethod
    def load(cls, path: Path, set: Mapping[str, Any] | None = None) -> "Scenario":
        return cls(_native.Scenario(os.fspath(path), _sets(set)))

    def set(self, path: str, value: Any) -> "Scenario":
        """This scenario with the field at `path` (a --set path) set to `value`."""
        if not isinstance(path, str):
            raise TypeError(f"set: the path must be a string, got {type(path).__name__}")
        return Scenario(self._native.with_set(f"{path}={_toml(value)}"))

    name = property(lambda self: self._native.name)
    file = property(lambda self: self._native.file)
    sets = property(lambda self: list(self._native.sets))
    trials = property(lambda self: self._native.trials)
    seed = property(lambda self: self._native.seed)
    scenario_hash = property(lambda self: self._native.scenario_hash)
    resolved = property(lambda self: self._native.resolved)

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, file={str(self.file)!r}, sets={self.sets!r})"


def _scenario(scenario: Scenario | Path, set: Mapping[str, Any] | None) -> Scenario:
    if isinstance(scenario, Scenario):
        return Scenario(scenario._native) if not set else Scenario.load(scenario.file, {**_parse_sets(scenario.sets), **set})
    if isinstance(scenario, (str, os.PathLike)):
        return Scenario.load(scenario, set)
    raise TypeError(f"scenario: expected a path or a salvosim.Scenario, got {type(scenario).__name__}")


def _parse_sets(sets: Iterable[str]) -> dict[str, Any]:
    """--set strings back to a dict (their values kept as TOML text)."""
    out: dict[str, Any] = {}
    for text in sets:
        path, _, value = text.partition("=")
        out[path] = _Raw(value)
    return out


def _bar(progress: Progress, what: str) -> tuple[Callable[[int, int], Any] | None, Callable[[], None]]:
    """The progress callable to hand the engine, and how to close it."""
    if progress is False or progress is None:
        return None, lambda: None
    if callable(progress) and progress is not True:
        return progress, lambda: None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None, lambda: None
    bar = tqdm(total=0, unit="trials", desc=what)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar.close


def _check_int(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected a whole number, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name}: {value}: must be a whole number >= 1")
    return value


def _pandas(what: str):
    try:
        import pandas
    except ImportError:
        raise ImportError(
            f"{what} is a pandas DataFrame: pip install pandas (or pip install \"./python[pandas]\"); "
            f"the CSV text is in {what}_csv"
        ) from None
    return pandas


class RunResult:
    """A finished run: `summary` (summary.json), `nights` (nights.csv), `save(dir)`."""

    def __init__(self, native: "_native.RunResult"):
        self._native = native
        self.summary: dict = json.loads(native.summary_json)

    @property
    def nights_csv(self) -> str:
        return self._native.nights_csv

    @property
    def nights(self):
        """nights.csv as a pandas DataFrame (the same columns and values)."""
        return _pandas("nights").read_csv(io.StringIO(self._native.nights_csv))

    def save(self, dir: Path, charts: bool = True, replace: bool = False) -> None:
        """Writes the folder `salvosim run` writes, byte for byte. A folder that holds a report
        or another command's results raises ScenarioError unless `replace` (the CLI's --replace)."""
        self._native.save(os.fspath(dir), charts, replace)

    def _key_figures(self) -> list[tuple[str, dict]]:
        names = [
            ("cost-exchange ratio", "cost_exchange_ratio"),
            ("... with damage", "cost_exchange_ratio_with_damage"),
            ("strike leak rate", "leak_rate"),
            ("defender spend (USD)", "defender_spend_usd"),
            ("attacker spend (USD)", "attacker_spend_usd"),
        ]
        return [(label, self.summary[key]) for label, key in names if isinstance(self.summary.get(key), dict)]

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(label)}</td><td>{s['mean']:.4g}</td>"
            f"<td>{s['ci95'][0]:.4g} – {s['ci95'][1]:.4g}</td><td>{s['p5']:.4g} – {s['p95']:.4g}</td></tr>"
            for label, s in self._key_figures()
        )
        head = html.escape(f"{self.summary['scenario']} · {self.summary['trials']:,} trials · seed {self.summary['seed']}")
        return (
            f"<p><b>{head}</b></p><table><tr><th>figure</th><th>mean</th><th>95 % CI</th><th>p5 – p95</th></tr>"
            f"{rows}</table>"
        )

    def __repr__(self) -> str:
        s = self.summary
        return f"RunResult({s['scenario']!r}, trials={s['trials']}, seed={s['seed']})"


class SweepResult:
    """A finished sweep: `table` (sweep.csv), `summary` (sweep.json), `save(dir)`."""

    def __init__(self, native: "_native.SweepResult"):
        self._native = native
        self.summary: dict = json.loads(native.sweep_json)

    @property
    def table_csv(self) -> str:
        return self._native.table_csv

    @property
    def table(self):
        """sweep.csv as a pandas DataFrame."""
        return _pandas("table").read_csv(io.StringIO(self._native.table_csv))

    def save(self, dir: Path, charts: bool = True, replace: bool = False) -> None:
        """Writes the folder `salvosim sweep` writes, byte for byte. A folder that holds a report
        or another command's results raises ScenarioError unless `replace` (the CLI's --replace)."""
        self._native.save(os.fspath(dir), charts, replace)

    def __repr__(self) -> str:
        return f"SweepResult({self.summary['scenario']!r}, points={len(self.summary['points'])})"


def run(
    scenario: Scenario | Path,
    trials: int | None = None,
    seed: int | None = None,
    set: Mapping[str, Any] | None = None,
    threads: int | None = None,
    progress: Progress = True,
) -> RunResult:
    """Runs a scenario as `salvosim run` does: the same seed and trials give the same files."""
    sc = _scenario(scenario, set)
    callback, close = _bar(progress, sc.name)
    try:
        native = _native.run(sc._native, _check_int("trials", trials), _check_int("seed", seed), _check_int("threads", threads), callback)
    finally:
        close()
    return RunResult(native)


def _axis(path: str, values: Any) -> str:
    if isinstance(values, str):
        return f"{path}={values}"
    try:
        items = list(values)
    except TypeError:
        raise TypeError(f"vary: {path}: expected a range, a list of numbers or 'START:END:STEPS'") from None
    if not items:
        raise ValueError(f"vary: {path}: no values")
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"vary: {path}: {v!r} is not a number")
    return f"{path}=" + ",".join(repr(float(v)) if isinstance(v, float) else str(v) for v in items)


def sweep(
    scenario: Scenario | Path,
    vary: Mapping[str, Any],
    trials: int | None = None,
    seed: int | None = None,
    set: Mapping[str, Any] | None = None,
    threads: int | None = None,
    label: Mapping[str, str] | None = None,
    progress: Progress = True,
) -> SweepResult:
    """Sweeps one or two fields as `salvosim sweep` does. `vary` maps a path to a range, a list of
    numbers or a 'START:END:STEPS' string; `label` maps a path to its words on the charts."""
    if not isinstance(vary, Mapping):
        raise TypeError(f"vary: expected a dict of field path -> values, got {type(vary).__name__}")
    sc = _scenario(scenario, set)
    axes = [_axis(path, values) for path, values in vary.items()]
    labels = [(str(k), str(v)) for k, v in (label or {}).items()]
    callback, close = _bar(progress, sc.name)
    try:
        native = _native.sweep_scenario(
            sc._native, axes, _check_int("trials", trials), _check_int("seed", seed), _check_int("threads", threads), labels, callback
        )
    finally:
        close()
    return SweepResult(native)
