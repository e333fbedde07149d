"""Griffin's online feature server: the ``features_online`` operation in a pool of worker
processes, for applications that read features on their request path.

The Jupyter server answers every Griffin route from one process, which caps online reads at
what one core can do. This server answers the same operation (the same request and response
shapes, the same errors, the same code underneath) from N uvicorn workers that share one
listening socket on 127.0.0.1, each with its own read-only view of the Feast repository. It
touches nothing but the online store: no metadata writes, no registry changes.

Every request carries ``Authorization: token <T>`` (or ``Bearer <T>``). ``T`` is a secret kept
in ``<home>/feature_server/token`` (mode 0600); the Jupyter route that starts the server hands
it to authenticated users only.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import EngineUnavailable, GriffinError, InvalidInput
from ..local_processes import alive, free_port, log_tail, port_is_free, stop_tree
from ..settings import Settings

TOKEN_ENV = "GRIFFIN_FEATURE_SERVER_TOKEN"
READY_ENV = "GRIFFIN_FEATURE_SERVER_READY_DIR"
OPERATION = "features_online"
HEALTH_PATH = "/healthz"
READY_TIMEOUT_S = 120.0
MAX_WORKERS = 16
MAX_BODY_BYTES = 8 * 1024 * 1024

log = logging.getLogger("griffin_lab.features.online_server")


# The application (runs in each worker) ---------------------------------------------------
class OnlineApp:
    """A bare ASGI application: the online operation, a health check, nothing else."""

    def __init__(self, platform: Any, token: str) -> None:
        from ..api.core import RequestContext, all_operations

        self.platform = platform
        self.op = all_operations()[OPERATION]
        self.path = self.op.url_path
        self.adapter = self.op.response_adapter
        self.ctx = RequestContext(actor="feature-server")
        self._token = token.encode()

    def _authorized(self, headers: list[tuple[bytes, bytes]]) -> bool:
        for name, value in headers:
            if name == b"authorization":
                scheme, _, given = value.partition(b" ")
                return scheme.lower() in (b"token", b"bearer") and hmac.compare_digest(
                    given.strip(), self._token)
        return False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == HEALTH_PATH:
            await _answer(send, 200, b'{"status":"ok"}')
            return
        if path != self.path:
            await _error(send, 404, "not_found", f"No route {path}; this server answers "
                         f"POST {self.path} and GET {HEALTH_PATH}")
            return
        if not self._authorized(scope["headers"]):
            await _error(send, 401, "unauthorized", "Send 'Authorization: token <token>' with "
                         "the feature server's token (client.features.server().token)")
            return
        if method != "POST":
            await _error(send, 405, "method_not_allowed", f"{path} takes POST")
            return
        raw = await _read_body(receive)
        if raw is None:
            await _error(send, 413, "too_large", f"Request body over {MAX_BODY_BYTES} bytes")
            return
        try:
            body = self.op.parse_body(raw)
            result = self.op.invoke(self.platform, self.ctx, body=body)
            payload = self.adapter.dump_json(result, by_alias=True)
        except GriffinError as exc:
            await _answer(send, exc.status_code, json.dumps({"error": exc.to_dict()}).encode())
            return
        except Exception:
            log.exception("online feature read failed")
            await _error(send, 500, "internal_error",
                         "Internal error in the Griffin feature server; see its log")
            return
        await _answer(send, 200, payload)


async def _read_body(receive: Any) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _answer(send: Any, status: int, payload: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


async def _error(send: Any, status: int, kind: str, message: str) -> None:
    await _answer(send, status, json.dumps({"error": {"type": kind, "message": message}}).encode())


def create_app() -> OnlineApp:
    """uvicorn's factory, called once in each worker: settings and token from the environment,
    Feast imported and the feature views read before the worker takes its first request."""
    from ..db import Database
    from ..platform import Platform

    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        raise SystemExit(f"{TOKEN_ENV} is not set: the feature server refuses to run open")
    settings = Settings.load()
    platform = Platform(settings, Database(settings.resolved_database_url))
    platform.features._views()  # imports Feast, opens the store, reads the registry
    app = OnlineApp(platform, token)
    ready_dir = os.environ.get(READY_ENV)
    if ready_dir:
        Path(ready_dir, str(os.getpid())).touch()
    return app


def run(host: str, port: int, workers: int) -> None:
    """Serve in the foreground until SIGTERM/SIGINT (what the background process runs)."""
    import uvicorn

    uvicorn.run(f"{__name__}:create_app", factory=True, host=host, port=port, workers=workers,
                access_log=False, log_level="warning", lifespan="off", server_header=False,
                date_header=False, timeout_graceful_shutdown=5)


# The process, as the platform manages it ---------------------------------------------------
@dataclass(frozen=True)
class ServerState:
    pid: int
    port: int
    workers: int
    started_at: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class FeatureServerProcess:
    """Start, find and stop the feature server of one Griffin home: one per home, its state
    in ``<home>/feature_server/state.json``, stopped only by the PID recorded there."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.home / "feature_server"

    @property
    def online_path(self) -> str:
        from ..api.core import all_operations

        return all_operations()[OPERATION].url_path

    @property
    def _state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def token(self) -> str:
        """The server's secret, created (0600) on first use."""
        path = self.root / "token"
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(24))
        return path.read_text().strip()

    def state(self) -> ServerState | None:
        """The running server, or None (a stale state file of a dead server is removed)."""
        try:
            state = ServerState(**json.loads(self._state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if alive(state.pid) and _cmdline_has(state.pid, __name__):
            return state
        self._state_file.unlink(missing_ok=True)
        return None

    def _lock(self) -> Any:
        from filelock import FileLock

        self.root.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.root / "server.lock"), timeout=READY_TIMEOUT_S + 30)

    def start(self, workers: int, port: int | None = None) -> ServerState:
        """The server with ``workers`` processes: the running one when it already has them
        (and the port, if one is named), else a new one in its place."""
        if not 1 <= workers <= MAX_WORKERS:
            raise InvalidInput(f"workers must be between 1 and {MAX_WORKERS} (got {workers})",
                               field="workers")
        if not self.settings.resolved_feast_repo_path.joinpath("feature_store.yaml").exists():
            raise InvalidInput("The feature store is empty: add a source (or seed the demo) "
                               "before starting the feature server", field="feature_store")
        with self._lock():
            current = self.state()
            if current is not None:
                if current.workers == workers and port in (None, current.port):
                    return current
                self._stop(current)
            if port is not None and not port_is_free(port):
                raise InvalidInput(f"Port {port} of 127.0.0.1 is in use; name another or "
                                   "leave it out for a free one", field="port")
            return self._launch(workers, port or free_port())

    def _launch(self, workers: int, port: int) -> ServerState:
        argv = [sys.executable, "-m", __name__, "--port", str(port), "--workers", str(workers)]
        ready_dir = self.root / "ready"
        shutil.rmtree(ready_dir, ignore_errors=True)
        ready_dir.mkdir(parents=True)
        env = {**os.environ, **self.settings.as_env(), TOKEN_ENV: self.token(),
               READY_ENV: str(ready_dir), "PYTHONUNBUFFERED": "1"}
        with open(self.log_path, "ab") as out:
            proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        state = ServerState(pid=proc.pid, port=port, workers=workers,
                            started_at=datetime.now(UTC).isoformat(timespec="seconds"))
        try:
            self._wait_ready(state, proc)
        except BaseException:
            self._stop(state)
            raise
        self._state_file.write_text(json.dumps(state.__dict__))
        return state

    def _wait_ready(self, state: ServerState, proc: subprocess.Popen[bytes]) -> None:
        """Until every worker answers the health check (each answers only once it has read
        the feature views)."""
        import httpx

        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise EngineUnavailable(
                    f"The feature server exited with code {proc.returncode} while starting. "
                    f"Last log lines:\n{log_tail(self.log_path, 20)}")
            if _ready_workers(proc.pid, self.root / "ready") >= state.workers:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(state.url + HEALTH_PATH, timeout=2).status_code == 200:
                        return
            time.sleep(0.1)
        raise EngineUnavailable(
            f"The feature server did not answer within {READY_TIMEOUT_S:.0f} s. "
            f"Last log lines:\n{log_tail(self.log_path, 20)}")

    def stop(self) -> bool:
        """Stop the running server; whether there was one."""
        with self._lock():
            current = self.state()
            if current is None:
                return False
            self._stop(current)
            return True

    def _stop(self, state: ServerState) -> None:
        stop_tree(state.pid, timeout=10)
        self._state_file.unlink(missing_ok=True)


def _cmdline_has(pid: int, text: str) -> bool:
    try:
        return text in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False


def _ready_workers(pid: int, ready_dir: Path) -> int:
    """How many of the server's processes (uvicorn's supervisor's children, or the one process
    of a single-worker server) have finished ``create_app``: each leaves a file named for its
    PID in ``ready_dir`` then."""
    import psutil

    try:
        parent = psutil.Process(pid)
        pids = {pid, *(c.pid for c in parent.children())}
    except psutil.NoSuchProcess:
        return 0
    return sum(1 for p in pids if (ready_dir / str(p)).exists())


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    run(args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
