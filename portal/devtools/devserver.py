"""``python -m portal.devtools.devserver``: the portal, its development identity provider and payment provider,
the development mail sink, demo data and one Celery worker with beat, on one machine. For trying Madoguchi out;
production runs ``gunicorn wsgi:app`` against a real provider and SMTP server, and the worker and beat as services
of their own (README, Production)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import redis
from werkzeug.serving import WSGIRequestHandler, run_simple

from portal import create_app
from portal.certificates.devpki import create_dev_pki
from portal.cli import upgrade_database
from portal.config import DEV_PAYMENT_KEY, ConfigError, Environment, load_settings
from portal.database import db
from portal.definitions import read_sources
from portal.demo import load_demo_data
from portal.devidp import ProductionRefusedError, create_idp_app, default_clients, demo_users, serve_in_thread
from portal.devpay import ProductionRefusedError as PaymentsProductionRefusedError
from portal.devpay import create_payment_app
from portal.devtools.mailsink import start_mail_sink
from portal.services.actors import Administrator
from portal.services.publishing import publish
from portal.yamlsource import DefinitionError


class AccessLogWithoutQuery(WSGIRequestHandler):
    """werkzeug's access line without the query string: the login callback's carries the authorization code.

    The portal's own request record (portal.web.requestlog) says more; this line only must not leak.
    """

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Called once the app has answered, so the environ no longer needs the full path.
        self.path = urlsplit(self.path).path
        self.requestline = f"{self.command} {self.path} {self.request_version}"
        super().log_request(code, size)


# One worker renders certificates; beat runs the sweep, its schedule kept in memory (no file to clean up).
CELERY_COMMANDS = (
    ("worker", "--concurrency=1", "--loglevel=INFO"),
    ("beat", "--scheduler=celery.beat:Scheduler", "--loglevel=INFO"),
)


@contextmanager
def celery_processes(broker_url: str) -> Iterator[None]:
    """The worker and beat beside the portal, stopped with it. Without Redis they wait for it, and 交付
    leaves certificates 「発行処理中」 until it is there: say so now rather than leave it to be discovered."""
    try:
        redis.Redis.from_url(broker_url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        print(f"\n  WARNING: Redis is not reachable at {broker_url} ({error}).", file=sys.stderr)
        print("  Certificates stay 「発行処理中」 until it is: start Redis (Debian: redis-server).\n", file=sys.stderr)
    processes = [
        subprocess.Popen([sys.executable, "-m", "celery", "-A", "portal.tasks", *command])
        for command in CELERY_COMMANDS
    ]
    try:
        yield
    finally:
        for process in processes:
            process.terminate()  # a warm shutdown: the worker finishes the certificate it is rendering
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.devtools.devserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--idp-port", type=int, default=5001)
    parser.add_argument("--payment-port", type=int, default=5002)
    parser.add_argument("--mail-port", type=int, default=8025, help="the development mail sink's SMTP port")
    args = parser.parse_args()

    portal_url = f"http://{args.host}:{args.port}"
    idp_url = f"http://{args.host}:{args.idp_port}"
    payment_url = f"http://{args.host}:{args.payment_port}"
    os.environ.setdefault("DEV_IDP_URL", idp_url)
    os.environ.setdefault("PAYMENT_PROVIDER_URL", payment_url)
    os.environ.setdefault("SMTP_URL", f"smtp://{args.host}:{args.mail_port}")  # the sink started below
    try:
        settings = load_settings()
        idp = create_idp_app(issuer=idp_url, clients=default_clients(portal_url), environment=settings.environment)
        key = settings.payment_provider.key if settings.payment_provider else DEV_PAYMENT_KEY  # the portal's own
        payments = create_payment_app(api_key=key, environment=settings.environment)
    except (ConfigError, ProductionRefusedError, PaymentsProductionRefusedError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    assert settings.environment is not Environment.PRODUCTION

    settings.session_dir.mkdir(parents=True, exist_ok=True)
    if settings.database_url.startswith("sqlite:///"):
        os.makedirs(os.path.dirname(settings.database_url.removeprefix("sqlite:///")), exist_ok=True)
    upgrade_database(settings.database_url)
    app = create_app(settings)
    with app.app_context():
        try:  # what you edit in forms_catalog/, workflows/ and the templates is what you see after a restart
            published = publish(
                db.session, read_sources(settings.source_dirs), Administrator.command_line("scripts/dev")
            )
        except DefinitionError as error:
            print(f"error: the catalog cannot be published: {error}", file=sys.stderr)
            return 2
        demo = load_demo_data(db.session)
        db.session.commit()
    for change in published:
        print(f"  published {change}")
    create_dev_pki(settings.signing_dir, [(m.code, f"{m.prefecture}{m.name}") for m in demo])

    serve_in_thread(idp, args.host, args.idp_port)
    serve_in_thread(payments, args.host, args.payment_port)
    assert settings.mail_sink_dir is not None  # set outside production
    mail_sink = start_mail_sink(settings.mail_sink_dir, args.host, args.mail_port, settings.environment)
    print(f"\n  Madoguchi portal:        {portal_url}/")
    print(f"  Back office (staff):     {portal_url}/backoffice/")
    print(f"  Development identity provider: {idp_url}/  (never in production)")
    print(f"  Development payment provider:  {payment_url}/  (never in production; PAYMENT_PROVIDER=dev)")
    print(
        f"  Development mail sink:   {mail_sink.url} → {settings.mail_sink_dir}/*.eml, listed at {portal_url}/dev/mail/"
    )
    print("                           (notifications go there unless SMTP_URL names another server)\n")
    print("  Demo accounts (pick one on the provider's login page):")
    for user in demo_users():
        print(f"    [{user.kind:8}] {user.display_name} — {user.note}")
    print()
    assert settings.celery_broker_url is not None  # only testing runs without a broker
    try:
        with celery_processes(settings.celery_broker_url):
            run_simple(
                args.host, args.port, app, use_reloader=False, threaded=True, request_handler=AccessLogWithoutQuery
            )
    finally:
        mail_sink.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
