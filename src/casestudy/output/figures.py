"""Figures: word clouds of lemma counts, written as PNG files (deterministic for the same counts)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

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


def slug(value: str) -> str:
    """A file-name-safe form of a group name ('Kommune 1' → 'Kommune_1')."""
    return _SLUG.sub("_", str(value)).strip("_") or "group"
