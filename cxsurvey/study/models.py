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
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Filter(Model):
    """A row filter: exactly one of ``in``, ``not_in``, or ``min``/``max``."""

    column: Name
    in_: list[Code] | None = Field(None, alias="in", min_length=1)
    not_in: list[Code] | None = Field(None, min_length=1)
    min: StrictInt | StrictFloat | None = None
    max: StrictInt | StrictFloat | None = None

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
    format: Literal["auto", "qualtrics", "csv", "tsv", "sav", "parquet"] = "auto"
    id: Name | None = None
    include: list[Filter] = []
    missing: list[Code] = []
    weight: Name | None = None
    encoding: Name = "auto"
    # Missing in Qualtrics layouts (and .sav) on top of `missing`: -99 is Qualtrics'
    # "seen but not answered". [] reads -99 as a number.
    qualtrics_missing: list[Code] = [-99]
    cluster: Name | None = None  # extension: PSU column (e.g. customer id), design-based SEs
    strata: Name | None = None  # extension: stratum column, design-based SEs


class Band(Model):
    label: Label
    from_: StrictInt | StrictFloat = Field(alias="from")


class Scale(Model):
    label: StrictStr | None = None
    values: dict[Code, Label] = Field(min_length=2)
    groups: dict[Name, Annotated[list[Name], Field(min_length=1)]] = Field(min_length=1)
    group_score: Literal["mean", "sum"] = "mean"
    total: Literal["sum", "mean"] = "sum"
    min_answered: Annotated[float, Field(ge=0, le=1)] = 0.5
    reverse: list[Name] = []
    bands: list[Band] = []

    @property
    def items(self) -> list[str]:
        return [item for items in self.groups.values() for item in items]


class KRange(Model):
    """A range of cluster counts to choose from by silhouette."""

    min: Annotated[StrictInt, Field(ge=2)]
    max: Annotated[StrictInt, Field(ge=2, le=20)]

    @model_validator(mode="after")
    def _ordered(self) -> KRange:
        if self.min > self.max:
            raise ValueError(f"`min` ({self.min}) is greater than `max` ({self.max})")
        return self


class Segment(Model):
    """A median split (the spec's), or cluster tiers (``kind: clusters``, docs/clusters.md)."""

    label: StrictStr | None = None
    kind: Literal["median_split", "clusters"] = "median_split"
    median_split: Name | None = None
    high: Label | None = None
    low: Label | None = None
    split: Literal["unweighted", "weighted"] = "unweighted"  # extension: weighted median
    # extension, kind: clusters
    variables: list[Name] | None = Field(None, min_length=1)  # S, S.<group>, S.groups, numeric
    k: Annotated[StrictInt, Field(ge=2, le=20)] | KRange = 3
    order_by: Name | None = None  # a scale score (or one of the variables): tier 1 = highest mean
    labels: list[Label] | None = Field(None, min_length=2)
    model: Name | None = None  # JSON file of the fitted model, relative to the study file
    seed: StrictInt = 1
    starts: Annotated[StrictInt, Field(ge=1, le=1000)] = 10

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
    tolerance: Annotated[float, Field(gt=0)] = 1e-6
    max_iterations: Annotated[int, Field(ge=1)] = 100
    cap: Annotated[float, Field(gt=1)] | None = None  # max weight / mean weight
    column: Name = "weight"  # the weight column `score` writes


class _Question(Model):
    text: StrictStr | None = None


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
    options: Options = {}  # extension: omitted = the .sav export's value labels
    nets: dict[Label, Annotated[list[Code], Field(min_length=1)]] = {}
    not_applicable: list[Code] = []


class Single(_Coded):
    type: Literal["single"]
    column: Name


class Multi(_Coded):
    type: Literal["multi"]
    column: Name | None = None
    columns: dict[Code, Name] | None = Field(None, min_length=1)
    delimiter: Annotated[StrictStr, Field(min_length=1)] = ","

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
    type: Literal["grid"]
    columns: Annotated[
        _GridColumns,
        BeforeValidator(
            _columns_by_name,
            json_schema_input_type=_GridColumns | Annotated[list[Name], Field(min_length=1)],
        ),
    ]


class Bin(Model):
    """A labelled range of a numeric answer (inclusive ends; either may be open)."""

    label: Label
    min: StrictInt | StrictFloat | None = None
    max: StrictInt | StrictFloat | None = None

    @model_validator(mode="after")
    def _bounded(self) -> Bin:
        if self.min is None and self.max is None:
            raise ValueError("a bin needs `min`, `max` or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"a bin's min ({self.min}) is above its max ({self.max})")
        return self


class Numeric(_Question):
    type: Literal["numeric"]
    column: Name
    range: tuple[StrictInt | StrictFloat, StrictInt | StrictFloat] | None = None
    bins: list[Bin] = []  # extension: percent rows, e.g. "Within 24 hours" = {max: 24}


class Date(_Question):
    """Extension: a date or date-time answer, for trend banners (``by`` + ``period``)."""

    type: Literal["date"]
    column: Name
    format: StrictStr | None = None  # strptime format; default: ISO 8601 or M/D/YYYY
    timezone: StrictStr = "UTC"  # of naive values, and of period boundaries

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
    type: Literal["nps"]
    column: Name


class Text(_Question):
    """Extension: free text, read and checked but not tabulated."""

    type: Literal["text"]
    column: Name


Question = Annotated[
    Single | Multi | Grid | Numeric | Nps | Date | Text, Field(discriminator="type")
]
QUESTION_TYPES = ("single", "multi", "grid", "numeric", "nps", "date", "text")


Interval = Literal["wilson", "beta", "logit"]


class Figure(Model):
    id: Name
    title: StrictStr | None = None
    kind: Literal["table", "drivers"] = "table"  # extension: key drivers (docs/drivers.md)
    question: Name | None = None  # required for tables (checked in checks.py)
    by: Name | None = None
    show: Label = "options"
    stat: Literal["percent", "mean", "nps"] | None = None
    filter: list[Filter] = []
    sort: Literal["desc", "none"] = "none"
    period: Literal["week", "month", "quarter"] | None = None  # extension: date banners
    # extension, `kind: drivers` only (docs/drivers.md)
    outcome: Name | None = None
    outcome_is: Label | None = None  # an option, net or bin label: a yes/no outcome
    predictors: list[Name] | None = Field(None, min_length=1)
    bootstrap: Annotated[StrictInt, Field(ge=0, le=100_000)] = 1000
    seed: StrictInt = 1
    interval: Interval | None = None  # extension: percent intervals under a design
    test: Literal["rao-scott"] | None = None  # extension: whole-table test of the banner


class Speeders(Model):
    """Extension (docs/quality.md): duration under ``fraction`` x the median."""

    column: Name = "Duration (in seconds)"
    fraction: Annotated[float, Field(gt=0, lt=1)] = 0.5


class Straightliners(Model):
    """Extension: the same answer to every item of a grid or scale (zero variance)."""

    questions: list[Name] = Field(min_length=1)  # grid questions or scales
    min_items: Annotated[StrictInt, Field(ge=2)] = 5


class Duplicates(Model):
    """Extension: Qualtrics RelevantID duplicates, and repeated respondent ids."""

    column: Name | None = "Q_RelevantIDDuplicate"
    same_id: bool = True


class Bots(Model):
    """Extension: Qualtrics reCAPTCHA score under ``below``."""

    column: Name = "Q_RecaptchaScore"
    below: Annotated[float, Field(gt=0, le=1)] = 0.5


class Quality(Model):
    """Extension: response-quality screening; each rule runs when present."""

    speeders: Speeders | None = None
    straightliners: Straightliners | None = None
    duplicates: Duplicates | None = None
    bots: Bots | None = None

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
    version: Literal[1]
    study: Name
    source: Source = Source()
    scales: dict[Name, Scale] = {}
    segments: dict[Name, Segment] = {}
    questions: dict[Name, Question] = {}
    figures: list[Figure] = []
    quality: Quality | None = None  # extension: response-quality screening
    # extension: chart colours, in series order (brand colours); default Okabe-Ito
    palette: Annotated[list[HexColour], Field(min_length=1)] | None = None

    interval: Interval | None = None  # extension: default percent interval method
    weighting: Weighting | None = None  # extension: rim weighting

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
