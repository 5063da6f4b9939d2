"""The running app's procedures, for the blueprints (services receive them explicitly)."""

from __future__ import annotations

from flask import current_app

from portal.procedures import EXTENSION, Procedures


def current_procedures() -> Procedures:
    """Loaded once by create_app; a request never reloads definitions."""
    return current_app.extensions[EXTENSION]
