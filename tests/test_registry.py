"""The registry's minimal core: numbered versions, even when two jobs register the same new
model at the same moment (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

from griffin_lab.platform import Platform
from griffin_lab.registry.service import register_version


def _register(platform: Platform, hold: threading.Event | None = None,
              inside: threading.Event | None = None) -> int:
    with platform.db.session(write=True) as session:
        version = register_version(session, name="churn", framework="lightgbm",
                                   artifact_uri="file:///m", actor="t", signature={},
                                   metrics={"auc": 0.9}, params={}, lineage={"job": "x"})
        if inside is not None:
            inside.set()
        if hold is not None:
            hold.wait(10)  # keep the transaction open while the other one starts
        return version


def test_concurrent_first_registrations_get_versions_1_and_2(platform: Platform) -> None:
    hold, inside, results = threading.Event(), threading.Event(), []
    first = threading.Thread(target=lambda: results.append(_register(platform, hold, inside)))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=lambda: results.append(_register(platform)))
    second.start()
    second.join(0.5)  # it waits on the first transaction (row lock or write lock)
    hold.set()
    first.join(20)
    second.join(20)
    assert sorted(results) == [1, 2]
    detail = platform.registry.get("churn")
    assert [v.version for v in detail.versions] == [2, 1]
    assert [m.name for m in platform.registry.list()] == ["churn"]
