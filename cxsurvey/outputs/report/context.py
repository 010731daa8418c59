"""What a report says besides its figures: the study summary and the methods,
in words, generated from what was actually computed (not from boilerplate)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from cxsurvey.outputs.display import export_line, format_number, window_clause
from cxsurvey.scoring.filters import describe_filters
from cxsurvey.scoring.run import ScoreResult
from cxsurvey.study.checks import score_range
from cxsurvey.study.models import Scale
from cxsurvey.tabulation.results import FiguresResult

TEST_NAMES = {
    "z": "pooled two-proportion z-test",
    "fisher": "Fisher's exact test (an expected count under 5)",
    "welch": "Welch's t-test",
    "nps-z": "z-test of NPS with SE = sqrt((p + d - (p - d)^2) / n) per group",
    "design-t": "design-based t-test of the difference of domain estimates, linearised SE "
    "on the design degrees of freedom (as R's svyttest)",
}
INTERVAL_NAMES = {
    "wilson": "Wilson on the design-based effective base, t quantile (svyciprop 'wilson')",
    "beta": "Korn-Graubard (svyciprop 'beta')",
    "logit": "logit (svyciprop 'logit')",
}
ADJUST_NAMES = {
    "none": "no adjustment",
    "bonferroni": "Bonferroni adjustment over each row's pairs",
    "bh": "Benjamini-Hochberg adjustment over each row's pairs",
}


@dataclass(frozen=True)
class ReportContext:
    title: str
    respondents: list[str]  # "260 responses read", ...
    filters: str
    scoring: list[str]  # one sentence per scale
    segments: list[str]  # one sentence per median split
    methods: list[str]
    export: str = ""  # how the export was read (layout, encoding, missing codes)

    def respondents_line(self) -> str:
        """The report's summary of who was read, with how the export was read."""
        return ", ".join([*self.respondents, *([self.export] if self.export else [])])


def report_context(result: FiguresResult, scores: ScoreResult) -> ReportContext:
    study = scores.study.study
    r = result.respondents
    respondents = [f"{r['read']} responses read", f"{r['included']} included" + window_clause(r)]
    respondents += [f"{n} scored on {name}" for name, n in r["scored"].items()]
    respondents += _screening(r.get("quality"))
    filters = describe_filters(study.source.include)
    segments = []
    for name, split in scores.segments.items():
        sizes = split.sizes()
        if split.clusters is not None:
            segments.append(_cluster_words(name, split, sizes))
            continue
        median = "none (nobody scored)" if split.median is None else f"{split.median:g}"
        segments.append(
            f"{split.label} ({name}): split at the median {split.scale} score, {median}; "
            f"a score at or above the median is {split.labels[0]}, below it {split.labels[1]} "
            f"({', '.join(f'{k}: {v}' for k, v in sizes.items())}; unscored respondents are in "
            "neither group)."
        )
    return ReportContext(
        result.study,
        respondents,
        f"Included: {filters}." if filters else "Included: every response.",
        [_scale_words(name, scale) for name, scale in study.scales.items()],
        segments,
        _methods(result, scores.responses.missing, study.source.weight),
        export_line(result.export),  # with the engine that ran (scores.export has none)
    )


def _cluster_words(name: str, split, sizes: dict[str, int]) -> str:
    info = split.clusters
    m = info.model
    how = (
        f"classified with the saved model {info.path.name} (fitted on {m.n} respondents)"
        if not info.fitted
        else f"fitted on this data ({m.n} respondents)"
    )
    chosen = ""
    if m.silhouette:
        chosen = f", k = {m.k} chosen by mean silhouette ({', '.join(f'k={k}: {format_number(v, 3)}' for k, v in m.silhouette.items())})"
    return (
        f"{split.label} ({name}): k-means clusters of {', '.join(m.variables)} "
        f"(standardised; {m.starts} seeded starts, seed {m.seed}{chosen}), {how}; tiers "
        f"ordered by mean {m.order_by}, highest first "
        f"({', '.join(f'{k}: {v}' for k, v in sizes.items())}; respondents missing a variable "
        "are in no tier)."
    )


def _screening(quality: dict | None) -> list[str]:
    """'20 screened out by quality rules (speeder: 17, straightliner: 3; ...)'."""
    if not quality:
        return []
    flagged = {k: v for k, v in quality["flagged"].items() if k != "flagged"}
    counts = ", ".join(f"{k}: {v}" for k, v in flagged.items())
    rules = "; ".join(f"{k} = {v}" for k, v in quality["rules"].items())
    return [
        f"{quality['excluded']} screened out by quality rules of {quality['screened']} checked "
        f"({quality['flagged']['flagged']} flagged; {counts}; a respondent can carry several "
        f"flags; rules: {rules})"
    ]


def _scale_words(name: str, scale: Scale) -> str:
    codes = [float(c) for c in scale.values if isinstance(c, int | float)]
    items = sum(len(v) for v in scale.groups.values())
    lo, hi = score_range(scale)
    text = (
        f"{scale.label or name}: {items} items in {len(scale.groups)} groups "
        f"({', '.join(scale.groups)}), codes {min(codes):g}-{max(codes):g}"
    )
    if scale.reverse:
        text += f", reversed for {', '.join(scale.reverse)}"
    text += (
        f"; a group score is the {scale.group_score} of its answered items; a respondent is "
        f"scored when every group has at least {format_number(100 * scale.min_answered)}% of its items answered; "
        f"the score is the {scale.total} of the group scores ({lo:g}-{hi:g})"
    )
    if scale.bands:
        bands = ", ".join(f"{b.label} from {b.from_:g}" for b in scale.bands)
        text += f"; bands: {bands}"
    return text + "."


def _methods(result: FiguresResult, missing, weight: str | None) -> list[str]:
    tests = Counter(
        row.gap.test
        for fig in result.figures
        for row in fig.rows
        if row.gap is not None and row.gap.p_value is not None
    )
    changes = Counter(
        cell.change.test
        for fig in result.figures
        for row in fig.rows
        for cell in row.cells.values()
        if cell.change is not None and cell.change.p_value is not None
    )
    trends = [
        f.id for f in result.figures if any(c.change for r in f.rows for c in r.cells.values())
    ]
    lettered = [fig.id for fig in result.figures if fig.letters]
    missing_text = ", ".join(str(m) for m in missing) or "none"
    out = [
        "Bases: respondents who answered the question; blank cells, missing codes "
        f"({missing_text}), not-applicable codes and invalid codes are excluded (invalid codes "
        "are counted in the figure's warnings). A multi-select question's base is everyone "
        "who answered it: at least one option chosen when the answer is one cell (choice "
        "text is matched to the option labels, longest first), any option column answered "
        "when each option has its own column (1, True, Yes or the label = chosen; 0, False "
        "or No = seen, not chosen; anything else is invalid).",
        "Percentages are 100 x count / base with 95% Wilson score intervals; NPS is % "
        "promoters (9-10) minus % detractors (0-6) with an adjusted-Wald interval; means are "
        "over the base.",
    ]
    if tests:
        used = "; ".join(f"{TEST_NAMES[t]} ({_rows(n)})" for t, n in sorted(tests.items()))
        out.append(
            "Gaps (first group minus second) are tested two-sided at alpha = "
            f"{result.alpha:g}: {used}. A * marks a significant gap."
        )
    if lettered:
        out.append(
            f"Banners of three or more groups ({', '.join(lettered)}): columns are lettered "
            "A, B, C...; a cell lists the letters of the columns it is significantly higher "
            f"than (pairwise tests as for gaps, {ADJUST_NAMES[result.adjust]}, alpha = "
            f"{result.alpha:g})."
        )
    if changes:
        used = "; ".join(f"{TEST_NAMES[t]} ({_cells(n)})" for t, n in sorted(changes.items()))
        out.append(
            f"Trends ({', '.join(trends)}): columns are periods in time order; each period's "
            "change from the previous one (this period minus the previous, in points) is tested "
            f"two-sided at alpha = {result.alpha:g} with the same tests as gaps: {used}. "
            "Neighbouring periods are a planned comparison, so no multiple-comparison "
            "adjustment is applied. ▲ marks a significant rise, ▼ a significant fall."
        )
    out += _design_methods(result, weight)
    out.append(
        f"Bases under {result.small_base} respondents are marked † and listed in the "
        "figure's warnings."
    )
    return out


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def _design_methods(result: FiguresResult, weight: str | None) -> list[str]:
    """The design, interval methods and whole-table tests actually used."""
    designs = {fig.design for fig in result.figures if fig.design}
    if not designs:
        return ["Weighting: none (every respondent counts once)."]
    out = [
        f"Design: {'; '.join(sorted(designs))}. Counts and bases are weighted sums; n counts "
        "respondents with a positive weight. Standard errors are Taylor-linearised (R's "
        "survey package), with design effects against simple random sampling with "
        "replacement; small bases are flagged on n and on the effective base n / deff."
    ]
    methods = Counter(
        fig.interval for fig in result.figures if fig.design and fig.interval in INTERVAL_NAMES
    )
    if methods:
        used = "; ".join(f"{INTERVAL_NAMES[m]} ({n} figures)" for m, n in sorted(methods.items()))
        out.append(
            f"Percent intervals (95%): {used}. Means and NPS: estimate +- t(design df) x SE."
        )
    tested = [fig.id for fig in result.figures if fig.table_tests]
    if tested:
        out.append(
            "Rao-Scott second-order F test of rows by banner groups (R's svychisq default) "
            f"for: {', '.join(tested)}."
        )
    return out
