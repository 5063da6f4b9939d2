"""The restore drill of docs/backup.md, on scratch databases: scripts/backup of a portal that has taken an
application with a photo and issued its signed certificate, scripts/restore into another empty database and empty
directories, and the restored portal shows the same. A restore that would overwrite anything is refused before it
changes anything.

The portal runs in this process on its own database (it commits for real); the scripts run as operators run them,
in the environment the app servers have.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, create_engine, func, select, text
from sqlalchemy.orm import Session

from portal.certificates.devpki import create_dev_pki
from portal.cli import upgrade_database
from portal.config import ROOT
from portal.database import db
from portal.demo import load_demo_data
from portal.devidp import RunningServer
from portal.models import AuditEntry, Certificate, Draft, Submission, TransitionRecord
from tests.conftest import throwaway_database
from tests.unit.attachments import files
from tests.web.conftest import PUBLIC_URL, create_testing_app, idp, logged_in  # noqa: F401  (idp: a fixture)
from tests.web.journeys import fill_in, fire, verify_path
from tests.web.test_risai_shomei import ANSWERS, CODE, SLUG, applied, attach, decision

pytestmark = pytest.mark.postgresql

SEALS = ROOT / "static" / "seals"  # the release's own seals, which the backup takes as it finds them


@dataclass(frozen=True)
class Place:
    """A deployment's database and directories, and the environment its app servers (and so the scripts) get."""

    url: str
    root: Path

    @property
    def attachments(self) -> Path:
        return self.root / "attachments"

    @property
    def signing(self) -> Path:
        return self.root / "pki"

    @property
    def seals(self) -> Path:
        return self.root / "seals"

    def settings(self) -> dict[str, str]:
        """Where its files are, as the app servers' environment names them."""
        return {
            "MADOGUCHI_INSTANCE_DIR": str(self.root / "instance"),
            "ATTACHMENT_DIR": str(self.attachments),
            "SIGNING_DIR": str(self.signing),
        }

    def script(self, name: str, *arguments: str | Path) -> subprocess.CompletedProcess[str]:
        """scripts/``name`` run by the operator with the app servers' environment."""
        environment = {**os.environ, "MADOGUCHI_ENV": "testing", "DATABASE_URL": self.url, **self.settings()}
        command = [ROOT / "scripts" / name, *map(str, arguments)]
        return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)

    def portal(self, provider: RunningServer) -> Flask:
        sessions = str(self.root / "sessions")
        return create_testing_app(provider, self.url, **self.settings(), SESSION_DIR=sessions, PUBLIC_URL=PUBLIC_URL)


@pytest.fixture(scope="module")
def shared_db() -> Iterator[None]:
    """The portals built here point the shared ``db`` at their own databases; it points back afterwards."""
    engine, sessionmaker = db.engine, db.sessionmaker
    yield
    db.engine, db.sessionmaker = engine, sessionmaker


@pytest.fixture(scope="module")
def new_place(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], Place]]:
    """``new_place()``: an empty database (not even migrated) and an empty directory, dropped afterwards."""
    with ExitStack() as databases:

        def make() -> Place:
            url = databases.enter_context(throwaway_database(request.config, tmp_path_factory))
            return Place(url, tmp_path_factory.mktemp("place"))

        yield make


@dataclass(frozen=True)
class Issued:
    reference: str
    photo_sha256: str
    photo_key: str
    drafted_key: str  # the photo on 佐藤's draft of another application


@pytest.fixture(scope="module")
def source(new_place: Callable[[], Place], idp: RunningServer, shared_db: None) -> tuple[Place, Issued]:  # noqa: F811
    """A migrated portal with the demo data where 山田 applied for a 罹災証明書 with a photo and staff issued it, and
    佐藤 has attached a photo to an application not yet sent (a draft)."""
    place = new_place()
    upgrade_database(place.url)
    engine = create_engine(place.url)
    with Session(engine) as session:
        load_demo_data(session)
        session.commit()
    create_dev_pki(place.signing, [(CODE, "見本県見本市")])
    portal = place.portal(idp)
    changed = portal.test_cli_runner().invoke(args=["municipality", "enable", CODE, SLUG, "--contact-name", "防災課"])
    assert changed.exit_code == 0, changed.output  # an audit entry
    reference = applied(logged_in(portal, "resident", "resident-yamada"))
    clerk = logged_in(portal, "staff", "staff-mihon-clerk")
    approver = logged_in(portal, "staff", "staff-mihon-approver")
    for client, transition, inputs in (
        (clerk, "start_investigation", {}),
        (clerk, "decide", decision()),
        (approver, "approve", {}),
        (clerk, "issue", {}),
    ):
        assert fire(client, reference, transition, **inputs).status_code == 302, transition
    sato = logged_in(portal, "resident", "resident-sato")
    fill_in(sato, CODE, SLUG, ANSWERS)
    assert attach(sato, files.jpeg_with_gps(), "窓.jpg").status_code == 302
    with Session(engine) as session:
        submission = session.scalars(select(Submission)).one()
        assert submission.state == "issued"
        assert session.scalars(select(Certificate.pdf)).one()  # rendered and signed after the commit
        [photo] = submission.answers["photos"]
        [drafted] = session.scalars(select(Draft.answers)).one()["photos"]  # a draft keeps each reference as JSON
    engine.dispose()
    return place, Issued(reference, photo["sha256"], photo["key"], json.loads(drafted)["key"])


@pytest.fixture(scope="module")
def backup(source: tuple[Place, Issued], tmp_path_factory: pytest.TempPathFactory) -> Path:
    place, _issued = source
    directory = tmp_path_factory.mktemp("backups") / "2026-11-28"
    made = place.script("backup", directory)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("backed up ") and made.stderr == ""
    return directory


@pytest.fixture(scope="module")
def restored(backup: Path, new_place: Callable[[], Place]) -> tuple[Place, subprocess.CompletedProcess[str]]:
    place = new_place()
    return place, place.script("restore", backup, "--seals-dir", place.seals)


def contents(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (alembic_version included), in primary key order."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: [tuple(row) for row in connection.execute(table.select().order_by(*table.primary_key.columns))]
                for name, table in sorted(metadata.tables.items())
            }
    finally:
        engine.dispose()


def files_in(directory: Path) -> dict[str, tuple[str, int]]:
    """Each file under ``directory``: its SHA-256 and permission bits."""
    return {
        str(path.relative_to(directory)): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode & 0o777)
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def page_text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.text)


# -- the drill ----------------------------------------------------------------------------------------------------


def test_the_restored_portal_has_every_row_file_and_key_and_shows_the_same(
    source: tuple[Place, Issued],
    restored: tuple[Place, subprocess.CompletedProcess[str]],
    idp: RunningServer,  # noqa: F811
) -> None:
    (before, issued), (after, run) = source, restored
    assert run.returncode == 0, run.stderr
    assert "verified: all 1 attachments of submissions, by SHA-256" in run.stdout
    assert "drafts' attachments: 1 present, 0 removed by their residents after the dump" in run.stdout
    assert "this release's head: up to date" in run.stdout

    # Every table, row for row: the submission, its history, the certificate's PDF, the audit trail, the numbers.
    backed_up, now = contents(before.url), contents(after.url)
    assert {name: len(rows) for name, rows in now.items()} == {name: len(rows) for name, rows in backed_up.items()}
    assert now == backed_up
    engine = create_engine(after.url)
    with Session(engine) as session:
        assert [r.transition for r in session.scalars(select(TransitionRecord).order_by(TransitionRecord.id))] == [
            "submit",
            "start_investigation",
            "decide",
            "approve",
            "issue",
        ]
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.municipality_code == CODE))
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    assert current == ScriptDirectory(str(ROOT / "migrations")).get_current_head()  # `alembic current` at head

    assert files_in(after.attachments) == files_in(before.attachments)
    assert files_in(after.signing) == files_in(before.signing)  # the private keys stay 0600
    assert files_in(after.seals) == {name: (digest, mode) for name, (digest, mode) in files_in(SEALS).items()}

    # The restored portal, on the restored database and directories: the resident's application, its photo and the
    # certificate, which the public page still finds valid.
    portal = after.portal(idp)
    resident = logged_in(portal, "resident", "resident-yamada")
    application = page_text(resident, f"/{CODE}/applications/{issued.reference}")
    assert issued.reference in application and "屋根.jpg" in application
    with Session(engine, expire_on_commit=False) as session:
        submission = session.scalars(select(Submission)).one()
        [photo] = submission.answers["photos"]
        certificate = session.scalars(select(Certificate)).one()
        certificate.pdf  # noqa: B018 - deferred: loaded before the session closes
    download = resident.get(f"/{CODE}/applications/{issued.reference}/attachments/{photo['key']}")
    assert download.status_code == 200 and hashlib.sha256(download.data).hexdigest() == issued.photo_sha256
    pdf = resident.get(f"/{CODE}/applications/{issued.reference}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data == certificate.pdf
    assert "この証明書は有効です。" in page_text(portal.test_client(), verify_path(certificate))
    engine.dispose()
    clerk = logged_in(portal, "staff", "staff-mihon-clerk")
    assert issued.reference in page_text(clerk, f"/backoffice/submissions/{issued.reference}")


# -- refused ------------------------------------------------------------------------------------------------------


def relations(url: str) -> list[str]:
    """The tables and sequences in ``url``'s database: none in a database nothing was restored into."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = "SELECT relname FROM pg_class WHERE relkind IN ('r', 'S') AND relnamespace = 'public'::regnamespace"
            return sorted(connection.scalars(text(query)))
    finally:
        engine.dispose()


def test_restoring_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(
    source: tuple[Place, Issued], backup: Path, tmp_path: Path
) -> None:
    before, _issued = source
    into = Place(before.url, tmp_path)  # the portal's own database, fresh directories
    rows = contents(before.url)

    refused = into.script("restore", backup, "--seals-dir", into.seals)

    assert refused.returncode == 1 and refused.stdout == ""
    database = before.url.rsplit("/", 1)[1]
    assert refused.stderr.startswith(
        f"python -m portal.backup restore: the database {database} is not empty: it holds "
    )
    assert "restore only into a new, empty database (createdb); nothing was changed" in refused.stderr
    assert contents(before.url) == rows
    assert list(into.root.iterdir()) == []  # no directory made, no file unpacked


def damaged(backup: Path, into: Path) -> None:
    data = bytearray((into / "database.dump").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (into / "database.dump").write_bytes(bytes(data))


def manifest_says(**changes: object) -> Callable[[Path, Path], None]:
    def change(_backup: Path, into: Path) -> None:
        manifest = json.loads((into / "manifest.json").read_text())
        (into / "manifest.json").write_text(json.dumps({**manifest, **changes}))

    return change


def without_manifest(_backup: Path, into: Path) -> None:
    (into / "manifest.json").unlink()  # what a backup that stopped half-way leaves


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (damaged, "database.dump does not match the manifest (damaged, or changed since the backup)"),
        (without_manifest, "has no manifest.json: it is not a complete backup"),
        (
            manifest_says(revision="ffffffffffff"),
            "the backup's schema revision ffffffffffff is not among this release's migrations: it comes from a newer "
            "release",
        ),
        (
            manifest_says(attachment_storage={"backend": "s3", "bucket": "b", "prefix": ""}),
            "the backup's attachments are in s3 storage, this deployment's in local",
        ),
    ],
    ids=["damaged", "incomplete", "newer-release", "other-storage"],
)
def test_a_backup_that_cannot_be_restored_as_it_is_is_refused_and_changes_nothing(
    backup: Path,
    new_place: Callable[[], Place],
    tmp_path: Path,
    spoil: Callable[[Path, Path], None],
    message: str,
) -> None:
    copy = tmp_path / "backup"
    shutil.copytree(backup, copy)
    spoil(backup, copy)
    into = new_place()

    refused = into.script("restore", copy, "--seals-dir", into.seals)

    assert refused.returncode == 1 and message in refused.stderr, refused.stderr
    assert relations(into.url) == [] and list(into.root.iterdir()) == []


def test_restoring_over_files_is_refused_and_changes_nothing(backup: Path, new_place: Callable[[], Place]) -> None:
    into = new_place()
    into.attachments.mkdir()
    (into.attachments / "left-over").write_bytes(b"x")
    into.seals.mkdir()
    (into.seals / "999997.svg").write_bytes(b"<svg/>")  # not the backup's seal of that name

    refused = into.script("restore", backup, "--seals-dir", into.seals)
    assert refused.returncode == 1 and f"{into.attachments} is not empty: restore only into an empty directory" in (
        refused.stderr
    )
    (into.attachments / "left-over").unlink()
    refused = into.script("restore", backup, "--seals-dir", into.seals)
    assert refused.returncode == 1
    assert f"{into.seals / '999997.svg'} differs from the backup's seal of that name; nothing was changed" in (
        refused.stderr
    )
    assert relations(into.url) == [] and not into.signing.exists()
    assert files_in(into.seals) == {"999997.svg": (hashlib.sha256(b"<svg/>").hexdigest(), 0o644)}


def test_a_backup_goes_only_into_a_new_directory_and_only_from_postgresql(
    source: tuple[Place, Issued], backup: Path, tmp_path: Path
) -> None:
    before, _issued = source
    listing = sorted(path.name for path in backup.iterdir())
    again = before.script("backup", backup)
    assert (
        again.returncode == 1 and f"{backup} is not an empty directory: each backup goes into a new one" in again.stderr
    )
    assert sorted(path.name for path in backup.iterdir()) == listing

    sqlite = Place(f"sqlite:///{tmp_path / 'portal.db'}", tmp_path)
    refused = sqlite.script("backup", tmp_path / "new")
    assert refused.returncode == 1 and "DATABASE_URL names sqlite: backups are of PostgreSQL (production) only" in (
        refused.stderr
    )
    assert not (tmp_path / "new").exists()


def without_files(backup: Path, into: Path, *keys: str) -> None:
    """The backup as if these files had been deleted between the dump and the copy (its manifest agreeing)."""
    with tarfile.open(backup / "attachments.tar") as original, tarfile.open(into / "attachments.tar", "w") as copy:
        for member in original.getmembers():
            if Path(member.name).name not in keys:
                copy.addfile(member, original.extractfile(member))
    manifest = json.loads((into / "manifest.json").read_text())
    manifest["files"]["attachments.tar"] = hashlib.sha256((into / "attachments.tar").read_bytes()).hexdigest()
    (into / "manifest.json").write_text(json.dumps(manifest))


def test_a_drafts_file_gone_by_the_copy_is_reported_and_a_submissions_fails_the_verification(
    source: tuple[Place, Issued], backup: Path, new_place: Callable[[], Place], tmp_path: Path
) -> None:
    _before, issued = source
    copy = tmp_path / "backup"
    shutil.copytree(backup, copy)
    without_files(backup, copy, issued.drafted_key)  # 佐藤 removed it (削除) while the backup ran
    into = new_place()
    restored = into.script("restore", copy, "--seals-dir", into.seals)
    assert restored.returncode == 0, restored.stderr
    assert "drafts' attachments: 0 present, 1 removed by their residents after the dump" in restored.stdout

    without_files(backup, copy, issued.drafted_key, issued.photo_key)  # what no backup made by the script holds
    into = new_place()
    broken = into.script("restore", copy, "--seals-dir", into.seals)
    assert broken.returncode == 1
    assert f"restored, but 1 attachments of submissions are missing or altered: {issued.photo_key}" in broken.stderr
