"""Session-wide isolation: every test (and every notebook kernel nbval starts) uses a private
GRIFFIN_HOME, never the developer's ~/.griffin."""

from __future__ import annotations

import os
import tempfile

_HOME = tempfile.mkdtemp(prefix="griffin-test-home-")
os.environ["GRIFFIN_HOME"] = _HOME
os.environ["GRIFFIN_DEMO_SIZE"] = "tiny"  # notebooks call client.demo() without a size
# Warm standby jobs outlive the job that started them (on Ray heads the tests share);
# tests/test_training_standby.py turns them on and stops its own.
os.environ["GRIFFIN_TRAINING_STANDBY"] = "false"
for _name in ("GRIFFIN_URL", "GRIFFIN_TOKEN", "GRIFFIN_DATABASE_URL", "GRIFFIN_RAY_ADDRESS",
              "GRIFFIN_ARTIFACT_ROOT", "GRIFFIN_FEAST_REPO_PATH", "GRIFFIN_CONFIG"):
    os.environ.pop(_name, None)


def pytest_sessionfinish(session, exitstatus) -> None:  # noqa: ANN001
    """Notebooks start the embedded Ray head of the session's home and may leave serving
    processes: stop them (by PID)."""
    from pathlib import Path

    from griffin_lab.training.ray_jobs import recorded_head, stop_local_head

    if recorded_head(Path(_HOME)) is not None:
        stop_local_head(Path(_HOME))
    if (Path(_HOME) / "griffin.db").exists():  # endpoints a notebook left serving
        from griffin_lab.platform import Platform

        with Platform.from_settings(home=Path(_HOME)) as platform:
            platform.serving.stop_all()
