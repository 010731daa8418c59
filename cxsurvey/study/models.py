"""The study file as typed, frozen models (pydantic, ``extra="forbid"``).

Key names follow ``study-format.md``; the keys cxsurvey adds (``source.encoding``,
``scale.label``, ``question.delimiter``...) all have defaults and are documented
in ``docs/study-format-extensions.md``. Structural rules live here; rules that
relate one part of the file to another live in ``checks.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)


def _yaml_bool(value: bool, what: str) -> ValueError:
    words = "yes, on or true" if value else "no, off or false"
    example = "Yes" if value else "No"
    return ValueError(
        f'YAML read this {what} as {value!r} (an unquoted {words}); quote it, e.g. "{example}"'
    )


def _code(value: Any) -> Any:
    # YAML 1.1 reads unquoted Yes/No/On/Off/True/False as booleans, never a code.
    if isinstance(value, bool):
        raise _yaml_bool(value, "code")
    return value


Code = Annotated[StrictInt | StrictFloat | StrictStr, BeforeValidator(_code)]
"""An answer code as the export writes it: a number (1, 1.0) or a text code."""


def _label(value: Any) -> Any:
    # YAML reads `1: Yes` as True; a label must be text, so ask for quotes.
    if isinstance(value, bool):
        raise _yaml_bool(value, "label")
    if isinstance(value, int | float):
        return str(value)
    return value


Label = Annotated[StrictStr, BeforeValidator(_label)]
Name = Annotated[StrictStr, Field(min_length=1)]


class Model(BaseModel):
    # Each field's docstring is its description in the JSON Schema (editors show it).
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )


class Filter(Model):
    """A row filter: exactly one of ``in``, ``not_in``, or ``min``/``max``."""

    column: Name
    """Export column the filter tests."""
    in_: list[Code] | None = Field(None, alias="in", min_length=1)
    """Keep rows whose cell is one of these codes (blank and missing cells fail)."""
    not_in: list[Code] | None = Field(None, min_length=1)
    """Keep rows whose cell is none of these codes (blank and missing cells pass)."""
    min: StrictInt | StrictFloat | None = None
    """Keep rows whose cell is a number at or above this."""
    max: StrictInt | StrictFloat | None = None
    """Keep rows whose cell is a number at or below this."""

    @model_validator(mode="after")
    def _one_kind(self) -> Filter:
        kinds = [
            self.in_ is not None,
            self.not_in is not None,
            self.min is not None or self.max is not None,
        ]
        if sum(kinds) != 1:
            raise ValueError("a filter needs exactly one of `in`, `not_in`, or `min`/`max`")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"`min` ({self.min}) is greater than `max` ({self.max})")
        return self


class Source(Model):
    """How to read and filter the export."""

    format: Literal["auto", "qualtrics", "csv", "tsv", "sav", "parquet"] = "auto"
    """Layout of the export; `auto` recognises it from the file."""
    id: Name | None = None
    """Respondent id column (default: ResponseId when present, else the row number)."""
    include: list[Filter] = []
    """Row filters that must all hold for a respondent to be included."""
    missing: list[Code] = []
    """Codes meaning "not answered" in every column (a blank cell always is)."""
    weight: Name | None = None
    """Column of respondent weights (unweighted when absent)."""
    encoding: Name = "auto"
    """Text encoding when the file has no BOM, e.g. cp1252 (`auto`: UTF-8/UTF-16)."""
    qualtrics_missing: list[Code] = [-99]
    """Codes missing in Qualtrics layouts and .sav on top of `missing` (-99: seen, not answered)."""
    cluster: Name | None = None  # extension: PSU column (e.g. customer id), design-based SEs
    """Column of the primary sampling unit (PSU): design-based standard errors and tests."""
    strata: Name | None = None  # extension: stratum column, design-based SEs
    """Column of the sampling stratum: design-based standard errors and tests."""
    date: Name | None = None  # extension: the date --since/--until filter on
    """Date question (key under questions) that --since/--until filter on (default: the only one)."""


class Band(Model):
    """A band of a scale's total: from `from` up to the next band's `from`."""

    label: Label
    """Name of the band, e.g. Embed."""
    from_: StrictInt | StrictFloat = Field(alias="from")
    """Lowest total in the band (inclusive)."""


class Scale(Model):
    """A multi-item assessment scored into group scores, a total and a band."""

    label: StrictStr | None = None
    """Human name of the scale, shown in summaries (default: its key)."""
    values: dict[Code, Label] = Field(min_length=2)
    """Allowed codes and their labels, {1: Never, ...}; labels score choice-text exports."""
    groups: dict[Name, Annotated[list[Name], Field(min_length=1)]] = Field(min_length=1)
    """Group name -> list of item columns."""
    group_score: Literal["mean", "sum"] = "mean"
    """A group's score: mean or sum of its answered items."""
    total: Literal["sum", "mean"] = "sum"
    """The total: sum or mean of the group scores."""
    min_answered: Annotated[float, Field(ge=0, le=1)] = 0.5
    """Share (0..1) of each group's items that must be answered, else the scale is unscored."""
    reverse: list[Name] = []
    """Items scored as max + min - x."""
    bands: list[Band] = []
    """Ordered bands of the total; a total falls in the last band whose `from` <= it."""

    @property
    def items(self) -> list[str]:
        return [item for items in self.groups.values() for item in items]


class KRange(Model):
    """A range of cluster counts to choose from by silhouette."""

    min: Annotated[StrictInt, Field(ge=2)]
    """Fewest tiers tried."""
    max: Annotated[StrictInt, Field(ge=2, le=20)]
    """Most tiers tried (at most 20)."""

    @model_validator(mode="after")
    def _ordered(self) -> KRange:
        if self.min > self.max:
            raise ValueError(f"`min` ({self.min}) is greater than `max` ({self.max})")
        return self


class Segment(Model):
    """A median split (the spec's), or cluster tiers (``kind: clusters``, docs/clusters.md)."""

    label: StrictStr | None = None
    """Human name of the segment (default: its key)."""
    kind: Literal["median_split", "clusters"] = "median_split"
    """median_split (the spec's segment) or clusters (k-means tiers)."""
    median_split: Name | None = None
    """The scale whose total is split at its median (kind: median_split)."""
    high: Label | None = None
    """Label of the group at or above the median, e.g. CX leaders."""
    low: Label | None = None
    """Label of the group below the median, e.g. CX laggards."""
    split: Literal["unweighted", "weighted"] = "unweighted"  # extension: weighted median
    """unweighted (the spec's ordinary median) or weighted (the weighted median)."""
    # extension, kind: clusters
    variables: list[Name] | None = Field(None, min_length=1)
    """What is clustered: scale scores S, S.<group>, S.groups, numeric questions."""
    k: Annotated[StrictInt, Field(ge=2, le=20)] | KRange = 3
    """Number of tiers (2..20), or {min, max}: the k with the best mean silhouette."""
    order_by: Name | None = None
    """A scale score or clustering variable: tier 1 has its highest mean (default: first variable)."""
    labels: list[Label] | None = Field(None, min_length=2)
    """Tier labels in tier order; as many as a fixed k (default: Tier 1, Tier 2, ...)."""
    model: Name | None = None
    """JSON file of the fitted model, relative to the study file (default: fitted every run)."""
    seed: StrictInt = 1
    """Random seed of the k-means starts and the silhouette sample."""
    starts: Annotated[StrictInt, Field(ge=1, le=1000)] = 10
    """k-means runs from seeded starts; the lowest inertia is kept."""

    @model_validator(mode="after")
    def _kind_keys(self) -> Segment:
        if self.kind == "median_split":
            missing = [k for k in ("median_split", "high", "low") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"a median split needs {', '.join(f'`{k}`' for k in missing)}")
            return self
        if self.variables is None:
            raise ValueError("a clusters segment needs `variables`")
        if self.median_split is not None or self.high is not None or self.low is not None:
            raise ValueError("`median_split`, `high` and `low` do not apply to `kind: clusters`")
        if self.labels is not None:
            if not isinstance(self.k, int):
                raise ValueError("`labels` needs a fixed `k`; with a range the tiers are numbered")
            if len(self.labels) != self.k:
                raise ValueError(f"`labels` has {len(self.labels)} labels for k = {self.k}")
            if len(set(self.labels)) != len(self.labels):
                raise ValueError("`labels` repeats a label")
        return self


class Weighting(Model):
    """Extension: rim weighting (raking) to target margins; see docs/weighting.md."""

    targets: dict[
        Name, Annotated[dict[Code, Annotated[float, Field(ge=0)]], Field(min_length=1)]
    ] = Field(min_length=1)
    """Variable (single question, S.band or segment) -> {category: target percent or share}."""
    tolerance: Annotated[float, Field(gt=0)] = 1e-6
    """Largest margin error accepted at convergence."""
    max_iterations: Annotated[int, Field(ge=1)] = 100
    """Raking passes before giving up."""
    cap: Annotated[float, Field(gt=1)] | None = None  # max weight / mean weight
    """Largest weight as a multiple of the mean weight (trimmed); none: no cap."""
    column: Name = "weight"  # the weight column `score` writes
    """Name of the weight column `score` writes."""


class _Question(Model):
    text: StrictStr | None = None
    """The question as asked (default: the export's question-text row or .sav label)."""


def _options_by_label(value: Any) -> Any:
    """``options: [Yes, No]`` (a choice-text export) is ``{Yes: Yes, No: No}``:
    each label is its own code."""
    if not isinstance(value, list):
        return value
    out: dict[Any, Any] = {}
    for item in value:
        if isinstance(item, bool):
            raise _yaml_bool(item, "label")
        label = str(item) if isinstance(item, int | float) else item
        if label in out:
            raise ValueError(f"label {label!r} is listed twice")
        out[label] = label
    return out


_OptionMap = Annotated[dict[Code, Label], Field(min_length=1)]
Options = Annotated[
    _OptionMap,
    BeforeValidator(
        _options_by_label,
        json_schema_input_type=_OptionMap | Annotated[list[Label], Field(min_length=1)],
    ),
]


class _Coded(_Question):
    options: Options = {}
    """{code: label}, or a list of labels for a choice-text export; omitted: the .sav's value labels."""
    nets: dict[Label, Annotated[list[Code], Field(min_length=1)]] = {}
    """Net label -> codes it combines, e.g. {Top 2: [4, 5]}."""
    not_applicable: list[Code] = []
    """Codes answered but left out of the base, e.g. [6] for "Not applicable"."""


class Single(_Coded):
    """One answer from a list of options."""

    type: Literal["single"]
    """Question type."""
    column: Name
    """Export column holding the answer."""


class Multi(_Coded):
    """Any set of options: one delimited cell (`column`) or a column per option (`columns`)."""

    type: Literal["multi"]
    """Question type."""
    column: Name | None = None
    """One cell holding the selected codes or labels joined by `delimiter`."""
    columns: dict[Code, Name] | None = Field(None, min_length=1)
    """Option code -> its column (1/0, True/False, Yes/No or the label when selected)."""
    delimiter: Annotated[StrictStr, Field(min_length=1)] = ","
    """Separator of the selections in a one-cell answer."""

    @model_validator(mode="after")
    def _one_layout(self) -> Multi:
        if (self.column is None) == (self.columns is None):
            raise ValueError("a multi question needs exactly one of `column` or `columns`")
        return self


def _columns_by_name(value: Any) -> Any:
    """``columns: [Q7_1, Q7_2]``: the items are labelled from the export's
    question-text row (``{Q7_1: Q7_1, ...}`` until then)."""
    if not isinstance(value, list):
        return value
    if not all(isinstance(v, str) for v in value):
        return value  # let the mapping type report it
    if len(set(value)) != len(value):
        raise ValueError("a column is listed twice")
    return {v: v for v in value}


_GridColumns = Annotated[dict[Label, Name], Field(min_length=1)]


class Grid(_Coded):
    """Items rated on shared options, one column per item."""

    type: Literal["grid"]
    """Question type."""
    columns: Annotated[
        _GridColumns,
        BeforeValidator(
            _columns_by_name,
            json_schema_input_type=_GridColumns | Annotated[list[Name], Field(min_length=1)],
        ),
    ]
    """Item label -> column, or a list of columns labelled from the export's question text."""


class Bin(Model):
    """A labelled range of a numeric answer (inclusive ends; either may be open)."""

    label: Label
    """Row label of the bin, e.g. Within 24 hours."""
    min: StrictInt | StrictFloat | None = None
    """Lowest value in the bin (inclusive; open when absent)."""
    max: StrictInt | StrictFloat | None = None
    """Highest value in the bin (inclusive; open when absent)."""

    @model_validator(mode="after")
    def _bounded(self) -> Bin:
        if self.min is None and self.max is None:
            raise ValueError("a bin needs `min`, `max` or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"a bin's min ({self.min}) is above its max ({self.max})")
        return self


class Numeric(_Question):
    """A number, averaged (or counted in `bins`)."""

    type: Literal["numeric"]
    """Question type."""
    column: Name
    """Export column holding the number."""
    range: tuple[StrictInt | StrictFloat, StrictInt | StrictFloat] | None = None
    """[min, max] of valid answers; values outside are invalid and warned."""
    bins: list[Bin] = []
    """Labelled ranges counted as percent rows, e.g. [{label: Within a day, max: 24}]."""


class Date(_Question):
    """Extension: a date or date-time answer, for trend banners (``by`` + ``period``)."""

    type: Literal["date"]
    """Question type."""
    column: Name
    """Export column holding the date or date-time."""
    format: StrictStr | None = None
    """strptime format, e.g. %d.%m.%Y (default: ISO 8601 or M/D/YYYY [H:MM[:SS]])."""
    timezone: StrictStr = "UTC"
    """IANA zone of values without an offset, and of period boundaries."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as UTC or Europe/Berlin"
            ) from None
        return value


class Nps(_Question):
    """Likelihood to recommend, 0..10: promoters 9-10, passives 7-8, detractors 0-6."""

    type: Literal["nps"]
    """Question type."""
    column: Name
    """Export column holding 0..10."""


class Text(_Question):
    """Extension: free text, read and checked but not tabulated."""

    type: Literal["text"]
    """Question type."""
    column: Name
    """Export column holding the text."""


Question = Annotated[
    Single | Multi | Grid | Numeric | Nps | Date | Text, Field(discriminator="type")
]
QUESTION_TYPES = ("single", "multi", "grid", "numeric", "nps", "date", "text")


Interval = Literal["wilson", "beta", "logit"]


class Figure(Model):
    """A cross-tab: a question's rows by a banner's columns."""

    id: Name
    """Unique name of the figure."""
    title: StrictStr | None = None
    """Caption (default: the question's wording, else the question's name)."""
    kind: Literal["table", "drivers"] = "table"
    """table (a cross-tab) or drivers (key drivers, docs/drivers.md)."""
    question: Name | None = None  # required for tables (checked in checks.py)
    """A question, or a scale variable: S, S.<group>, S.groups, S.band (tables: required)."""
    by: Name | None = None
    """Banner: a segment, a single or date question, or S.band (default: Total only)."""
    show: Label = "options"
    """options, nets, both, or the label of one option or net."""
    stat: Literal["percent", "mean", "nps"] | None = None
    """percent, mean or nps (default by type: percent; mean for numbers and scales; nps)."""
    filter: list[Filter] = []
    """Extra row filters for this figure's base."""
    sort: Literal["desc", "none"] = "none"
    """desc: rows by the Total column, largest first; none: as declared."""
    period: Literal["week", "month", "quarter"] | None = None
    """With `by` a date question: week, month (default) or quarter columns."""
    # extension, `kind: drivers` only (docs/drivers.md)
    outcome: Name | None = None
    """Drivers: what is driven, a scale score or a numeric, nps or single question."""
    outcome_is: Label | None = None
    """Drivers: an option, net or bin label that makes the outcome yes/no."""
    predictors: list[Name] | None = Field(None, min_length=1)
    """Drivers: scale scores, grids (every item), single, numeric or nps questions; at most 15."""
    bootstrap: Annotated[StrictInt, Field(ge=0, le=100_000)] = 1000
    """Drivers: bootstrap replicates for the intervals (0..100000)."""
    seed: StrictInt = 1
    """Drivers: seed of the bootstrap (same seed, same intervals)."""
    interval: Interval | None = None  # extension: percent intervals under a design
    """Percent intervals under a design: beta, logit or wilson (default: the study's)."""
    test: Literal["rao-scott"] | None = None  # extension: whole-table test of the banner
    """rao-scott: a whole-table Rao-Scott F test of the rows by the banner."""


class Speeders(Model):
    """Extension (docs/quality.md): duration under ``fraction`` x the median."""

    column: Name = "Duration (in seconds)"
    """The duration column."""
    fraction: Annotated[float, Field(gt=0, lt=1)] = 0.5
    """A duration under fraction x the median duration is a speeder."""


class Straightliners(Model):
    """Extension: the same answer to every item of a grid or scale (zero variance)."""

    questions: list[Name] = Field(min_length=1)  # grid questions or scales
    """Grid questions and/or scales whose items are checked."""
    min_items: Annotated[StrictInt, Field(ge=2)] = 5
    """At least this many answered items of one grid or scale, all the same code."""


class Duplicates(Model):
    """Extension: Qualtrics RelevantID duplicates, and repeated respondent ids."""

    column: Name | None = "Q_RelevantIDDuplicate"
    """A column true for duplicates (true, 1 or yes); null: ids only."""
    same_id: bool = True
    """A respondent id seen on an earlier row is a duplicate."""


class Bots(Model):
    """Extension: Qualtrics reCAPTCHA score under ``below``."""

    column: Name = "Q_RecaptchaScore"
    """The bot score column."""
    below: Annotated[float, Field(gt=0, le=1)] = 0.5
    """A score under this is a bot."""


class Quality(Model):
    """Extension: response-quality screening; each rule runs when present."""

    speeders: Speeders | None = None
    """Flag respondents much faster than the median."""
    straightliners: Straightliners | None = None
    """Flag respondents giving one answer to every item of a grid or scale."""
    duplicates: Duplicates | None = None
    """Flag duplicate responses."""
    bots: Bots | None = None
    """Flag likely bots by reCAPTCHA score."""

    def columns(self, study: Study) -> list[tuple[str, str]]:
        """(export column, rule) for every column the rules read."""
        out = []
        if self.speeders:
            out.append((self.speeders.column, "speeders"))
        if self.straightliners:
            for name in self.straightliners.questions:
                q = study.questions.get(name)
                items = list(q.columns.values()) if isinstance(q, Grid) else []
                if name in study.scales:
                    items = study.scales[name].items
                out += [(c, "straightliners") for c in items]
        if self.duplicates and self.duplicates.column:
            out.append((self.duplicates.column, "duplicates"))
        if self.bots:
            out.append((self.bots.column, "bots"))
        return out


QUALITY_PREFIX = "quality."
"""Filters on ``quality.<flag>`` read the screening flags, not export columns."""


HexColour = Annotated[
    StrictStr,
    Field(pattern=r"^#[0-9A-Fa-f]{6}$", description="a colour as #RRGGBB, e.g. '#0072B2'"),
]


class Study(Model):
    """A cxsurvey study file (version 1): how to read, score, segment and tabulate an export."""

    version: Literal[1]
    """Format version: 1."""
    study: Name
    """Title of the study, shown in outputs."""
    source: Source = Source()
    """How to read and filter the export."""
    scales: dict[Name, Scale] = {}
    """Multi-item assessments, by name."""
    segments: dict[Name, Segment] = {}
    """Respondent groupings (median splits), by name."""
    questions: dict[Name, Question] = {}
    """Typed questions of the export, by name."""
    figures: list[Figure] = []
    """The cross-tabs to produce, in order."""
    quality: Quality | None = None
    """Response-quality screening (speeders, straight-liners, duplicates, bots)."""
    # extension: chart colours, in series order (brand colours); default Okabe-Ito
    palette: Annotated[list[HexColour], Field(min_length=1)] | None = None
    """Chart colours as #RRGGBB, in series order (default: Okabe-Ito)."""
    interval: Interval | None = None  # extension: default percent interval method
    """Percent intervals under a design: beta (default), logit or wilson."""
    weighting: Weighting | None = None  # extension: rim weighting
    """Rim weighting (raking) to target margins."""
    engine: Literal["auto", "memory", "duckdb", "spark"] = "auto"  # extension
    """Where figures are aggregated: auto (duckdb for Parquet exports), memory, duckdb, spark."""

    def is_flag(self, column: str) -> bool:
        """Whether a filter's column names a quality flag rather than an export column."""
        return self.quality is not None and column.startswith(QUALITY_PREFIX)

    def columns(self) -> list[str]:
        """Every export column the study reads, in first-use order, without duplicates."""
        cols: list[str] = []
        src = self.source
        cols += [src.id] if src.id else []
        cols += [f.column for f in src.include if not self.is_flag(f.column)]
        cols += [c for c, _ in self.quality.columns(self)] if self.quality else []
        cols += [src.weight] if src.weight else []
        cols += [c for c in (src.cluster, src.strata) if c]
        for scale in self.scales.values():
            cols += scale.items
        for q in self.questions.values():
            cols += question_columns(q)
        for fig in self.figures:
            cols += [f.column for f in fig.filter]
        return list(dict.fromkeys(cols))


def question_columns(q: Any) -> list[str]:
    """The export columns one question reads."""
    if isinstance(q, Grid):
        return list(q.columns.values())
    if isinstance(q, Multi) and q.columns is not None:
        return list(q.columns.values())
    return [q.column]
