"""Deterministic synthetic exports in Qualtrics three-row CSV format.

Every respondent has a latent CX maturity ``z ~ N(0, 1)``. Scale items rise with
``z``; questions listed in ``LOADINGS`` rise (or fall, when negative) with it, so
leaders report more CEO support, better financials and outcomes, and laggards
cite more barriers, as the published studies do. The file also carries what
real exports do: survey previews (Status 1), spam (Status 8), unfinished
responses, ``-99`` codes, blanks and free text with commas, quotes, newlines
and non-ASCII text.

Rows are made in chunks with numpy and written with pyarrow, so any number of
rows streams to disk in bounded memory; the same ``seed`` and ``rows`` always
give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxsurvey.study import models
from cxsurvey.study.models import Study

CHUNK = 100_000
# How strongly each question follows maturity, in standard deviations of its latent.
LOADINGS = {
    "ceo_champion": 1.3,
    "financials": 1.1,
    "outcomes": 1.0,
    "capabilities": 1.0,
    "central_group": 0.7,
    "channels": 0.8,
    "priorities": 0.5,
    "ai_momentum": 0.6,
    "listening": 0.8,
    "core_metrics": 0.3,
    "senior_exec": -1.0,
    "barriers": -0.6,
}
NOT_APPLICABLE_RATE = {"Chatbot": 0.3, "Store or branch": 0.25}
FREE_TEXT = [
    "Budget, people, and time are all tight this year.",
    'Our CEO says "customer first", but funding says otherwise.',
    "We moved to a new platform.\nAdoption is still slow, especially in the contact centre.",
    "客户体验是我们今年的首要任务",
    "Zespół CX potrzebuje więcej wsparcia zarządu, szczególnie w oddziałach.",
    "Нам нужно больше данных о клиентах, и меньше отчётов.",
    "Closed-loop follow-up is working; NPS rose 6 points.",
    "=SUM(A1:A9) is how finance sees our program",
    "Journey mapping, finally, is on the roadmap.",
    'Hard to say "mature" when every region runs its own survey.',
]
METADATA = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"America/Denver"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"America/Denver"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"America/Denver"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
]
FREE_TEXT_COLUMN = (
    "Q24",
    "Anything else you would like to tell us about your CX program?",
    '{"ImportId":"QID24_TEXT"}',
)


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    import_id: str


def columns(study: Study) -> list[Column]:
    cols = [Column(*m) for m in METADATA]
    for scale in study.scales.values():
        for group, items in scale.groups.items():
            cols += [
                Column(c, f"{scale.label or ''} - {group} - {c}".strip(" -"), _import_id(c))
                for c in items
            ]
    for q in study.questions.values():
        text = q.text or ""
        if isinstance(q, models.Grid):
            cols += [Column(c, f"{text} - {item}", _import_id(c)) for item, c in q.columns.items()]
        elif isinstance(q, models.Multi) and q.columns is not None:
            cols += [
                Column(c, f"{text} - {q.options[code]}", _import_id(c))
                for code, c in q.columns.items()
            ]
        else:
            cols.append(Column(q.column, text, _import_id(q.column)))
    cols.append(Column(*FREE_TEXT_COLUMN))
    return list({c.name: c for c in cols}.values())


def _import_id(column: str) -> str:
    digits = column.lstrip("Qq")
    return json.dumps({"ImportId": f"QID{digits}"}, separators=(",", ":"))


def write_sample(
    study: Study, out: Path | io.BufferedIOBase, rows: int, seed: int, profile: str = "practitioner"
) -> None:
    """Write ``rows`` responses for ``study`` to ``out`` (a path or a binary file).

    ``profile`` picks the respondents' model: ``practitioner`` (a latent maturity
    drives every answer) or ``feedback`` (one interaction each: channel, business
    unit and month drive satisfaction; see ``feedback.py``).
    """
    from pyarrow import csv as pacsv

    cols = columns(study)
    header = io.StringIO()
    writer = csv.writer(header, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for part in ("name", "label", "import_id"):
        writer.writerow([getattr(c, part) for c in cols])
    opts = pacsv.WriteOptions(include_header=False, quoting_style="needed")

    def emit(fh) -> None:
        fh.write(header.getvalue().encode("utf-8"))
        for table in _chunks(study, cols, rows, seed, profile):
            pacsv.write_csv(table, fh, opts)

    if isinstance(out, Path | str):
        with open(out, "wb") as fh:
            emit(fh)
    else:
        emit(out)


def write_sample_parquet(
    study: Study, out: Path | io.BufferedIOBase, rows: int, seed: int, profile: str = "practitioner"
) -> None:
    """The same responses as ``write_sample`` (same seed, same answers), as one typed
    Parquet file written chunk by chunk: numbers as numbers, the study's date
    questions as instants, the question wording in the schema metadata."""
    import pyarrow.parquet as pq

    from cxsurvey.reading.export import Export
    from cxsurvey.reading.parquet import LABELS_KEY, PROVENANCE_KEY
    from cxsurvey.reading.sniff import Layout
    from cxsurvey.reading.typed import typed_columns

    cols = columns(study)
    labels = {c.name: c.label for c in cols}
    writer = None
    try:
        for table in _chunks(study, cols, rows, seed, profile):
            header = [c.name for c in cols]
            export = Export("sample", Layout("qualtrics", "utf-8"), table, header, labels)
            typed = typed_columns(export, study).table
            if writer is None:
                schema = _sample_schema(typed.schema).with_metadata(
                    {
                        LABELS_KEY: json.dumps(labels, ensure_ascii=False).encode("utf-8"),
                        PROVENANCE_KEY: b'{"layout": "qualtrics", "source": "cxsurvey sample"}',
                    }
                )
                writer = pq.ParquetWriter(out, schema, compression="zstd")
            writer.write_table(typed.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()


def _sample_schema(schema: pa.Schema) -> pa.Schema:
    """Whole-number columns as float64 in every chunk, so a chunk whose column happens to
    hold only whole numbers and one that does not share one schema."""
    fields = [f.with_type(pa.float64()) if pa.types.is_integer(f.type) else f for f in schema]
    return pa.schema(fields)


def _chunks(
    study: Study, cols: list[Column], rows: int, seed: int, profile: str
) -> Iterator[pa.Table]:
    rng = np.random.default_rng(seed)
    make = _chunk
    if profile == "feedback":
        from cxsurvey.sample.feedback import feedback_chunk as make
    start = 0
    while start < rows:
        n = min(CHUNK, rows - start)
        data = make(study, rng, n, start)
        yield pa.table([data[c.name] for c in cols], names=[c.name for c in cols])
        start += n


def _chunk(study: Study, rng: np.random.Generator, n: int, start: int) -> dict[str, pa.Array]:
    z = rng.standard_normal(n)
    out: dict[str, pa.Array] = {}
    finished = rng.random(n) >= 0.05
    status = rng.choice([0, 1, 8], size=n, p=[0.94, 0.035, 0.025])
    progress = np.where(finished, 100, rng.integers(8, 95, n))
    out.update(_metadata(rng, n, start, status, finished, progress))
    for scale in study.scales.values():
        out.update(_scale_items(rng, scale, z, n))
    for name, q in study.questions.items():
        out.update(_question(rng, name, q, z, n))
    stop = progress / 100.0  # an unfinished response stops answering at its progress
    names = [c for c in out if c not in dict.fromkeys(m[0] for m in METADATA)]
    for i, name in enumerate(names):
        cut = ~finished & (stop < (i + 1) / max(1, len(names)))
        if cut.any():
            out[name] = pc.if_else(pa.array(cut), pa.nulls(n, out[name].type), out[name])
    text = np.array(FREE_TEXT, dtype=object)[rng.integers(0, len(FREE_TEXT), n)]
    out[FREE_TEXT_COLUMN[0]] = pa.array(text, pa.string(), mask=rng.random(n) < 0.55)
    return out


def _metadata(
    rng, n, start, status, finished, progress, first: str = "2026-03-02T08:00:00", days: int = 30
) -> dict[str, pa.Array]:
    base = np.datetime64(first, "s")
    started = base + rng.integers(0, days * 86400, n).astype("timedelta64[s]")
    duration = rng.gamma(4.0, 150.0, n).astype(np.int64) + 60
    ended = started + duration.astype("timedelta64[s]")
    fmt = "%Y-%m-%d %H:%M:%S"
    stamp = lambda t: pc.strftime(pa.array(t), format=fmt)  # noqa: E731
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    chars = alphabet[rng.integers(0, len(alphabet), (n, 15))]
    ids = np.char.add("R_", np.ascontiguousarray(chars).view("<U15").ravel())
    octets = [pa.array(rng.integers(1, 255, n)).cast(pa.string()) for _ in range(4)]
    lang = np.array(["EN", "EN", "EN", "PL", "ZH-S", "RU", "DE"])[rng.integers(0, 7, n)]
    channel = np.where(status == 1, "preview", "anonymous")
    return {
        "StartDate": stamp(started),
        "EndDate": stamp(ended),
        "Status": pa.array(status),
        "IPAddress": pc.binary_join_element_wise(*octets, "."),
        "Progress": pa.array(progress),
        "Duration (in seconds)": pa.array(duration),
        "Finished": pa.array(finished.astype(np.int64)),
        "RecordedDate": stamp(ended),
        "ResponseId": pa.array(ids),
        "DistributionChannel": pa.array(channel),
        "UserLanguage": pa.array(lang),
    }


def _codes(values: np.ndarray, blank: np.ndarray) -> pa.Array:
    return pa.array(values.astype(np.int64), mask=blank)


def _scale_items(rng, scale: models.Scale, z: np.ndarray, n: int) -> dict[str, pa.Array]:
    codes = sorted(float(c) for c in scale.values)
    lo, hi = codes[0], codes[-1]
    out = {}
    person = rng.normal(0, 0.35, n)
    for item in scale.items:
        x = np.clip(np.rint(3.25 + 0.95 * z + person + rng.normal(0, 0.75, n)), lo, hi)
        if item in scale.reverse:
            x = hi + lo - x
        x[rng.random(n) < 0.02] = -99
        out[item] = _codes(x, rng.random(n) < 0.015)
    return out


def _ordinal(rng, z, n, k: int, loading: float) -> np.ndarray:
    """0-based category of an ordered question whose latent follows maturity."""
    latent = loading * z + rng.standard_normal(n)
    cuts = np.linspace(-1.3, 1.3, k - 1)
    return np.digitize(latent, cuts)


def _question(rng, name: str, q, z: np.ndarray, n: int) -> dict[str, pa.Array]:
    loading = LOADINGS.get(name, 0.0)
    if isinstance(q, models.Single | models.Grid):
        codes = np.array([c for c in q.options if c not in q.not_applicable])
        na = list(q.not_applicable)
        items = q.columns if isinstance(q, models.Grid) else {None: q.column}
        out = {}
        for item, column in items.items():
            if loading:
                pick = _ordinal(rng, z, n, len(codes), loading)
            else:
                weights = rng.dirichlet(np.full(len(codes), 4.0))
                pick = rng.choice(len(codes), size=n, p=weights)
            values = codes[pick].astype(object)
            if na:
                values[rng.random(n) < NOT_APPLICABLE_RATE.get(item, 0.06)] = na[0]
            out[column] = pa.array(values.astype(np.int64), mask=rng.random(n) < 0.03)
        return out
    if isinstance(q, models.Multi):
        return _multi(rng, q, z, n, loading)
    if isinstance(q, models.Nps):
        x = np.clip(np.rint(7 + 1.5 * z + rng.normal(0, 1.8, n)), 0, 10)
        return {q.column: _codes(x, rng.random(n) < 0.03)}
    if isinstance(q, models.Date):
        if q.column in dict.fromkeys(m[0] for m in METADATA):
            return {}  # StartDate, EndDate, RecordedDate come with the metadata
        days = np.datetime64("2026-01-01", "D") + rng.integers(0, 365, n)
        return {q.column: pa.array(days.astype(str), pa.string(), mask=rng.random(n) < 0.02)}
    if isinstance(q, models.Text):
        text = np.array(FREE_TEXT, dtype=object)[rng.integers(0, len(FREE_TEXT), n)]
        return {q.column: pa.array(text, pa.string(), mask=rng.random(n) < 0.55)}
    lo, hi = q.range or (0, 100)
    x = np.clip(np.rint(lo + (hi - lo) * rng.beta(2, 3, n)), lo, hi)
    return {q.column: _codes(x, rng.random(n) < 0.03)}


def _multi(rng, q: models.Multi, z, n, loading) -> dict[str, pa.Array]:
    codes = list(q.options)
    none = [i for i, c in enumerate(codes) if str(q.options[c]).startswith(("None", "No "))]
    regular = [i for i in range(len(codes)) if i not in none]
    base = rng.uniform(-1.4, 0.2, len(codes))
    chosen = np.zeros((n, len(codes)), dtype=bool)
    for i in regular:
        p = 1 / (1 + np.exp(-(base[i] + loading * z)))
        chosen[:, i] = rng.random(n) < p
    nothing = ~chosen.any(axis=1)
    if none:
        chosen[:, none[0]] = nothing & (rng.random(n) < 0.8)
    blank = ~chosen.any(axis=1) | (rng.random(n) < 0.02)
    if q.columns is not None:
        return {
            col: pa.array(chosen[:, i].astype(np.int64), mask=blank)
            for i, col in enumerate(q.columns.values())
        }
    # One cell of codes: map each selection bitmask through a lookup table of strings.
    weights = 1 << np.arange(len(codes))
    masks = chosen.astype(np.int64) @ weights
    table = np.array(
        [
            q.delimiter.join(str(codes[i]) for i in range(len(codes)) if m >> i & 1)
            for m in range(1 << len(codes))
        ],
        dtype=object,
    )
    return {q.column: pa.array(table[masks], pa.string(), mask=blank)}
