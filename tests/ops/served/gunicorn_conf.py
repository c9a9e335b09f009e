"""gunicorn configuration of the served site: drcp_multi's drain and Prometheus multiprocess hooks."""

from drcp_multi.lifecycle import gunicorn_child_exit as child_exit  # noqa: F401
from drcp_multi.lifecycle import gunicorn_worker_exit as worker_exit  # noqa: F401

worker_class = "gthread"
threads = 12  # the held requests of the SIGTERM test and the load fit in one worker
graceful_timeout = 30
