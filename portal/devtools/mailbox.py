"""The development-only page listing what the mail sink received (``/dev/mail``): each notification as the
resident or clerk would get it. create_app imports and registers it only when MAIL_SINK_DIR is set, which
production refuses (portal.config), so a production portal has no such page. Japanese only, like the other
development tools."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail", template_folder="templates")

SHOWN = 200  # the newest this many
FILE_NAME = re.compile(r"[0-9TZ]+-[0-9a-f]{8}\.eml")


@dataclass(frozen=True)
class Received:
    name: str
    date: str
    to: str
    subject: str


def _directory() -> Path:
    return Path(current_app.config["MAIL_SINK_DIR"])


def _read(path: Path) -> EmailMessage:
    with path.open("rb") as file:
        return BytesParser(policy=policy.default).parse(file)  # type: ignore[return-value]


@bp.get("/")
def index() -> str:
    directory = _directory()
    files = sorted(directory.glob("*.eml"), reverse=True)[:SHOWN] if directory.is_dir() else []
    received = []
    for path in files:
        message = _read(path)
        received.append(
            Received(path.name, str(message["Date"] or ""), str(message["To"] or ""), str(message["Subject"] or ""))
        )
    return render_template("devmail/index.html", received=received, directory=directory)


@bp.get("/<name>")
def message(name: str) -> str:
    if not FILE_NAME.fullmatch(name):
        abort(404)
    path = _directory() / name
    if not path.is_file():
        abort(404)
    email = _read(path)
    body = email.get_body(preferencelist=("plain",))
    return render_template(
        "devmail/message.html",
        name=name,
        headers=[(key, str(value)) for key, value in email.items()],
        body=body.get_content() if body is not None else "",
    )
