"""Real servers for tests, on 127.0.0.1, with bounded lifetimes: PostgreSQL and JupyterLab."""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

STARTUP_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run scripts/system-deps.sh")
    return found[-1]


@dataclass
class Postgres:
    url: str
    password: str
    datadir: Path
    _as_user: list[str]

    def stop(self) -> None:
        subprocess.run(
            [*self._as_user, _pg_bin("pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w",
             "-t", "30", "stop"],
            check=False, capture_output=True,
        )
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_postgres() -> Postgres:
    """A throw-away PostgreSQL cluster with password auth, listening on 127.0.0.1 only."""
    root = Path(tempfile.mkdtemp(prefix="griffin-pg-"))
    datadir, sockets = root / "data", root / "sock"
    sockets.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    password = "pw-" + secrets.token_hex(8)
    pwfile = root / "pw"
    pwfile.write_text(password)
    if as_user:
        shutil.chown(pwfile, "postgres")
    subprocess.run(
        [*as_user, _pg_bin("initdb"), "-D", str(datadir), "-U", "griffin", "--auth=scram-sha-256",
         f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True,
    )
    port = free_port()
    options = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c max_connections=60")
    subprocess.run(
        [*as_user, _pg_bin("pg_ctl"), "-D", str(datadir), "-o", options, "-w", "-t", "60",
         "-l", str(root / "log"), "start"],
        check=True, capture_output=True,
    )
    url = f"postgresql://griffin:{password}@127.0.0.1:{port}/postgres"
    return Postgres(url=url, password=password, datadir=datadir, _as_user=as_user)


@dataclass
class Lab:
    url: str
    token: str
    proc: subprocess.Popen
    home: Path
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def start_lab(home: Path, root_dir: Path, extra_args: list[str] | None = None,
              env: dict[str, str] | None = None) -> Lab:
    """JupyterLab (with the Griffin server extension, as installed) on a free port.

    The user's Jupyter config, runtime files, settings and workspaces are kept out of it:
    each server gets its own under ``home/jupyter``, with the news prompt turned off. ``env``
    adds to (or overrides) the environment taken from this process, e.g. GRIFFIN_RAY_ADDRESS.
    """
    port, token = free_port(), secrets.token_hex(16)
    home.mkdir(parents=True, exist_ok=True)
    log = home / f"lab-{port}.log"
    jupyter = home / "jupyter"
    notification = jupyter / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    lab_env = {
        **os.environ,
        **(env or {}),
        "GRIFFIN_HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
        "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(jupyter / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(jupyter / "workspaces"),
    }
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}", "--ServerApp.allow_root=True",
        "--ServerApp.port_retries=0",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *(extra_args or []),
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=lab_env, stdout=out, stderr=subprocess.STDOUT)
    lab = Lab(url=f"http://127.0.0.1:{port}", token=token, proc=proc, home=home, log=log)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited early:\n{log.read_text()[-3000:]}")
        try:
            r = httpx.get(f"{lab.url}/api/status", headers={"Authorization": f"token {token}"},
                          timeout=2)
            if r.status_code == 200:
                return lab
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    lab.stop()
    raise RuntimeError(f"jupyter lab did not start in {STARTUP_TIMEOUT_S}s:\n"
                       f"{log.read_text()[-3000:]}")


@dataclass
class Redis:
    url: str
    port: int
    proc: subprocess.Popen

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_redis() -> Redis:
    """A throw-away redis-server on 127.0.0.1 (no persistence)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: run scripts/system-deps.sh")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return Redis(url=f"redis://127.0.0.1:{port}/0", port=port, proc=proc)
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def start_ray_head(home: Path, num_cpus: int = 2) -> Any:
    """A Ray head of its own (the "existing cluster" of GRIFFIN_RAY_ADDRESS), started the way
    the platform starts its embedded one, under a home of its own; stop with stop_ray_head."""
    from griffin_lab.training.ray_jobs import ensure_local_head

    return ensure_local_head(home, num_cpus=num_cpus)


def stop_ray_head(home: Path) -> None:
    from griffin_lab.training.ray_jobs import stop_local_head

    stop_local_head(home)


@contextmanager
def serving_lab(home: Path, root: Path, **options: Any) -> Iterator[Lab]:
    """A lab whose Griffin home serves endpoints: on the way out the lab stops, then every
    serving process and the router of its home (they outlive the server by design)."""
    lab = start_lab(home, root, **options)
    try:
        yield lab
    finally:
        lab.stop()
        from griffin_lab.platform import Platform

        with Platform.from_settings(home=home) as platform:
            platform.serving.stop_all()


def serving_fixtures(prefix: str) -> tuple[Any, Any]:
    """Module-scoped ``lab`` (a serving lab with a home of its own) and ``client`` (an HTTP
    client of it) fixtures, for a test module to bind: ``lab, client =
    serving_fixtures("launch")``."""
    import pytest

    import griffin_lab

    @pytest.fixture(scope="module")
    def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
        with serving_lab(tmp_path_factory.mktemp(f"{prefix}-home"),
                         tmp_path_factory.mktemp(f"{prefix}-root")) as server:
            yield server

    @pytest.fixture(scope="module")
    def client(lab: Lab) -> Iterator[Any]:
        with griffin_lab.connect(url=lab.url, token=lab.token) as c:
            yield c

    return lab, client
