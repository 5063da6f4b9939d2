"""The certificate URL fetcher serves static files and refuses everything else."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from portal.certificates import RefusedURLError, StaticFileFetcher


@pytest.fixture
def static(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "certificates").mkdir(parents=True)
    (root / "certificates" / "certificate.css").write_text("body { color: black }")
    (root / "seals").mkdir()
    (root / "seals" / "999997.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("not for certificates")
    return root


def test_serves_a_file_inside_static(static: Path) -> None:
    fetcher = StaticFileFetcher(static)

    response = fetcher.fetch((static / "certificates" / "certificate.css").as_uri())

    assert response.read() == b"body { color: black }"
    assert response.content_type == "text/css"
    assert response.url == (static / "certificates" / "certificate.css").resolve().as_uri()


def test_svg_is_served_as_svg(static: Path) -> None:
    response = StaticFileFetcher(static).fetch((static / "seals" / "999997.svg").as_uri())

    assert response.content_type == "image/svg+xml"


def test_a_symlink_inside_static_to_a_static_file_is_served(static: Path) -> None:
    (static / "seals" / "current.svg").symlink_to(static / "seals" / "999997.svg")

    response = StaticFileFetcher(static).fetch((static / "seals" / "current.svg").as_uri())

    assert response.read().startswith(b"<svg")


def _refused(static: Path, url: str, reason: str) -> None:
    with pytest.raises(RefusedURLError, match=reason):
        StaticFileFetcher(static).fetch(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/seal.svg",
        "data:image/svg+xml,<svg/>",
        "ftp://example.com/x",
    ],
)
def test_refuses_other_schemes(static: Path, url: str) -> None:
    _refused(static, url, "only files of the static directory")


def test_refuses_a_file_url_on_another_host(static: Path) -> None:
    _refused(static, "file://fileserver/etc/passwd", "only files of the static directory")


def test_refuses_etc_passwd(static: Path) -> None:
    _refused(static, "file:///etc/passwd", "outside the static directory")


@pytest.mark.parametrize("escape", ["seals/../../secret.txt", "seals/%2e%2e/%2e%2e/secret.txt"])
def test_refuses_dot_dot_escapes(static: Path, escape: str) -> None:
    _refused(static, static.as_uri() + "/" + escape, "outside the static directory")


def test_refuses_a_symlink_pointing_outside(static: Path) -> None:
    (static / "seals" / "leak.svg").symlink_to(static.parent / "secret.txt")

    _refused(static, (static / "seals" / "leak.svg").as_uri(), "outside the static directory")


def test_refuses_a_sibling_directory_sharing_the_prefix(static: Path) -> None:
    sibling = static.parent / "static-private"
    sibling.mkdir()
    (sibling / "key.pem").write_text("secret")

    _refused(static, (sibling / "key.pem").as_uri(), "outside the static directory")


def test_refuses_directories_and_missing_files(static: Path) -> None:
    _refused(static, (static / "seals").as_uri(), "no such file")
    _refused(static, (static / "seals" / "000000.svg").as_uri(), "no such file")


def test_refuses_a_nul_byte(static: Path) -> None:
    _refused(static, static.as_uri() + "/seals/999997.svg%00.png", "null")


def test_a_refusal_is_logged_as_a_warning(static: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="portal.certificates.fetcher"), pytest.raises(RefusedURLError):
        StaticFileFetcher(static).fetch("file:///etc/passwd")

    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "file:///etc/passwd" in caplog.records[0].getMessage()


def test_a_missing_static_directory_is_an_error_at_construction(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        StaticFileFetcher(tmp_path / "nowhere")
