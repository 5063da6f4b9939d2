"""Open data: a municipality's applications, aggregated per month, procedure and channel, for anyone to reuse.

Each record is one (month, procedure, channel): the applications made that month, the cases decided that month and
the median of their processing time in 開庁日 (portal.services.statistics, which also says what counts as a
decision). Complete months only, from the month of the municipality's first application to the month before this
one (JST): a published month never changes.

Small cells could single out a resident, so every count under :data:`THRESHOLD` (zero included) is published as
「5未満」 and the median of fewer than :data:`THRESHOLD` decisions is not published at all (null). No total is
published, not even of the two channels: a total beside one suppressed cell and one published would give the
suppressed one away (differencing), and so would a total of any two cells of which one is suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.japan import jst
from portal.messages import N_
from portal.models import CHANNEL_LABELS, Channel, Municipality, Submission
from portal.procedures import Procedures
from portal.services.statistics import Figures, gather, months_between

THRESHOLD = 5
SUPPRESSED = "5未満"


@dataclass(frozen=True)
class Column:
    name: str  # the JSON key
    title: str  # the CSV header, in the data's language (Japanese) whoever asks
    type: str  # as JSON Schema names it
    description: str  # Japanese msgid


COLUMNS = (
    Column("month", "年月", "string", N_("申請・処理の年月（日本時間。YYYY-MM）")),
    Column("municipality_code", "全国地方公共団体コード", "string", N_("6桁（検査数字を含む）")),
    Column("prefecture", "都道府県名", "string", N_("地方公共団体の都道府県")),
    Column("municipality_name", "地方公共団体名", "string", N_("申請先の地方公共団体")),
    Column("procedure", "手続きID", "string", N_("手続きを表す英数字の名前（版が変わっても同じ）")),
    Column("procedure_name", "手続き名", "string", N_("手続きの名前")),
    Column(
        "channel",
        "受付経路",
        "string",
        N_("online（オンライン申請）または counter（窓口・郵送で受け付け、職員が入力）"),
    ),
    Column("channel_name", "受付経路名", "string", N_("オンライン または 窓口")),
    Column(
        "applications",
        "申請件数",
        "integer or string",
        N_("その月に受け付けた件数。5件未満は「5未満」（0件を含む）"),
    ),
    Column(
        "decided",
        "処理件数",
        "integer or string",
        N_("その月に処理（交付・完了・却下）を終えた件数。取下げは含みません。5件未満は「5未満」（0件を含む）"),
    ),
    Column(
        "median_processing_days",
        "処理日数の中央値（開庁日）",
        "number or null",
        N_(
            "その月に処理を終えた申請の、申請日の翌日から処理した日までの開庁日数（土日・祝日・年末年始・閉庁日を"
            "除く）の中央値。処理件数が5件未満の月は公表しません（空欄・null）"
        ),
    ),
)


@dataclass(frozen=True)
class Dataset:
    municipality: Municipality
    months: tuple[date, ...]  # empty: no complete month with applications yet
    records: list[dict[str, Any]]  # by COLUMNS' names, in month, procedure and channel order


def count(value: int) -> int | str:
    """A count as published: under the threshold, only that it is."""
    return SUPPRESSED if value < THRESHOLD else value


def applications(session: Session, procedures: Procedures, municipality: Municipality) -> Dataset:
    months = published_months(session, municipality.code)
    if not months:
        return Dataset(municipality, (), [])
    figures = gather(session, procedures, municipality.code, months, backlog=False).figures
    catalog = procedures.published(session).catalog
    records = [
        _record(municipality, month, slug, catalog[slug].title if slug in catalog else slug, channel, by_month[month])
        for slug, by_month in sorted(figures.items())
        for month in months
        for channel in Channel
    ]
    records.sort(key=lambda record: (record["month"], record["procedure"]))  # stable: channels keep their order
    return Dataset(municipality, months, records)


def published_months(session: Session, code: str) -> tuple[date, ...]:
    """From the month of the first application to the last complete month (JST)."""
    first = session.scalar(select(func.min(Submission.submitted_at)).where(Submission.municipality_code == code))
    if first is None:
        return ()
    this_month = jst.today().replace(day=1)
    last = date(this_month.year - (this_month.month == 1), (this_month.month - 2) % 12 + 1, 1)
    return months_between(first.astimezone(jst.JST).date(), last)


def _record(
    municipality: Municipality, month: date, slug: str, title: str, channel: Channel, figures: Figures
) -> dict[str, Any]:
    mine = figures.of_channel(channel)
    median = mine.median_days if mine.decided >= THRESHOLD else None
    return {
        "month": f"{month:%Y-%m}",
        "municipality_code": municipality.code,
        "prefecture": municipality.prefecture,
        "municipality_name": municipality.name,
        "procedure": slug,
        "procedure_name": title,
        "channel": channel.value,
        "channel_name": CHANNEL_LABELS[channel],  # Japanese, whoever asks: the data's language
        "applications": count(mine.submitted),
        "decided": count(mine.decided),
        "median_processing_days": median,
    }
