"""統計: the administrators' figures of their municipality's cases over a 年度 (portal.services.statistics), per
procedure and month: a chart of each kind beside the table of its numbers, and the same numbers as CSV.

Registered on the admin blueprint, so administrators see their own municipality and operators any (aggregates
only: no case, no person).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.database import db
from portal.japan import jst, wareki
from portal.messages import N_
from portal.models import CHANNEL_LABELS, AuditAction, Channel, Municipality, Submission
from portal.services import audit, tenancy
from portal.services.statistics import Figures, Statistics, fiscal_year, fiscal_year_of, gather
from portal.web import csvfile
from portal.web.access import staff_actor
from portal.web.admin.charts import Chart, Series, bars, lines
from portal.web.admin.views import _managed, bp
from portal.web.current import current_procedures, current_published

CHANNELS = tuple(CHANNEL_LABELS.items())


def _japanese() -> bool:
    return str(get_locale() or "ja") == "ja"


def fiscal_year_label(year: int) -> str:
    """令和8年度（2026年度）, or FY2026."""
    if not _japanese():
        return _("%(year)d年度", year=year)
    era, number = wareki.era_year(date(year, 4, 1))
    return f"{wareki.format_year(era, number)}度（{year}年度）"


def month_label(month: date) -> str:
    """令和8年4月, or the locale's month and year."""
    if not _japanese():
        return format_date(month, "MMMM y")
    era, number = wareki.era_year(month)
    return f"{wareki.format_year(era, number)}{month.month}月"


def _days(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0.#")


def _share(figures: Figures, count: int) -> str:
    rate = figures.rate(count)
    return "—" if rate is None else format_percent(rate, format="#,##0.#%")


@dataclass(frozen=True)
class ProcedureFigures:
    slug: str
    title: str
    processing_days: int | None  # 標準処理期間 on the municipality's terms; None: no longer in the catalog
    months: list[tuple[date, Figures]]
    charts: list[Chart]


def _years(municipality: Municipality) -> list[int]:
    """The 年度 with cases, from the first to the current one (the current one even without cases)."""
    first = db.session.scalar(
        select(func.min(Submission.submitted_at)).where(Submission.municipality_code == municipality.code)
    )
    current = fiscal_year_of(jst.today())
    start = fiscal_year_of(first.astimezone(jst.JST).date()) if first else current
    return list(range(current, min(start, current) - 1, -1))


def _chosen_year(years: list[int]) -> tuple[int, str | None]:
    """The 年度 the query string asks for, or the current one with why the one asked for cannot be shown."""
    asked = request.args.get("year", "")
    if not asked:
        return years[0], None
    if asked.isdigit() and len(asked) == 4 and int(asked) in years:
        return int(asked), None
    return years[0], _(
        "その年度の統計はありません。%(first)s から %(last)s の間で選んでください。",
        first=fiscal_year_label(years[-1]),
        last=fiscal_year_label(years[0]),
    )


def _procedure_figures(municipality: Municipality, figures: Statistics) -> list[ProcedureFigures]:
    """Every procedure offered now or with figures in the year, in the catalog's order (then by slug)."""
    published = current_published(db.session)
    offered = {offer.slug for offer in municipality.procedures if offer.enabled}
    slugs = [slug for slug in published.catalog if slug in offered or slug in figures.figures]
    slugs += sorted(slug for slug in figures.figures if slug not in published.catalog)
    rows = []
    for slug in slugs:
        definition = published.definition(slug)
        terms = tenancy.on_terms_of(municipality, definition) if definition else None
        by_month = figures.figures.get(slug) or {month: Figures() for month in figures.months}
        months = [(month, by_month[month]) for month in figures.months]
        title = _(definition.title) if definition else slug
        standard = terms.processing_days if terms else None
        rows.append(ProcedureFigures(slug, title, standard, months, _charts(title, months, standard)))
    return rows


def _charts(title: str, months: list[tuple[date, Figures]], standard: int | None) -> list[Chart]:
    labels = [f"{month.month}月" if _japanese() else format_date(month, "MMM") for month, _figures in months]
    no_data = _("データなし")
    applications = bars(
        _("%(title)s：月別の申請件数", title=title),
        _("受付経路（オンライン・窓口）ごとの申請件数を月別に積み上げた棒グラフです。数値は隣の表にあります。"),
        labels,
        [Series(_(label), [f.applications[channel] for _m, f in months]) for channel, label in CHANNELS],
        no_data,
    )
    days = [
        Series(_("中央値"), [f.median_days for _m, f in months]),
        Series(_("90パーセンタイル"), [f.p90_days for _m, f in months]),
    ]
    if standard is not None:
        days.append(Series(_("標準処理期間"), [standard] * len(months)))
    processing = lines(
        _("%(title)s：処理日数（開庁日）", title=title),
        _(
            "その月に処理を終えた申請の、申請日から処理までの開庁日数の中央値と90パーセンタイルを、標準処理期間と比べた折れ線グラフです。数値は隣の表にあります。"
        ),
        labels,
        days,
        no_data,
    )
    backlog = bars(
        _("%(title)s：月末の未処理件数", title=title),
        _("各月の末日に処理が終わっていない申請の件数の棒グラフです。数値は隣の表にあります。"),
        labels,
        [Series(_("未処理"), [f.backlog for _m, f in months])],
        no_data,
    )
    return [applications, processing, backlog]


@bp.get("/municipalities/<code>/statistics")
def statistics(code: str) -> str:
    municipality = _managed(code)
    years = _years(municipality)
    year, error = _chosen_year(years)
    figures = gather(db.session, current_procedures(), code, fiscal_year(year))
    return render_template(
        "admin/statistics.html",
        year=year,
        years=[(y, fiscal_year_label(y)) for y in years],
        year_label=fiscal_year_label(year),
        error=error,
        procedures=_procedure_figures(municipality, figures),
        month_label=month_label,
        days=_days,
        share=_share,
        channels=CHANNELS,
        csv_url=url_for(".statistics_csv", code=code, year=year),
    )


CSV_COLUMNS = (
    N_("年度"),
    N_("年月"),
    N_("手続き"),
    N_("申請件数（オンライン）"),
    N_("申請件数（窓口）"),
    N_("申請件数（計）"),
    N_("処理件数"),
    N_("処理日数の中央値（開庁日）"),
    N_("処理日数の90パーセンタイル（開庁日）"),
    N_("標準処理期間（開庁日）"),
    N_("期限内の処理件数"),
    N_("差戻しのあった処理件数"),
    N_("差戻し率"),
    N_("却下件数"),
    N_("却下率"),
    N_("取下げ件数"),
    N_("月末の未処理件数"),
)


@bp.get("/municipalities/<code>/statistics.csv")
def statistics_csv(code: str) -> Any:
    """The page's numbers, one line per procedure and month (ISO months, rates as fractions), for a spreadsheet."""
    municipality = _managed(code)
    years = _years(municipality)
    year, error = _chosen_year(years)
    if error is not None:
        abort(400, description=error)
    rows = _procedure_figures(municipality, gather(db.session, current_procedures(), code, fiscal_year(year)))
    # Aggregates only, but an export all the same: who took which 年度's figures out is on the audit log.
    who = audit.Accessor.staff(staff_actor())
    audit.record(db.session, who, AuditAction.STATISTICS_EXPORTED, f"statistics:{code}", None, {"year": year}, code)
    response = current_app.response_class(_csv(year, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="statistics-{code}-{year}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _csv(year: int, rows: list[ProcedureFigures]) -> Iterator[str]:
    yield csvfile.BOM + csvfile.line(_(column) for column in CSV_COLUMNS)
    for row in rows:
        for month, f in row.months:
            yield csvfile.line(
                [
                    year,
                    f"{month:%Y-%m}",
                    row.title,
                    f.applications[Channel.ONLINE],
                    f.applications[Channel.COUNTER],
                    f.submitted,
                    f.decided,
                    f.median_days,
                    f.p90_days,
                    row.processing_days,
                    f.in_time,
                    f.returned,
                    _fraction(f.rate(f.returned)),
                    f.rejected,
                    _fraction(f.rate(f.rejected)),
                    f.withdrawn,
                    f.backlog,
                ]
            )


def _fraction(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)
