"""What every plot shares: a fresh Figure (never pyplot), the class colours, the "no data" figure.

>>> fig = no_data_figure("Recommendation chains", "no chains of two or more people")
>>> fig.axes[0].get_title(), fig.axes[0].texts[0].get_text()
('Recommendation chains', 'No data: no chains of two or more people')
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patheffects import withStroke
from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = [
    "ADOPTER_COLORS",
    "CLASS_COLORS",
    "COMMUNITY_COLORS",
    "NO_COMMUNITY_COLOR",
    "label_of",
    "new_figure",
    "no_data_figure",
    "place_labels",
    "plain",
]

#: One colour per interaction class, the same in every plot and in the HTML report.
CLASS_COLORS: dict[str, str] = {
    "peer": "#1b9e77",
    "broadcast": "#7570b3",
    "incentivized": "#e6ab02",
    "suspicious": "#d95f02",
    "social": "#999999",
}
#: Adopters by cause.
ADOPTER_COLORS: dict[str, str] = {
    "peer": "#1b9e77",
    "broadcast": "#7570b3",
    "all": "#444444",
}
#: Communities, in order of size (tab10 without its grey).
COMMUNITY_COLORS: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#393b79",
)
NO_COMMUNITY_COLOR = "#c7c7c7"


def new_figure(width: float = 9.0, height: float = 5.5, **kwargs) -> Figure:
    """A Figure of its own (no pyplot state), laid out with constrained layout."""
    return Figure(figsize=(width, height), layout="constrained", **kwargs)


def no_data_figure(title: str, reason: str, width: float = 8.0, height: float = 4.0) -> Figure:
    """A readable figure saying there is nothing to draw, and why."""
    fig = new_figure(width, height)
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.text(
        0.5,
        0.5,
        f"No data: {reason}",
        ha="center",
        va="center",
        fontsize=13,
        color="#555555",
        transform=ax.transAxes,
        wrap=True,
    )
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return fig


def label_of(
    account: str,
    handles: dict[str, str | None] | None = None,
    limit: int = 22,
    *,
    for_matplotlib: bool = True,
) -> str:
    """The handle of ``account`` when known (else its id), shortened to ``limit`` characters,
    made safe for matplotlib text (see :func:`plain`) unless ``for_matplotlib`` is false.

    >>> label_of("ana", {"ana": "@ana.makes"})
    '@ana.makes'
    >>> label_of("x" * 30)
    'xxxxxxxxxxxxxxxxxxxxx…'
    """
    text = str((handles or {}).get(account) or account)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return plain(text) if for_matplotlib else text


def plain(text: str) -> str:
    r"""User text made safe for matplotlib: a ``$`` would otherwise start mathtext.

    >>> plain("$GLOW to the moon $")
    '\\$GLOW to the moon \\$'
    """
    return str(text).replace("$", r"\$")


#: Offsets (points) tried in turn for a label, nearest first.
OFFSETS: tuple[tuple[int, int], ...] = (
    (10, 10),
    (10, -10),
    (-10, 10),
    (-10, -10),
    (16, 0),
    (-16, 0),
    (0, 18),
    (0, -18),
    (26, 30),
    (-26, 30),
    (26, -30),
    (-26, -30),
    (44, 8),
    (-44, 8),
    (44, -8),
    (-44, -8),
    (10, 52),
    (-10, 52),
    (10, -52),
    (-10, -52),
    (64, 36),
    (-64, 36),
    (64, -36),
    (-64, -36),
    (-30, 80),
    (30, 80),
    (-30, -80),
    (30, -80),
    (-40, 110),
    (40, 110),
    (-90, 70),
    (90, 70),
)
#: Offsets for small unboxed labels: right under, over, beside the point.
NEAR: tuple[tuple[int, int], ...] = (
    (0, -5),
    (0, 5),
    (5, 0),
    (-5, 0),
    (5, -5),
    (-5, -5),
    (5, 5),
    (-5, 5),
)


def _item(item) -> tuple[float, float, str, float]:
    x, y, text, *rest = item
    return x, y, text, float(rest[0]) if rest else 3.0


def _annotate(ax, x, y, text, dx, dy, r, fontsize, boxed, renderer):
    ox = dx + (r if dx > 0 else -r if dx < 0 else 0)
    oy = dy + (r if dy > 0 else -r if dy < 0 else 0)
    style = (
        {
            "arrowprops": {"arrowstyle": "-", "color": "#777777", "linewidth": 0.8, "shrinkB": r},
            "bbox": {"boxstyle": "round,pad=0.25", "fc": "white", "ec": "#bbbbbb", "alpha": 0.92},
        }
        if boxed
        else {"color": "#555555", "path_effects": [withStroke(linewidth=2.5, foreground="white")]}
    )
    ann = ax.annotate(
        text,
        (x, y),
        xytext=(ox, oy),
        textcoords="offset points",
        fontsize=fontsize,
        ha="left" if dx > 0 else "right" if dx < 0 else "center",
        va="bottom" if dy > 0 else "top" if dy < 0 else "center",
        multialignment="left",
        zorder=5 if boxed else 3,
        annotation_clip=False,
        **style,
    )
    ann.set_in_layout(False)
    ann.update_positions(renderer)
    return ann


def _cost(box: Bbox, frame: Bbox, taken: list[Bbox]) -> float:
    """0 when ``box`` is inside ``frame`` and clear of ``taken``; else how bad it is."""
    outside = box.width * box.height - _overlap(box, frame)
    return 10 * outside + sum(_overlap(box, t) for t in taken)


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def place_labels(
    ax,
    items: list[tuple],
    *,
    fontsize: float = 8.0,
    avoid: list[tuple] = (),
    boxed: bool = True,
    taken: list | None = None,
) -> list:
    """Label points ``(x, y, text[, radius])`` where the label overlaps nothing already placed.

    Labels avoid each other, the axes' edges, the legend and the points in ``avoid``
    (``(x, y[, radius])``, data coordinates, radius in points). Boxed labels (with a line to
    their point) try the :data:`OFFSETS` beyond the point's radius and take the least crowded
    one when none is free; unboxed labels try the :data:`NEAR` offsets and are left out when
    none is free.
    ``taken`` (display boxes) is shared between calls to place several kinds of labels (give
    ``avoid`` to the first call only).
    Returns the annotations drawn.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ax.figure
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.draw_without_rendering()  # run the layout so display coordinates are final
    renderer = fig.canvas.get_renderer()
    px_per_pt = fig.dpi / 72.0
    frame = ax.get_window_extent(renderer)
    taken = [] if taken is None else taken
    legend = ax.get_legend()
    if legend is not None and not taken:
        taken.append(legend.get_window_extent(renderer))
    for x, y, _, r in (_item((*a[:2], "", *a[2:])) for a in avoid):
        px, py = ax.transData.transform((x, y))
        half = max(r * px_per_pt, 2.0)
        taken.append(Bbox.from_extents(px - half, py - half, px + half, py + half))
    out = []
    for x, y, text, r in map(_item, items):
        best = None  # (cost, offset) of the least bad position when none is free
        for dx, dy in OFFSETS if boxed else NEAR:
            ann = _annotate(ax, x, y, text, dx, dy, r, fontsize, boxed, renderer)
            box = Text.get_window_extent(ann, renderer).padded(2)  # the label, not its line
            cost = _cost(box, frame, taken)
            ann.remove()
            if best is None or cost < best[0]:
                best = (cost, dx, dy)
            if cost == 0:
                break
        if best[0] > 0 and not boxed:
            continue
        ann = _annotate(ax, x, y, text, best[1], best[2], r, fontsize, boxed, renderer)
        taken.append(Text.get_window_extent(ann, renderer).padded(2))
        out.append(ann)
    return out
