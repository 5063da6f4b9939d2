"""Which storage holds attachments: a registry by name, configured and checked at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.config import ROOT, ConfigError, load_settings
from portal.storage import StorageConfig, build_storage, storage_names
from portal.storage.registry import register
from tests.unit.test_config import production_env


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    return raised.value.problems


def test_the_built_in_storages_are_registered() -> None:
    assert storage_names() == {"local", "s3"}


def test_registering_a_name_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="storage 'local' is already registered"):
        register("local")(lambda config: None)  # type: ignore[arg-type, return-value]


def test_building_an_unknown_storage_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="unknown storage 'ftp'; known storages: local, s3"):
        build_storage(StorageConfig("ftp", tmp_path))


def test_development_stores_attachments_in_the_instance_directory() -> None:
    assert load_settings({}).attachment_storage == StorageConfig("local", ROOT / "instance" / "attachments")
    assert load_settings({"MADOGUCHI_INSTANCE_DIR": "/srv/madoguchi"}).attachment_storage.directory == Path(
        "/srv/madoguchi/attachments"
    )


def test_a_local_directory_is_configurable(tmp_path: Path) -> None:
    settings = load_settings({"ATTACHMENT_DIR": str(tmp_path / "files")})
    assert settings.attachment_storage == StorageConfig("local", tmp_path / "files")


def test_s3_settings_are_read_and_the_prefix_normalised(tmp_path: Path) -> None:
    settings = load_settings(
        production_env(
            tmp_path,
            ATTACHMENT_STORAGE="s3",
            ATTACHMENT_S3_BUCKET="madoguchi-files",
            ATTACHMENT_S3_PREFIX="/prod/attachments",
            ATTACHMENT_S3_ENDPOINT_URL="https://s3.example.jp",
        )
    )
    storage = settings.attachment_storage
    assert (storage.backend, storage.bucket, storage.prefix, storage.endpoint_url) == (
        "s3",
        "madoguchi-files",
        "prod/attachments/",
        "https://s3.example.jp",
    )
    assert load_settings({"ATTACHMENT_STORAGE": "s3", "ATTACHMENT_S3_BUCKET": "b"}).attachment_storage.prefix == ""


def test_an_unknown_storage_is_refused_at_start_naming_the_variable() -> None:
    assert problems({"ATTACHMENT_STORAGE": "ftp"}) == [
        "ATTACHMENT_STORAGE: unknown storage 'ftp'; known storages: local, s3"
    ]


def test_s3_without_a_bucket_is_refused_at_start() -> None:
    assert problems({"ATTACHMENT_STORAGE": "s3"}) == ["ATTACHMENT_S3_BUCKET: required with ATTACHMENT_STORAGE=s3"]


def test_a_bad_endpoint_is_refused(tmp_path: Path) -> None:
    assert problems(
        {"ATTACHMENT_STORAGE": "s3", "ATTACHMENT_S3_BUCKET": "b", "ATTACHMENT_S3_ENDPOINT_URL": "s3.local"}
    ) == ["ATTACHMENT_S3_ENDPOINT_URL: 's3.local' is not an http(s) URL"]
    env = production_env(
        tmp_path, ATTACHMENT_STORAGE="s3", ATTACHMENT_S3_BUCKET="b", ATTACHMENT_S3_ENDPOINT_URL="http://minio:9000"
    )
    assert problems(env) == ["ATTACHMENT_S3_ENDPOINT_URL: 'http://minio:9000' must be an https URL in production"]


def test_a_directory_that_is_a_file_or_empty_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    assert problems({"ATTACHMENT_DIR": str(tmp_path / "file")}) == [
        f"ATTACHMENT_DIR: {str(tmp_path / 'file')!r} is not a directory"
    ]
    assert problems({"ATTACHMENT_DIR": ""}) == ["ATTACHMENT_DIR: '' is not a directory"]


def test_virus_scanning_is_off_unless_a_clamd_socket_is_configured() -> None:
    assert load_settings({}).clamd_address is None
    assert load_settings({"CLAMD_SOCKET": "/run/clamav/clamd.ctl"}).clamd_address == "/run/clamav/clamd.ctl"
    assert load_settings({"CLAMD_SOCKET": "clamav.internal:3310"}).clamd_address == "clamav.internal:3310"


@pytest.mark.parametrize("address", ["clamd.ctl", "clamav:", "clamav:port", ":3310", "clamav:70000"])
def test_a_clamd_socket_that_is_neither_a_path_nor_host_port_is_refused(address: str) -> None:
    assert problems({"CLAMD_SOCKET": address}) == [
        f"CLAMD_SOCKET: {address!r} is neither an absolute socket path nor host:port"
    ]
