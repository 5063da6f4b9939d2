"""Madoguchi (窓口): online administrative procedures for Japanese municipalities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from portal.config import ROOT, Settings, load_settings

if TYPE_CHECKING:  # importing the core (portal.catalog, ...) must not pull in Flask
    from flask import Flask


def create_app(settings: Settings | None = None, overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the portal. It serves the published catalog: definition files are checked when they are published."""
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from portal.certificates import CertificateRenderer
    from portal.certificates.fonts import certificate_glyphs
    from portal.certificates.signing import CertificateSigning
    from portal.cli import register_commands
    from portal.contentcache import ContentCache
    from portal.database import db
    from portal.payments import build_provider
    from portal.procedures import EXTENSION, Procedures
    from portal.records.registry import build_directory
    from portal.tasks import init_app as init_tasks
    from portal.web import (
        attachments,
        auth,
        errors,
        fees,
        furigana,
        i18n,
        limits,
        pagecache,
        probes,
        public,
        requestlog,
        security,
        sessions,
        templating,
    )
    from portal.web.account import bp as account_bp
    from portal.web.admin import bp as admin_bp
    from portal.web.api import bp as api_bp
    from portal.web.backoffice import bp as backoffice_bp
    from portal.web.current import (
        ATTACHMENTS_EXTENSION,
        CONTENT_EXTENSION,
        PAYMENTS_EXTENSION,
        RECORDS_EXTENSION,
        Attachments,
    )
    from portal.web.opendata import bp as opendata_bp
    from portal.web.resident import bp as resident_bp
    from portal.web.verify import bp as verify_bp

    settings = settings or load_settings()
    app = Flask(__name__, static_folder=str(ROOT / "static"), static_url_path="/static")
    app.config.from_mapping(settings.flask_config())
    app.config.update(overrides or {})
    pagecache.init_app(app)  # the innermost wrapper: public pages kept whole answer in front of Flask
    if settings.trusted_proxies:  # scheme, host and client address as the load balancer received them
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]

    signing = CertificateSigning(settings.signing_dir, settings.certificate_hmac_key, settings.certificate_base_url)
    content = app.extensions[CONTENT_EXTENSION] = ContentCache(app.config["CONTENT_CHECK_SECONDS"])
    # The catalog is what `flask catalog publish` stored in the database, not the files (portal.procedures).
    renderer = CertificateRenderer(templates_dir=settings.certificates_dir)
    app.extensions[EXTENSION] = Procedures(renderer, signing, content)
    certificate_glyphs()  # answers are checked against the certificate fonts: without them, refuse to start
    app.extensions[RECORDS_EXTENSION] = build_directory(settings.records_backends)
    app.extensions[ATTACHMENTS_EXTENSION] = Attachments.configured(settings)
    app.extensions[PAYMENTS_EXTENSION] = build_provider(settings.payment_provider)
    requestlog.init_app(app)  # before the database: its record follows the commit
    db.init_app(app)
    init_tasks(app)
    probes.init_app(app)  # /healthz, /readyz, /metrics: in front of everything below, for this engine and broker
    sessions.init_app(app)
    security.init_app(app)
    attachments.init_app(app)
    i18n.init_app(app)
    furigana.init_app(app)
    templating.init_app(app)
    public.init_app(app)
    fees.init_app(app)
    auth.init_app(app)
    app.register_blueprint(resident_bp)
    app.register_blueprint(backoffice_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(api_bp)
    security.csrf.exempt(api_bp)  # a bearer token, never a cookie: nothing for a forged form to ride on
    if settings.mail_sink_dir is not None:  # development only (production refuses it): what the mail sink received
        from portal.devtools import mailbox

        app.register_blueprint(mailbox.bp)
    limits.init_app(app)
    errors.init_app(app)
    register_commands(app)
    return app
