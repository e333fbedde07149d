"""Launch tooling: a candidate version taken to production through recorded steps.

- ``service``: start, read and decide launches.
- ``pipeline``: the steps (estimation, approval, preparation, scale-up, finalization).
- ``gates``: signature, offline metrics, prediction stability and latency, by tier.
- ``replay``: recorded (or made-up) requests sent at a version.
"""
