"""The CI gate on the seeds with the embedded model (marker `eval`): the shipped prompt passes, the bad one fails.

`pytest -m eval -s` prints the run's metrics and wall time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.evals.compare import compare
from service.evals.gate import check, load_baseline, load_gate_config
from service.evals.report import RunReport
from service.evals.runner import EvalRun
from service.evals.scoring import aggregate
from tests.conftest import make_settings
from tests.evals.conftest import EVALS

pytestmark = [pytest.mark.eval, pytest.mark.llm]
CONFIG = EVALS / "config.yaml"


def _run(tmp: Path, prompt: str | None = None, tags: list[str] | None = None) -> RunReport:
    report = EvalRun(make_settings(tmp), EVALS / "seeds.yaml", prompt=prompt, out=tmp / "report", tags=tags).execute()
    shown = ", ".join(f"{k} {v:.3f}" for k, v in report.metrics.items() if v is not None)
    print(f"\n{report.meta['prompt']}: {report.meta['wall_s']} s wall, {report.counts['generated']} generated; {shown}")
    return report


@pytest.fixture(scope="session")
def shipped_run(tmp_path_factory: pytest.TempPathFactory, local_gguf: Path) -> RunReport:
    """The whole seeds gold set through the real pipeline: fresh store, real retrieval, real model."""
    return _run(tmp_path_factory.mktemp("eval-shipped"))


def test_shipped_prompt_passes_the_gate(shipped_run: RunReport) -> None:
    config = load_gate_config(CONFIG)
    failed = [c for c in check(shipped_run, config, load_baseline(config.baseline)) if not c.ok]
    assert not failed, f"gate failed: {failed}\nsee {shipped_run.meta['out']}/report.md"
    assert shipped_run.counts["errors"] == 0 and shipped_run.counts["entries"] >= 40


def test_bad_prompt_scores_lower_and_the_gate_exits_non_zero(shipped_run: RunReport, tmp_path: Path, local_gguf: Path) -> None:
    """On one tag's entries, to keep CI short: the bad version's answers are long (about 10 s each)."""
    bad = _run(tmp_path, prompt="answer@v0_bad", tags=["minute-mirror-only"])
    same = aggregate([r for r in shipped_run.results if "minute-mirror-only" in r.tags])[0]
    assert bad.metrics["fact_recall"] < same["fact_recall"]
    assert bad.metrics["pass_rate"] < same["pass_rate"]
    changes, _ = compare(shipped_run, bad)
    assert sum(c.status == "broke" for c in changes) > sum(c.status == "fixed" for c in changes)
    result = CliRunner().invoke(app, ["eval", "gate", "--config", str(CONFIG), "--report", str(tmp_path / "report")])
    assert result.exit_code == 1, result.output
    assert "gate failed" in result.output
