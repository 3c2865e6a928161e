"""Report files, compare and gate on crafted runs: the gate passes a good run and fails a worse one."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.evals.compare import compare
from service.evals.corpus import Corpus
from service.evals.dataset import Dataset
from service.evals.gate import GateConfig, check, load_gate_config, write_baseline
from service.evals.report import RunReport, write_report
from service.evals.scoring import aggregate, by_tag, score_item
from tests.evals.conftest import EVALS, MM, ND, Crafter

GREETED = "Chinese Foreign Minister Qin Gang greeted Mr Blinken and his group at the door to a villa"
HUA = "Hua Chunying, the Chinese assistant foreign minister who attended the meeting, expressed hope in a tweet"


def crafted_run(dataset: Dataset, corpus: Corpus, craft: Crafter, good: bool, prompt: str) -> RunReport:
    """Three entries; the bad run cites Hua's tweet to the wrong outlet and answers an unanswerable question."""
    items = {i.id: i for i in dataset.items}
    answers = {
        "greeter": craft.answer("q", [("Qin Gang greeted Blinken.", [(ND, GREETED)])]),
        "hua-tweet": craft.answer("q", [("Hua Chunying tweeted.", [(MM if good else ND, HUA if good else GREETED)])]),
        "xi-said": craft.answer("q", [], abstained=True) if good else craft.answer("q", [("Xi greeted him.", [(ND, GREETED)])]),
    }
    results = [score_item(items[k], a.to_dict(), corpus) for k, a in answers.items()]
    metrics, counts = aggregate(results)
    meta = {"dataset": "seeds", "dataset_sha": dataset.fingerprint(), "prompt": prompt, "model": "crafted", "k": 5}
    return RunReport(meta=meta, metrics=metrics, counts=counts, tags=by_tag(results), results=results)


@pytest.fixture
def runs(tmp_path: Path, seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter) -> tuple[Path, Path]:
    good, bad = tmp_path / "good", tmp_path / "bad"
    write_report(crafted_run(seeds_dataset, seed_corpus, craft, True, "answer@v1"), good)
    write_report(crafted_run(seeds_dataset, seed_corpus, craft, False, "answer@v0_bad"), bad)
    return good, bad


def test_report_folder(runs: tuple[Path, Path]) -> None:
    good, bad = runs
    md = (bad / "report.md").read_text()
    assert "| Citation accuracy | 50.0% | 1/2 |" in md
    assert "fact not cited to its source: Hua Chunying" in md and "answered an unanswerable question" in md
    suite = ET.parse(bad / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "3" and suite.get("failures") == "2"
    assert RunReport.load(good).to_dict() == json.loads((good / "results.json").read_text())


def test_compare_reports_fixed_broke_unchanged(runs: tuple[Path, Path]) -> None:
    good, bad = (RunReport.load(p) for p in runs)
    changes, deltas = compare(good, bad)
    assert {c.key: c.status for c in changes} == {
        "greeter/qin-gang": "unchanged",
        "hua-tweet/hua-chunying": "broke",
        "xi-said/abstain": "broke",
    }
    assert {c.key: c.status for c in compare(bad, good)[0]}["hua-tweet/hua-chunying"] == "fixed"
    delta = {d.name: d.delta for d in deltas}
    assert delta["citation_accuracy"] == -0.5 and delta["abstention"] == -1.0


def test_gate_floors_and_baseline_regression(runs: tuple[Path, Path], tmp_path: Path) -> None:
    good, bad = (RunReport.load(p) for p in runs)
    config = GateConfig(thresholds={"citation_accuracy": 0.4, "fact_recall": 0.9}, tolerance=0.05)
    assert all(c.ok for c in check(good, config, None))
    assert all(c.ok for c in check(bad, config, None))  # above both floors...
    write_baseline(good, tmp_path / "baseline.json")
    baseline = json.loads((tmp_path / "baseline.json").read_text())
    failed = [c for c in check(bad, config, baseline) if not c.ok]
    assert [c.metric for c in failed] == ["citation_accuracy"]  # ...but 50 points below the baseline
    assert not check(bad, GateConfig(thresholds={"abstention": 0.5}), None)[0].ok
    assert not check(good, GateConfig(ceilings={"latency_p95_s": 1.0}), None)[0].ok


def test_gate_config_rejects_unknown_metrics(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("thresholds: {fact_recal: 0.5}\n")
    with pytest.raises(ValueError, match="unknown metric"):
        load_gate_config(path)


def test_shipped_gate_config_loads() -> None:
    config = load_gate_config(EVALS / "config.yaml")
    assert config.dataset == EVALS / "seeds.yaml" and config.baseline is not None and config.baseline.is_file()


def test_cli_gate_and_compare(runs: tuple[Path, Path], tmp_path: Path) -> None:
    good, bad = runs
    config = tmp_path / "config.yaml"
    config.write_text("thresholds: {citation_accuracy: 0.9, abstention: 0.9}\nbaseline: baseline.json\n")
    cli = CliRunner()
    passed = cli.invoke(app, ["eval", "gate", "--config", str(config), "--report", str(good), "--update-baseline"])
    assert passed.exit_code == 0, passed.output
    assert "gate passed" in passed.output and (tmp_path / "baseline.json").is_file()
    failed = cli.invoke(app, ["eval", "gate", "--config", str(config), "--report", str(bad)])
    assert failed.exit_code == 1
    assert "FAIL" in failed.output and "broke since baseline: hua-tweet/hua-chunying" in failed.output
    compared = cli.invoke(app, ["eval", "compare", str(good), str(bad)])
    assert compared.exit_code == 0, compared.output
    assert "0 fixed, 2 broke, 1 unchanged" in compared.output


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    cli = CliRunner()
    missing = cli.invoke(app, ["eval", "gate", "--report", str(tmp_path)])
    assert missing.exit_code == 1 and "no eval report here" in missing.output and "Traceback" not in missing.output
    bad_ref = cli.invoke(app, ["eval", "compare", "nonsense", str(tmp_path)])
    assert bad_ref.exit_code == 1 and "neither a report folder nor a prompt ref" in bad_ref.output
    bad_prompt = cli.invoke(app, ["eval", "run", "--prompt", "answer@v99", "--out", str(tmp_path / "r")])
    assert bad_prompt.exit_code == 1 and "no prompt 'answer@v99'" in bad_prompt.output
