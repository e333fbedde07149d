"""The stable address of every endpoint: one nginx per Griffin home, rendered from the
endpoints' desired state.

nginx gives each endpoint a fixed port on 127.0.0.1 and proxies to the BentoML process(es)
behind it: one version, a weighted split between two (``split_clients``), or one version
answering while a candidate gets a copy of every request (``mirror``; its answers are
discarded by nginx and logged by the candidate). A change is a new config, checked with
``nginx -t`` and loaded with SIGHUP: nginx's graceful reload lets old workers finish their
requests while new ones take new connections, so a switch drops no request.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EngineUnavailable
from ..local_processes import alive

NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")


@dataclass(frozen=True)
class Route:
    """One endpoint's routing: its port and the backend ports by role."""

    endpoint_id: int
    name: str
    port: int
    primary: int  # backend port of the primary version
    candidate: int | None = None
    mode: str = "single"  # single | split | shadow
    split: float = 0.0
    max_body_mb: int = 16
    versions: dict[str, int] = field(default_factory=dict)  # role -> version, for headers


def nginx_binary() -> str:
    for name in NGINX_CANDIDATES:
        found = shutil.which(name) or (name if os.access(name, os.X_OK) else None)
        if found:
            return found
    raise EngineUnavailable("nginx is not installed: the serving router needs it "
                            "(Debian: apt-get install nginx-light; scripts/system-deps.sh)")


def _upstream(name: str, port: int) -> str:
    return f"  upstream {name} {{\n    server 127.0.0.1:{port};\n    keepalive 16;\n  }}\n"


def render(routes: list[Route], prefix: Path) -> str:
    """The whole nginx.conf for these routes."""
    temp = prefix / "tmp"
    parts = [
        "daemon off;\nmaster_process on;\nworker_processes 1;\n",
        f"pid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} warn;\n",
        "events {\n  worker_connections 2048;\n}\n",
        "http {\n  access_log off;\n  server_tokens off;\n",
        *(f"  {kind}_temp_path {temp / kind};\n"
          for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")),
        "  proxy_http_version 1.1;\n  proxy_set_header Connection \"\";\n",
        "  proxy_read_timeout 120s;\n",
        # requests and answers stay in memory: nginx's workers (user nobody when the master
        # runs as root) need not write under the Griffin home
        "  proxy_buffering off;\n  proxy_request_buffering on;\n",
    ]
    for r in routes:
        base = f"ep{r.endpoint_id}"
        parts.append(_upstream(f"{base}_primary", r.primary))
        if r.candidate is not None:
            parts.append(_upstream(f"{base}_candidate", r.candidate))
        backend = f"{base}_primary"
        if r.mode == "split" and r.candidate is not None and r.split > 0:
            share = round(r.split * 100, 2)
            parts.append(f'  split_clients "${{request_id}}" ${base}_backend {{\n'
                         f"    {share}% {base}_candidate;\n    * {base}_primary;\n  }}\n")
            backend = f"${base}_backend"
        shadow = r.mode == "shadow" and r.candidate is not None
        parts.append(
            f"  server {{\n    listen 127.0.0.1:{r.port};\n"
            f"    client_max_body_size {r.max_body_mb}m;\n"
            f"    client_body_buffer_size {r.max_body_mb}m;\n"
            f"    add_header X-Griffin-Endpoint {r.name} always;\n"
            "    location / {\n"
            + ("      mirror /griffin-shadow;\n      mirror_request_body on;\n" if shadow else "")
            + f"      proxy_pass http://{backend};\n    }}\n"
            + ("    location = /griffin-shadow {\n      internal;\n"
               "      proxy_set_header Connection \"\";\n"
               "      proxy_set_header X-Griffin-Shadow 1;\n"
               f"      proxy_pass http://{base}_candidate$request_uri;\n    }}\n"
               if shadow else "")
            + "  }\n")
    parts.append("}\n")
    return "".join(parts)


class Router:
    """The nginx process of one Griffin home (started on first use, reloaded on change)."""

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.conf = prefix / "nginx.conf"

    def pid(self) -> int | None:
        try:
            pid = int((self.prefix / "nginx.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if alive(pid) else None

    def apply(self, routes: list[Route]) -> bool:
        """Make nginx serve ``routes``; True when something changed. With no routes, nginx
        is stopped."""
        if not routes:
            self.stop()
            return False
        text = render(routes, self.prefix)
        running = self.pid()
        if running is not None and self.conf.exists() and self.conf.read_text() == text:
            return False
        self.prefix.mkdir(parents=True, exist_ok=True)
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / "tmp" / kind).mkdir(parents=True, exist_ok=True)
        candidate = self.prefix / "nginx.conf.new"
        candidate.write_text(text)
        check = subprocess.run([nginx_binary(), "-t", "-q", "-p", str(self.prefix), "-c",
                                str(candidate)], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise EngineUnavailable(f"the router config was refused by nginx: "
                                    f"{check.stderr.strip()[-500:]}")
        os.replace(candidate, self.conf)
        if running is None:
            self._start()
        else:
            self._reload(running)
        return True

    def _reload(self, master: int, timeout: float = 10.0) -> None:
        """SIGHUP, then wait until new workers took over the listening sockets (the old ones
        finish their requests on their own), so the next request sees the new routes."""
        before = _children(master)
        os.kill(master, signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = _children(master)
            if now - before and not any(_listening(pid) for pid in before & now):
                return
            time.sleep(0.01)
        raise EngineUnavailable(f"nginx did not reload within {timeout:.0f} s; see "
                                f"{self.prefix / 'error.log'}")

    def _start(self) -> None:
        log = open(self.prefix / "nginx.out", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen([nginx_binary(), "-p", str(self.prefix), "-c", str(self.conf)],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                error = (self.prefix / "error.log")
                tail = error.read_text()[-500:] if error.exists() else ""
                raise EngineUnavailable(f"nginx exited ({proc.returncode}) at start: {tail}")
            if self.pid() == proc.pid:
                return
            time.sleep(0.02)
        raise EngineUnavailable("nginx did not write its pid file within 10 s")

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)  # graceful: finish requests, then exit
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def _children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(c) for c in text.split()}


def _listening(pid: int) -> bool:
    """Whether a worker still accepts: an old worker shutting down has a title saying so."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return b"shutting down" not in title
