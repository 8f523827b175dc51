"""Figures: word clouds of lemma counts, written as PNG files (deterministic for the same counts)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path
from .files import write_image


def wordcloud_image(frequencies: dict[str, int], *, width: int = 1600, height: int = 900, max_words: int = 150,
                    seed: int = 42):
    """A PIL image of a word cloud; deterministic for the same frequencies and seed."""
    import matplotlib
    from wordcloud import WordCloud
    from wordcloud.wordcloud import colormap_color_func

    class Viridis(colormap_color_func):
        def __init__(self):  # wordcloud's colormap colours, the map taken without importing pyplot (0.5 s)
            self.colormap = matplotlib.colormaps["viridis"]

    font = str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    # Laid out at half size and drawn at full size: the same picture in a quarter of the time.
    scale = 2 if width >= 800 and height >= 400 else 1
    cloud = WordCloud(
        width=width // scale, height=height // scale, scale=scale, max_words=max_words,
        background_color="white", random_state=seed,
        font_path=font, color_func=Viridis(), prefer_horizontal=0.9, collocations=False,
    )
    return cloud.generate_from_frequencies(frequencies).to_image()


def wordclouds(counts: pd.DataFrame, out: str | Path, *, max_words: int = 150, width: int = 1600,
               height: int = 900, groups: Iterable[str] | None = None) -> list[Path]:
    """Write one PNG per group of a word_counts frame: ``wordcloud.png`` for a single group 'alle',
    else ``wordcloud_<group>.png``. Returns the paths written."""
    out = Path(out)
    written = []
    wanted = set(groups) if groups is not None else None
    for group, frame in counts.groupby("group", sort=True):
        if wanted is not None and group not in wanted or frame.empty:
            continue
        frequencies = dict(zip(frame["lemma"], frame["count"]))
        image = wordcloud_image(frequencies, width=width, height=height, max_words=max_words)
        name = "wordcloud.png" if group == "alle" else f"wordcloud_{slug(group)}.png"
        written.append(write_image(image, out / name))
    return written


_SLUG = re.compile(r"[^0-9A-Za-zÆØÅæøå]+")


#: The longest slug: with a prefix such as 'wordcloud_' and '.png' a file name stays far below the 255 bytes
#: most file systems allow (a group named after a document with a 246-byte name did not).
MAX_SLUG = 100


def slug(value: str) -> str:
    """A file-name-safe form of a group name ('Kommune 1' → 'Kommune_1'); a long one is cut to MAX_SLUG
    characters, ending in a hash of the whole name so that two long names stay two files."""
    import hashlib

    text = _SLUG.sub("_", str(value)).strip("_") or "group"
    if len(text.encode("utf-8")) <= MAX_SLUG:
        return text
    digest = hashlib.sha256(str(value).encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return text[:MAX_SLUG // 2 - 12].rstrip("_") + "_" + digest


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path: Path) -> Path:
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(figure)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
    return Path(path)


def heatmap(frame: pd.DataFrame, path: str | Path, *, title: str, value_label: str, fmt: str = "{:.1f}",
            vmax: float | None = None) -> Path:
    """A labelled heat map of a numeric frame (rows × columns), each cell with its value; for A4 width.
    ``vmax``: the value of the darkest colour (default: the largest)."""
    plt = _pyplot()
    rows, columns = len(frame.index), len(frame.columns)
    figure, axes = plt.subplots(figsize=(min(6.3, 1.6 + 0.42 * columns), min(9.0, 1.2 + 0.32 * rows)))
    values = frame.to_numpy(dtype=float)
    image = axes.imshow(values, cmap="Blues", aspect="auto", vmin=0, vmax=vmax)
    axes.set_xticks(range(columns), [str(c) for c in frame.columns], rotation=60, ha="right", fontsize=7)
    axes.set_yticks(range(rows), [str(i) for i in frame.index], fontsize=7)
    top = vmax if vmax is not None else (float(np.nanmax(values)) if values.size else 0.0)
    for i in range(rows):
        for j in range(columns):
            value = values[i, j]
            if value == value:
                axes.text(j, i, fmt.format(value), ha="center", va="center", fontsize=6,
                          color="white" if top and value > 0.6 * top else "black")
    axes.set_title(title, fontsize=9)
    bar = figure.colorbar(image, ax=axes, fraction=0.04, pad=0.02)
    bar.set_label(value_label, fontsize=7)
    bar.ax.tick_params(labelsize=6)
    return _save(figure, Path(path))


#: Colours of the plan-check statuses in the requirement grid.
STATUS_COLOURS = {"met": "#2e7d32", "partial": "#f9a825", "missing": "#c62828", "not_assessed": "#9e9e9e"}


def requirement_grid(matrix: pd.DataFrame, path: str | Path, *, labels: dict[str, str], status_names: dict[str, str],
                     title: str) -> Path:
    """The plan × requirement status matrix as a coloured grid with a legend."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    plt = _pyplot()
    requirements = [c for c in matrix.columns if c not in ("document", "case")]
    order = list(STATUS_COLOURS)
    codes = matrix[requirements].apply(lambda column: column.map(lambda s: order.index(s) if s in order else 3))
    figure, axes = plt.subplots(figsize=(min(6.3, 2.0 + 1.1 * len(requirements)), 1.0 + 0.28 * len(matrix)))
    axes.imshow(codes.to_numpy(), cmap=ListedColormap([STATUS_COLOURS[s] for s in order]), vmin=0, vmax=3,
                aspect="auto")
    axes.set_xticks(range(len(requirements)), [labels.get(r, r) for r in requirements], fontsize=7, rotation=20,
                    ha="right")
    axes.set_yticks(range(len(matrix)), [str(c) for c in matrix["case"]], fontsize=7)
    axes.set_xticks([x - 0.5 for x in range(1, len(requirements))], minor=True)
    axes.set_yticks([y - 0.5 for y in range(1, len(matrix))], minor=True)
    axes.grid(which="minor", color="white", linewidth=1.5)
    axes.tick_params(which="minor", length=0)
    axes.legend(handles=[Patch(color=STATUS_COLOURS[s], label=status_names.get(s, s)) for s in order],
                loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    axes.set_title(title, fontsize=9)
    return _save(figure, Path(path))
