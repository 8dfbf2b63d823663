"""The dashboard's charts drawn from its figures (console/charts/): each one names itself in
the page's language and sits next to the table of the same numbers."""

from __future__ import annotations

from markupsafe import Markup

from shirube.console.charts import (
    Bar,
    BarGroup,
    HeatCell,
    Series,
    funnel_bars,
    heatmap,
    histogram,
    line_chart,
)
from shirube.console.dashboard_data import Dashboard
from shirube.services.kpi_model import SurveyResult


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %"


def _pct1(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f} %"


def build_charts(board: Dashboard, t: dict[str, str]) -> dict[str, Markup]:
    none = t["none"]
    charts: dict[str, Markup] = {}
    cohorts = board.cohorts
    charts["trend"] = line_chart(
        "chart-trend",
        t["sec_trend"],
        t["desc_trend"],
        [r.week_start.isoformat() for r in cohorts],
        [
            Series(
                t["completion_rate"],
                [
                    (r.completed_by_week[-1] if r.completed_by_week else 0) / r.users
                    if r.users
                    else None
                    for r in cohorts
                ],
            )
        ],
        y_format=_pct,
        y_max=1.0,
        empty_text=none,
    )
    weeks = max((len(r.completed_by_week) for r in cohorts), default=0)
    charts["cohorts"] = heatmap(
        "chart-cohorts",
        t["sec_cohorts"],
        t["desc_cohorts"],
        [f"{r.week_start.isoformat()} ({r.users})" for r in cohorts],
        [t["week_n"].format(n=n) for n in range(weeks)],
        [
            [
                HeatCell(
                    done / r.users if r.users else None,
                    _pct(done / r.users) if r.users else "—",
                    f"{r.week_start.isoformat()} · {t['week_n'].format(n=n)}: "
                    f"{done} / {r.users} ({_pct1(done / r.users if r.users else None)})",
                )
                for n, done in enumerate(r.completed_by_week)
            ]
            for r in cohorts
        ],
        empty_text=none,
    )
    if board.objective is not None and board.objective.kind == "tour":
        charts["steps"] = funnel_bars(
            "chart-steps",
            t["sec_steps_tour"],
            t["desc_steps_tour"],
            [
                BarGroup(
                    f.title or f.step_id,
                    [
                        Bar(n, f"{n:,}")
                        for n in (f.shown, f.advanced, f.dismissed, f.target_missing)
                    ],
                )
                for f in board.funnel
            ],
            [t["shown"], t["advanced"], t["dismissed"], t["target_missing"]],
            empty_text=none,
        )
    else:
        charts["steps"] = funnel_bars(
            "chart-steps",
            t["sec_steps_items"],
            t["desc_steps_items"],
            [BarGroup(i.title or i.item_id, [Bar(i.rate, _pct1(i.rate))]) for i in board.items],
            [t["completion_rate"]],
            x_max=1.0,
            empty_text=none,
        )
    charts["activity"] = line_chart(
        "chart-activity",
        t["sec_activity"],
        t["desc_activity"],
        [p.start.isoformat() for p in board.activity],
        [
            Series(t["active_users"], [float(p.active_users) for p in board.activity]),
            Series(t["known_users"], [float(p.known_users) for p in board.activity]),
        ],
        y_format=lambda v: f"{v:,.0f}",
        empty_text=none,
    )
    charts["features"] = funnel_bars(
        "chart-features",
        t["sec_features"],
        t["desc_features"],
        [
            BarGroup(f.event, [Bar(rate, _pct1(rate))])
            for f in board.features
            for rate in [f.users / f.of_users if f.of_users else None]
        ],
        [t["usage_rate"]],
        x_max=1.0,
        empty_text=none,
    )
    for index, survey in enumerate(board.surveys):
        charts[f"survey-{index}"] = survey_chart(index, survey, t)
    return charts


def survey_chart(index: int, survey: SurveyResult, t: dict[str, str]) -> Markup:
    return histogram(
        f"chart-survey-{index}",
        f"{t['sec_surveys']}: {survey.title or survey.checklist}",
        t["desc_survey"],
        [(str(rating), survey.distribution.get(rating, 0)) for rating in range(1, 6)],
        empty_text=t["none"],
    )
