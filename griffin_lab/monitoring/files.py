"""Where serving processes write their request logs (read by the monitoring service)."""

from __future__ import annotations

from pathlib import Path


def request_log_root(home: Path) -> Path:
    return Path(home) / "serving" / "requests"


def request_log_dir(home: Path, marker: str) -> Path:
    """The folder of one serving process (``marker`` is its process row's): one
    ``<pid>.jsonl`` per BentoML worker."""
    return request_log_root(home) / marker
