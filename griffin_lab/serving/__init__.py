"""Serving: model versions as BentoML services, and endpoints kept to their desired state.

- ``signature``: request validation against a version's signature (the hot path).
- ``bento_service``: the BentoML service that serves one version (copied into each Bento).
- ``bento``: build a version's Bento, the ``bentoml serve`` command for it, readiness.
- ``service``/``reconcile``/``router``: endpoints as rows, reconciled to processes, and the
  traffic router in front of them.
"""
