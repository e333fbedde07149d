"""Monitoring: request logs from every serving process, endpoint health (requests/s,
latency, errors, prediction drift) and model stability against outcomes.

- ``request_log``: what each BentoML worker writes (copied into each Bento).
- ``service``: reading the logs into the database, health, outcomes, stability, and the
  verdict written to the registry.
- ``stats``: percentiles, PSI, log loss, normalized entropy, calibration.
"""
