"""Prometheus metrics: what an operator watches. Names are part of the operations contract."""

from __future__ import annotations

import os
import tempfile
from typing import Generic, TypeVar

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

Metric = TypeVar("Metric", Counter, Histogram)


class Labelled(Generic[Metric]):
    """A metric's children by their label values, kept at hand: prometheus-client's
    `labels()` checks the values and takes a lock on every call, and an update is counted
    several times (the update, its timing, each Bot API call)."""

    def __init__(self, metric: Metric) -> None:
        self._metric: Metric = metric
        self._children: dict[tuple[str, ...], Metric] = {}

    def __call__(self, *values: str) -> Metric:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._metric.labels(*values)
        return child


UPDATES = Counter("confessions_updates_total", "Telegram updates handled", ["type", "outcome"])
UPDATE_SECONDS = Histogram(
    "confessions_update_handling_seconds",
    "Time to handle one update",
    ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
API_REQUESTS = Counter(
    "confessions_http_requests_total", "HTTP requests", ["route", "method", "status"]
)
API_SECONDS = Histogram(
    "confessions_http_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
OUTBOX_DEPTH = Gauge(
    "confessions_outbox_pending", "Notices waiting to be sent", multiprocess_mode="livemax"
)
OUTBOX_OLDEST = Gauge(
    "confessions_outbox_oldest_seconds",
    "Age of the oldest notice waiting to be sent",
    multiprocess_mode="livemax",
)
BOT_API_CALLS = Counter(
    "confessions_bot_api_calls_total", "Bot API calls by method and result", ["method", "result"]
)
MEDIA_BYTES = Counter("confessions_media_stored_bytes_total", "Bytes of media stored")

updates_counted = Labelled(UPDATES)
update_timed = Labelled(UPDATE_SECONDS)
requests_counted = Labelled(API_REQUESTS)
request_timed = Labelled(API_SECONDS)
bot_api_calls_counted = Labelled(BOT_API_CALLS)


def share_between_processes() -> None:
    """Before `serve --workers N` starts its processes: they write their metrics to files
    that every process's /metrics adds up (prometheus-client's multiprocess mode)."""
    os.environ.setdefault(MULTIPROCESS_DIR, tempfile.mkdtemp(prefix="confessions-metrics-"))


def registry() -> CollectorRegistry:
    """The registry /metrics reports: this process's, or all processes' in multiprocess mode."""
    if not os.environ.get(MULTIPROCESS_DIR):
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
    return combined


def bot_api_result(status: int) -> str:
    """ok, 429, 403, 5xx, network, or other: the answers that call for different actions."""
    if status == 200:
        return "ok"
    if status in (429, 403):
        return str(status)
    if status >= 500:
        return "5xx"
    return "network" if status == 0 else "other"
