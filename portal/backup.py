"""A deployment's backup, and its restore into a new one (``scripts/backup``, ``scripts/restore``; docs/backup.md).

What a deployment keeps outside its release: the PostgreSQL database, the attachments' bytes (a local directory;
an S3 bucket keeps its own versions), the signing keys (``SIGNING_DIR``) and the seals administrators uploaded
(``static/seals/``). Redis holds nothing that must survive: sessions, rate-limit counters and queued tasks, which
beat's sweeps send again.

The database is dumped first and the files copied afterwards: a file is stored before the row that refers to it
commits and is never changed, so the copy holds every file the dump refers to (see docs/backup.md). The dump runs
in a snapshot exported from the transaction that counts each table's rows, so the manifest says exactly what the
dump holds; the manifest is written last, with every file's SHA-256, and a backup without one is incomplete.

A restore checks everything before it changes anything: the backup against its manifest, its schema revision
against this release's migrations, and that the target database and directories are empty. It restores the
database in one transaction, unpacks the files, and verifies what it restored against the manifest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, column, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from portal.attachments import AttachmentRef
from portal.config import ROOT, ConfigError, Settings, load_settings
from portal.storage.base import MissingObject, Storage, StorageUnavailable
from portal.storage.registry import StorageConfig, build_storage

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
SEALS_DIR = ROOT / "static" / "seals"  # where the app keeps them (its static folder): part of the release tree
PARTIAL = ".partial-"  # a local storage write in progress (portal.storage.local), never a stored file
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Why a backup or restore was refused or failed, for the operator; nothing was changed when it is refused."""


@dataclass(frozen=True)
class Deployment:
    """Where a deployment keeps what it must not lose, as its settings say."""

    database_url: str
    storage: StorageConfig
    signing_dir: Path
    seals_dir: Path

    @classmethod
    def configured(cls, settings: Settings, seals_dir: Path = SEALS_DIR) -> Deployment:
        return cls(settings.database_url, settings.attachment_storage, settings.signing_dir, seals_dir)

    @property
    def local_storage(self) -> bool:
        return self.storage.backend == "local"

    def directories(self) -> dict[str, Path]:
        """The directories backed up as archives, by archive name."""
        found = {"signing": self.signing_dir, "seals": self.seals_dir}
        return {"attachments": self.storage.directory, **found} if self.local_storage else found


# -- backing up ---------------------------------------------------------------------------------------------------


def back_up(deployment: Deployment, destination: Path) -> dict[str, Any]:
    """Write a backup into ``destination`` (new or empty); the manifest."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupError(f"{destination} is not an empty directory: each backup goes into a new one")
    url = _postgresql(deployment.database_url)
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    previous = os.umask(0o077)  # personal data and private keys: readable by the backup's owner only
    try:
        rows, revision = _dump(url, destination / DUMP)
        archives = [
            _archive(directory, destination / f"{name}.tar") for name, directory in deployment.directories().items()
        ]
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "revision": revision,
            "rows": rows,
            "attachment_storage": _storage_description(deployment.storage),
            "files": {path.name: _sha256(path) for path in [destination / DUMP, *archives]},
        }
        (destination / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    finally:
        os.umask(previous)
    return manifest


def _dump(url: URL, path: Path) -> tuple[dict[str, int], str]:
    """``pg_dump -Fc`` of one snapshot, and that snapshot's row count of every table and schema revision."""
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
                rows = _row_counts(connection)
                revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
                _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}"], url)
    except DBAPIError as error:  # unreachable, or not a portal's database
        raise BackupError(f"cannot read the database {url.database}: {error.orig}") from None
    finally:
        engine.dispose()
    return rows, str(revision)


def _archive(directory: Path, path: Path) -> Path:
    """A tar of every file under ``directory`` (none when it does not exist), modes kept (keys stay 0600)."""
    with tarfile.open(path, "w") as archive:
        for file in sorted(directory.rglob("*")) if directory.is_dir() else []:
            if file.is_file() and not file.name.startswith(PARTIAL):
                archive.add(file, arcname=str(file.relative_to(directory)), recursive=False)
    return path


def _storage_description(storage: StorageConfig) -> dict[str, str]:
    if storage.backend == "local":
        return {"backend": "local"}
    return {"backend": storage.backend, "bucket": storage.bucket, "prefix": storage.prefix}


# -- restoring ----------------------------------------------------------------------------------------------------


def restore(deployment: Deployment, source: Path) -> list[str]:
    """Restore the backup in ``source`` into the deployment's new, empty database and directories; what was done,
    a line each. Refused, with nothing changed, unless everything checks first."""
    manifest = _checked_manifest(source)
    head = _known_revision(manifest["revision"])
    url = _postgresql(deployment.database_url)
    _check_empty_database(url)
    if (manifest["attachment_storage"]["backend"] == "local") != deployment.local_storage:
        raise BackupError(
            f"the backup's attachments are in {manifest['attachment_storage']['backend']} storage, this deployment's "
            f"in {deployment.storage.backend}: set ATTACHMENT_STORAGE as the backed-up deployment had it"
        )
    new_files = _check_directories(deployment, source)

    _run(
        ["pg_restore", "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", "--dbname"],
        url,
        str(source / DUMP),
    )
    previous = os.umask(0o077)  # directories made here are the app user's alone, as the files keep their modes
    try:
        for name, directory in deployment.directories().items():
            directory.mkdir(parents=True, exist_ok=True)
            with tarfile.open(source / f"{name}.tar") as archive:
                chosen = [member for member in archive.getmembers() if member.name in new_files[name]]
                archive.extractall(directory, members=chosen, filter="data")
    finally:
        os.umask(previous)
    done = [f"restored the database {url.database}: {len(manifest['rows'])} tables"]
    done += [
        f"restored {len(new_files[name])} files into {directory}"
        for name, directory in deployment.directories().items()
    ]
    done += _verify(url, deployment, manifest, head)
    return done


def _checked_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} has no {MANIFEST}: it is not a complete backup") from None
    except (OSError, ValueError) as error:
        raise BackupError(f"{source / MANIFEST} cannot be read: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source / MANIFEST}: format {manifest.get('format')!r} is not one this release restores")
    for name, digest in manifest["files"].items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"{path} is missing from the backup")
        if _sha256(path) != digest:
            raise BackupError(f"{path} does not match the manifest (damaged, or changed since the backup)")
    return manifest


def _known_revision(revision: str) -> str:
    """This release's head, when the backup's schema revision is one of its migrations."""
    scripts = ScriptDirectory(str(ROOT / "migrations"))
    try:
        known = scripts.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"the backup's schema revision {revision} is not among this release's migrations: it comes from a newer "
            "release; restore it with that release (or a later one)"
        )
    return str(scripts.get_current_head())


def _check_empty_database(url: URL) -> None:
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.connect() as connection:
            names = connection.scalars(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
                    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY c.relname"
                )
            ).all()
    except OperationalError as error:
        raise BackupError(
            f"cannot connect to the database {url.database}: {error.orig}; create it first (createdb), empty"
        ) from None
    finally:
        engine.dispose()
    if names:
        raise BackupError(
            f"the database {url.database} is not empty: it holds {len(names)} tables and sequences "
            f"({', '.join(names[:3])}, …); restore only into a new, empty database (createdb); nothing was changed"
        )


def _check_directories(deployment: Deployment, source: Path) -> dict[str, set[str]]:
    """The files of each archive to unpack. Attachments and keys go only into an empty (or missing) directory;
    seals join the release's own, where a seal already there must be the very same file."""
    new_files = {}
    for name, directory in deployment.directories().items():
        with tarfile.open(source / f"{name}.tar") as archive:
            members = {m.name: m for m in archive.getmembers() if m.isfile()}
            if name != "seals":
                if directory.exists() and any(directory.iterdir()):
                    raise BackupError(
                        f"{directory} is not empty: restore only into an empty directory; nothing was changed"
                    )
                new_files[name] = set(members)
                continue
            new_files[name] = set()
            for member_name, member in members.items():
                present = directory / member_name
                if not present.exists():
                    new_files[name].add(member_name)
                elif present.read_bytes() != archive.extractfile(member).read():  # type: ignore[union-attr]
                    raise BackupError(f"{present} differs from the backup's seal of that name; nothing was changed")
    return new_files


def _verify(url: URL, deployment: Deployment, manifest: Mapping[str, Any], head: str) -> list[str]:
    """The restored rows as the manifest counted them, and every attachment of a submission whole. A draft's file
    may be missing: its resident removed it between the dump and the copy (the draft then shows it missing)."""
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.connect() as connection:
            rows = _row_counts(connection)
            submitted = {ref.key: ref for ref in _attachment_refs(connection, "submission")}
            drafted = {ref.key: ref for ref in _attachment_refs(connection, "draft")}
    finally:
        engine.dispose()
    if rows != manifest["rows"]:
        differ = sorted(
            name for name in rows.keys() | manifest["rows"].keys() if rows.get(name) != manifest["rows"].get(name)
        )
        raise BackupError(f"restored, but the row counts differ from the backup's in {', '.join(differ)}")
    storage = build_storage(deployment.storage)
    broken = sorted(key for key, ref in submitted.items() if not _intact(storage, ref))
    if broken:
        raise BackupError(
            f"restored, but {len(broken)} attachments of submissions are missing or altered: {', '.join(broken)}"
        )
    gone = sum(not _intact(storage, ref) for ref in drafted.values())
    schema = f"schema at revision {manifest['revision']}"
    return [
        f"verified: every table's rows as counted at the backup ({sum(rows.values())} rows)",
        f"verified: all {len(submitted)} attachments of submissions, by SHA-256",
        f"drafts' attachments: {len(drafted) - gone} present, {gone} removed by their residents after the dump",
        f"{schema}, this release's head: up to date"
        if manifest["revision"] == head
        else f"{schema}, this release's head is {head}: run `flask --app wsgi migrate` before starting",
    ]


def _attachment_refs(connection: Connection, name: str) -> Iterator[AttachmentRef]:
    """The attachment references in a table's ``answers`` (submissions') or inputs (drafts'), wherever a field keeps
    them."""
    for answers in connection.scalars(select(column("answers")).select_from(table(name))):
        yield from _refs_in(answers)


def _refs_in(value: Any) -> Iterator[AttachmentRef]:
    if isinstance(value, str) and value.startswith("{"):  # a draft keeps each reference as JSON text
        try:
            value = json.loads(value)
        except ValueError:
            return
    if isinstance(value, Mapping):
        try:
            yield AttachmentRef.from_json(value)
        except ValueError:
            for item in value.values():
                yield from _refs_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs_in(item)


def _intact(storage: Storage, ref: AttachmentRef) -> bool:
    digest = hashlib.sha256()
    try:
        stream = storage.open(ref.key)
    except (MissingObject, StorageUnavailable):
        return False
    try:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    finally:
        stream.close()
    return digest.hexdigest() == ref.sha256


# -- shared -------------------------------------------------------------------------------------------------------


def _postgresql(database_url: str) -> URL:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise BackupError(f"DATABASE_URL names {url.get_backend_name()}: backups are of PostgreSQL (production) only")
    return url


def _row_counts(connection: Connection) -> dict[str, int]:
    return {
        name: int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
        for name in sorted(inspect(connection).get_table_names())
    }


def _run(command: list[str], url: URL, *arguments: str) -> None:
    """A PostgreSQL client program against ``url``; the password goes in its environment, never on its command line."""
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environment = {**os.environ, **({"PGPASSWORD": str(url.password)} if url.password else {})}
    try:
        subprocess.run([*command, libpq, *arguments], env=environment, check=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)") from None
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed (exit {error.returncode}); see its message above") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.backup", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("create", "restore"))
    parser.add_argument("directory", type=Path, help="create: a new directory for the backup; restore: a backup")
    parser.add_argument("--seals-dir", type=Path, default=SEALS_DIR, help=f"the seal images (default {SEALS_DIR})")
    args = parser.parse_args(argv)
    try:
        deployment = Deployment.configured(load_settings(), args.seals_dir)
        if args.action == "create":
            manifest = back_up(deployment, args.directory)
            print(f"backed up {len(manifest['rows'])} tables at revision {manifest['revision']} into {args.directory}")
        else:
            for line in restore(deployment, args.directory):
                print(line)
    except (BackupError, ConfigError) as error:
        print(f"{parser.prog} {args.action}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
