"""Compare two runs of the same dataset: which gold facts a change fixed or broke, and metric deltas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from service.evals.report import RunReport

Status = Literal["fixed", "broke", "unchanged", "only in A", "only in B"]


@dataclass(frozen=True)
class FactChange:
    key: str
    label: str
    a: bool | None
    b: bool | None

    @property
    def status(self) -> Status:
        if self.a is None:
            return "only in B"
        if self.b is None:
            return "only in A"
        return "unchanged" if self.a == self.b else "fixed" if self.b else "broke"


@dataclass(frozen=True)
class MetricDelta:
    name: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a


def compare(a: RunReport, b: RunReport) -> tuple[list[FactChange], list[MetricDelta]]:
    """Fact outcomes (stated and cited right; declined, for unanswerable entries) in A's order, then B's extras."""
    fa, fb = a.fact_outcomes(), b.fact_outcomes()
    changes = [
        FactChange(k, (fa.get(k) or fb[k])[0], fa[k][1] if k in fa else None, fb[k][1] if k in fb else None)
        for k in [*fa, *(k for k in fb if k not in fa)]
    ]
    deltas = [
        MetricDelta(n, a.metrics.get(n), b.metrics.get(n))
        for n in a.metrics
        if a.metrics.get(n) is not None or b.metrics.get(n) is not None
    ]
    return changes, deltas
