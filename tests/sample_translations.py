"""A few texts of each language of portal.languages, standing in for the translators' catalogs: the portal offers a
language once its catalog ships. Tests of the translators' own catalogs compile those (``shipped``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Collection
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from portal.config import ROOT
from portal.languages import LANGUAGES

SAMPLE_TRANSLATIONS: dict[str, dict[str, str]] = {
    "ja_x_easy": {
        "住民票の写しの交付請求": "住民票の写しを もらう",
        "本文へスキップ": "本文へ とぶ",
        "【%(municipality)s】申請を受け付けました（受付番号 %(reference)s）": "【%(municipality)s】申請を 受け付けました（受付番号 %(reference)s）",
    },
    "zh_Hans": {"住民票の写しの交付請求": "申请住民票副本", "本文へスキップ": "跳到正文"},
    "ko": {
        "住民票の写しの交付請求": "주민표 사본 교부 청구",
        "本文へスキップ": "본문으로 건너뛰기",
        "（日本語のみ）": "(일본어만)",
        "【%(municipality)s】申請を受け付けました（受付番号 %(reference)s）": "[%(municipality)s] 신청을 접수했습니다 (접수 번호 %(reference)s)",
    },
    "vi": {"住民票の写しの交付請求": "Yêu cầu cấp bản sao phiếu cư trú", "本文へスキップ": "Chuyển đến nội dung"},
    "pt_BR": {"住民票の写しの交付請求": "Pedido de cópia do registro de residente", "本文へスキップ": "Pular para o conteúdo"},
    "fil": {"住民票の写しの交付請求": "Kahilingan ng kopya ng jūminhyō", "本文へスキップ": "Lumaktaw sa nilalaman"},
    "ne": {"住民票の写しの交付請求": "जुमिन्ह्यो प्रतिलिपि अनुरोध", "本文へスキップ": "मुख्य सामग्रीमा जानुहोस्"},
}  # fmt: skip


def build(directory: Path, catalogs: Collection[str] = tuple(SAMPLE_TRANSLATIONS)) -> Path:
    """translations/ as it is once ``catalogs`` ship (by default every language): English's catalog and a small one
    of each of those languages, compiled by scripts/translations. ``catalogs=()`` is English alone, whichever
    catalogs the repository ships."""
    assert set(catalogs) <= set(SAMPLE_TRANSLATIONS), catalogs
    shutil.copytree(ROOT / "translations" / "en", directory / "en", ignore=shutil.ignore_patterns("*.mo"))
    for language in LANGUAGES:
        if language.catalog in catalogs:
            catalog = Catalog(locale=language.formats, fuzzy=False)
            for msgid, text in SAMPLE_TRANSLATIONS[language.catalog].items():
                catalog.add(msgid, text)
            po = directory / language.catalog / "LC_MESSAGES" / "messages.po"
            po.parent.mkdir(parents=True)
            with po.open("wb") as fileobj:
                write_po(fileobj, catalog)
    return compiled(directory)


def shipped(directory: Path) -> Path:
    """translations/ as the translators left it (every catalog's messages.po), compiled afresh into
    ``directory``: what the portal speaks once scripts/setup has run, whatever .mo files lie in the worktree."""
    shutil.copytree(ROOT / "translations", directory, ignore=shutil.ignore_patterns("*.mo"), dirs_exist_ok=True)
    return compiled(directory)


def compiled(directory: Path) -> Path:
    """``directory``'s catalogs compiled by scripts/translations."""
    run = subprocess.run(
        [str(ROOT / "scripts" / "translations"), "compile"],
        env={**os.environ, "TRANSLATIONS_DIR": str(directory)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return directory
