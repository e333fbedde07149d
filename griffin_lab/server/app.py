"""``GriffinExtension``: the Jupyter server extension application."""

from __future__ import annotations

import threading

from jupyter_server.extension.application import ExtensionApp
from traitlets import Unicode

from .. import __version__
from ..api.core import all_operations
from .handlers import PlatformHolder, build_handlers


class GriffinExtension(ExtensionApp):
    """Serves the Griffin REST API under ``<base_url>griffin/api/v1/``."""

    name = "griffin_lab"
    description = "Griffin Lab platform services"
    load_other_extensions = True

    database_url = Unicode(
        None, allow_none=True, config=True,
        help="Overrides GRIFFIN_DATABASE_URL for this server.",
    )
    home = Unicode(None, allow_none=True, config=True, help="Overrides GRIFFIN_HOME.")

    def initialize_settings(self) -> None:
        overrides = {"database_url": self.database_url, "home": self.home}

        def factory():  # noqa: ANN202
            from ..platform import Platform
            from ..settings import Settings

            return Platform.from_settings(Settings.load(**overrides))

        holder = PlatformHolder(factory)
        holder.start()  # migrations run on server start
        if holder.error is not None:
            self.log.error("Griffin Lab could not start its platform: %s", holder.error.message)
        else:
            self.log.info("Griffin Lab %s ready", __version__)
            threading.Thread(target=self._warm_up, args=(holder,), name="griffin-warm-up",
                             daemon=True).start()
            self._stopping = threading.Event()
            threading.Thread(target=self._reconcile_loop, args=(holder,),
                             name="griffin-serving-reconcile", daemon=True).start()
            threading.Thread(target=self._monitoring_loop, args=(holder,),
                             name="griffin-monitoring", daemon=True).start()
        self.settings.update({"griffin": holder})

    def _reconcile_loop(self, holder: PlatformHolder, every_s: float = 2.0) -> None:
        """Endpoints' desired state, enforced: on start, then every couple of seconds (a dead
        serving process is restarted, a retired one stopped after its grace period)."""
        while not self._stopping.is_set():
            try:
                serving = holder.get().serving
                if serving.has_endpoints():
                    report = serving.reconcile()
                    if report.restarted or report.stopped or report.router_changed:
                        self.log.info("Griffin serving reconcile: %s", report.model_dump())
            except Exception:  # recorded per endpoint; the loop keeps going
                self.log.warning("Griffin serving reconcile failed", exc_info=True)
            self._stopping.wait(every_s)

    def _monitoring_loop(self, holder: PlatformHolder, every_s: float = 5.0) -> None:
        """Serving processes' request logs read into the database, and every served
        model's health written to the registry, every few seconds."""
        while not self._stopping.wait(every_s):
            try:
                platform = holder.get()
                if platform.monitoring.has_logs() or platform.serving.has_endpoints():
                    platform.monitoring.refresh()
            except Exception:  # the next pass tries again
                self.log.warning("Griffin monitoring refresh failed", exc_info=True)

    def _warm_up(self, holder: PlatformHolder) -> None:
        """Import Feast and load the registry now, not in the first feature request."""
        try:
            platform = holder.get()
            if platform.features.repo.exists():
                platform.features.search()
        except Exception:  # a broken repo is reported by the requests that need it
            self.log.debug("Griffin warm-up failed", exc_info=True)

    def initialize_handlers(self) -> None:
        self.handlers.extend(build_handlers(all_operations()))

    async def stop_extension(self) -> None:
        stopping = getattr(self, "_stopping", None)
        if stopping is not None:
            stopping.set()
        holder = self.settings.get("griffin")
        if holder is not None:
            holder.close()
