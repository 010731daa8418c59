"""The terminal summary of a ``score`` run."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.table import Table
from rich.text import Text

from cxsurvey.outputs.display import export_line, format_number, window_clause
from cxsurvey.outputs.terminal.console import plain
from cxsurvey.scoring.run import ScoreResult


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


def score_summary(result: ScoreResult, out: Path | None) -> Group:
    r = result.respondents
    parts = [
        Text.assemble(
            (result.study.study.study, "bold"),
            "\n",
            f"respondents: {r['read']} read, {r['included']} included by source.include"
            + window_clause(r),
            "\n",
            export_line(result.export),
        )
    ]
    parts += [plain(f"warning: {w}", style="yellow") for w in result.export["warnings"]]
    scales = Table(title="Scales", title_justify="left", show_edge=False)
    for col in ("scale", "scored", "unscored", "mean", "min", "max"):
        scales.add_column(col, justify="left" if col == "scale" else "right")
    for name, s in result.scales.items():
        scored = s.total[s.scored]
        stats = (
            (float(scored.mean()), float(scored.min()), float(scored.max()))
            if len(scored)
            else (None, None, None)
        )
        scales.add_row(
            plain(name), str(s.n_scored), str(r["included"] - s.n_scored), *(_fmt(x) for x in stats)
        )
    parts.append(scales)
    for name, s in result.scales.items():
        if not s.band_labels:
            continue
        bands = Table(title=plain(f"{name}.band"), title_justify="left", show_edge=False)
        bands.add_column("band")
        bands.add_column("n", justify="right")
        bands.add_column("%", justify="right")
        for label, n in s.band_counts().items():
            pct = 100 * n / s.n_scored if s.n_scored else 0
            bands.add_row(plain(label), str(n), format_number(pct, 1))
        parts.append(bands)
    for name, seg in result.segments.items():
        sizes = ", ".join(f"{label} {n}" for label, n in seg.sizes().items())
        if seg.clusters is not None:
            how = "fitted" if seg.clusters.fitted else "classified with the saved model"
            parts.append(Text(f"{name}: {seg.clusters.model.k} clusters ({how}); {sizes}"))
            if seg.clusters.warning:
                parts.append(plain(f"warning: {seg.clusters.warning}", style="yellow"))
            continue
        if seg.weighted_shares:
            sizes += (
                " (weighted median; weighted shares "
                + ", ".join(f"{label} {_fmt(p)}%" for label, p in seg.weighted_shares.items())
                + ")"
            )
        parts.append(
            Text(
                f"{name}: median {seg.scale} = {_fmt(seg.median)} "
                f"(at or above = {seg.labels[0]}); {sizes}"
            )
        )
    if result.weighting is not None:
        parts.append(_weighting_table(result.weighting))
    if out is not None:
        parts.append(Text(f"wrote {out}"))
    return Group(*parts)


def _weighting_table(rk) -> Table:
    table = Table(
        title=plain(
            f"Rim weights ({rk.column}): {rk.iterations} iterations, efficiency "
            f"{format_number(rk.efficiency, 1)}%, weights {rk.min_weight:.4g} to {rk.max_weight:.4g}"
            + (f", {rk.capped} at the cap" if rk.capped else "")
        ),
        title_justify="left",
        show_edge=False,
    )
    for col in ("variable", "category", "target %", "achieved %"):
        table.add_column(col, justify="left" if col in ("variable", "category") else "right")
    for m in rk.margins:
        table.add_row(
            plain(m.variable),
            plain(m.category),
            format_number(m.target, 2),
            format_number(m.achieved, 2),
        )
    return table
