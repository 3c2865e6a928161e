"""The CI gate: floors and ceilings on metrics, and no regression beyond a tolerance against a baseline."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from service.errors import InvalidInput
from service.evals.report import RunReport
from service.evals.scoring import METRICS, format_metric


class GateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: Path | None = Field(None, description="Dataset the gate runs, relative to the config file.")
    baseline: Path | None = Field(None, description="Baseline metrics file, relative to the config file.")
    thresholds: dict[str, float] = Field(default_factory=dict, description="Floors: fail below.")
    ceilings: dict[str, float] = Field(default_factory=dict, description="Ceilings: fail above (cost metrics).")
    tolerance: float = Field(0.05, ge=0, description="Allowed drop below the baseline for floored metrics.")
    tolerances: dict[str, float] = Field(default_factory=dict, description="Per-metric tolerance overrides.")

    @field_validator("thresholds", "ceilings", "tolerances")
    @classmethod
    def _known(cls, metrics: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(metrics) - set(METRICS))
        if unknown:
            raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
        return metrics

    def tolerance_for(self, metric: str) -> float:
        return self.tolerances.get(metric, self.tolerance)


def load_gate_config(path: Path) -> GateConfig:
    if not path.is_file():
        raise InvalidInput(f"{path}: no such gate config")
    try:
        config = GateConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, ValidationError) as exc:
        raise InvalidInput(f"{path}: invalid gate config: {exc}") from None
    for name in ("dataset", "baseline"):
        value = getattr(config, name)
        if value is not None and not value.is_absolute():
            setattr(config, name, path.parent / value)
    return config


def load_baseline(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: baseline is not valid JSON ({exc.msg})") from None


def write_baseline(report: RunReport, path: Path) -> None:
    data = {
        "dataset": report.meta.get("dataset"),
        "dataset_sha": report.meta.get("dataset_sha"),
        "prompt": report.meta.get("prompt"),
        "model": report.meta.get("model"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "metrics": {k: (round(v, 4) if v is not None else None) for k, v in report.metrics.items()},
        "facts": {k: ok for k, (_, ok) in report.fact_outcomes().items()},
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Check:
    metric: str
    value: float | None
    rule: str
    ok: bool

    @property
    def shown(self) -> str:
        return format_metric(self.metric, self.value)


def check(report: RunReport, config: GateConfig, baseline: dict[str, Any] | None) -> list[Check]:
    """Every rule the config sets, checked against the report; a metric with no data is skipped (ok)."""
    checks = []
    base = (baseline or {}).get("metrics", {})
    for metric, floor in config.thresholds.items():
        value = report.metrics.get(metric)
        checks.append(Check(metric, value, f">= {format_metric(metric, floor)}", value is None or value >= floor))
        if base.get(metric) is not None:
            tol = config.tolerance_for(metric)
            least = base[metric] - tol
            rule = f">= baseline {format_metric(metric, base[metric])} - {tol:.0%}"
            checks.append(Check(metric, value, rule, value is None or value >= least - 1e-9))
    for metric, ceiling in config.ceilings.items():
        value = report.metrics.get(metric)
        checks.append(Check(metric, value, f"<= {format_metric(metric, ceiling)}", value is None or value <= ceiling))
    return checks


def broken_since_baseline(report: RunReport, baseline: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(fact key, label) of facts that passed in the baseline and fail now."""
    was = (baseline or {}).get("facts", {})
    return [(k, label) for k, (label, ok) in report.fact_outcomes().items() if was.get(k) and not ok]
