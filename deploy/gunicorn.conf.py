"""Gunicorn for the portal's app servers: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``, from the checkout.

Where to listen and how many processes come from the environment (docs/deployment.md lists them); anything
else can be overridden with GUNICORN_CMD_ARGS, which gunicorn reads after this file.
"""

import os
import shutil
import tempfile

# -- where and how many --
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]  # a container publishes 0.0.0.0:8000
# Requests spend much of their time waiting for PostgreSQL and Redis: two processes a core, two threads each.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))  # more than 1: the gthread worker, which keeps connections
worker_class = "gthread"

# -- time --
timeout = 30  # a worker whose main loop is silent this long is killed and replaced (the proxy times requests)
graceful_timeout = 30  # on SIGTERM or a restart, requests in progress get this long to finish
# Longer than the proxy keeps an idle connection to us (deploy/Caddyfile: 60 s), so the proxy always closes
# first and never sends a request on a connection gunicorn is closing (a spurious 502).
keepalive = 75

# -- recycling --
max_requests = 2000  # a worker is replaced after about this many requests: slow leaks never add up
max_requests_jitter = 200  # not all at once
# The heartbeat file on a memory filesystem: a slow or full disk must not look like a hung worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Load the portal once, then fork: a bad setting stops the start once with its message (not a worker boot
# loop), and the workers share the catalog, fonts and postal data in memory. A new release is a restart.
preload_app = True
# No control socket (gunicorn 25.1+): systemd or the container runtime manages the processes, and its default
# place under $HOME is read-only under the units' hardening and shared by every gunicorn of the user.
control_socket_disable = True

# -- the proxy in front --
# Only the portal decides whom to believe about the client's address and scheme: ProxyFix, with the
# TRUSTED_PROXIES hops in front (README, Configuration). Gunicorn would otherwise apply X-Forwarded-Proto from
# 127.0.0.1 (its default) or from any unix socket peer on its own, believing a hop the portal was not told of.
forwarded_allow_ips = ""
secure_scheme_headers = {}
forwarder_headers = ""

# -- logs --
# No access log: it would write query strings and client addresses for every request. The portal writes its
# own request record (ids and the URL rule only) to stderr, where gunicorn's error log goes too.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# -- Prometheus (portal.metrics) --
# Each worker writes its metrics to files in this directory and /metrics adds up all of them, including those
# of workers replaced since. It must be empty at start, and the app server's own: unless the environment names
# one (systemd's RuntimeDirectory, a tmpfs volume), each start makes a fresh one and removes it on exit.
_made_metrics_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _made_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="madoguchi-metrics-", dir=worker_tmp_dir)


def child_exit(server, worker):
    # Imported here: prometheus-client chooses between memory and files when it is first imported, which must
    # be after PROMETHEUS_MULTIPROC_DIR is set above.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker):
    """The preloaded portal opened no database connection a worker may share, but make sure of it."""
    from portal.database import db

    if db.engine is not None:
        db.engine.dispose(close=False)


def on_exit(server):
    if _made_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
