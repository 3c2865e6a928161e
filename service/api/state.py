"""What every route needs, built once per app and reached through a FastAPI dependency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from service.api.gate import ModelGate
from service.api.metrics import Metrics
from service.api.readiness import ModelWarmup
from service.desk import Newsdesk
from service.settings import Settings


@dataclass
class ApiState:
    settings: Settings
    desk: Newsdesk
    gate: ModelGate
    metrics: Metrics
    warmup: ModelWarmup

    @classmethod
    def build(cls, desk: Newsdesk) -> ApiState:
        s = desk.settings
        metrics = Metrics()
        gate = ModelGate.from_settings(s, on_change=metrics.queue.set)
        return cls(s, desk, gate, metrics, ModelWarmup(desk, gate))


def get_state(request: Request) -> ApiState:
    return request.app.state.api


State = Annotated[ApiState, Depends(get_state)]
