"""The native module of salvosim (Rust, PyO3): use the functions of `salvosim` instead.

Kept in step with the module by tests/test_salvosim.py::test_the_stub_names_what_the_module_has.
"""

from os import PathLike
from typing import Any, Callable, Optional, Sequence

class ScenarioError(ValueError):
    """Bad scenario input: the CLI's message, with where it is."""

    file: Optional[str]
    line: Optional[int]
    column: Optional[int]
    field: Optional[str]

class Scenario:
    """A scenario file with `--set` strings, validated as the CLI validates it."""

    def __init__(self, file: str | PathLike[str], sets: Sequence[str] = ...) -> None: ...
    def with_set(self, set: str) -> Scenario:
        """This scenario with one more `PATH=VALUE`."""
    @property
    def file(self) -> str: ...
    @property
    def sets(self) -> list[str]: ...
    @property
    def name(self) -> str: ...
    @property
    def trials(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def scenario_hash(self) -> str: ...
    @property
    def resolved(self) -> str:
        """The scenario as it runs (an excursion resolved against its bases)."""

class RunResult:
    summary_json: str
    nights_csv: str
    def save(self, dir: str | PathLike[str], charts: bool = True, replace: bool = False) -> None:
        """Writes the folder `salvosim run` writes, byte for byte. A folder holding a report or
        another command's results is refused (ScenarioError) unless `replace`."""

class SweepResult:
    table_csv: str
    sweep_json: str
    def save(self, dir: str | PathLike[str], charts: bool = True, replace: bool = False) -> None:
        """Writes the folder `salvosim sweep` writes, byte for byte. A folder holding a report or
        another command's results is refused (ScenarioError) unless `replace`."""

def run(
    scenario: Scenario,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
) -> RunResult:
    """Runs the scenario with the GIL released; Ctrl-C raises KeyboardInterrupt."""

def sweep_scenario(
    scenario: Scenario,
    vary: Sequence[str],
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    labels: Sequence[tuple[str, str]] = ...,
    progress: Optional[Callable[[int, int], Any]] = None,
) -> SweepResult:
    """Sweeps one or two fields (`--vary` strings)."""

def version() -> str:
    """The version of the salvosim library inside."""
