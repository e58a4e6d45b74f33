"""Map labels: each goes beside its point where it covers no other label and no marker."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from geodata.basemap import labels_overlap, place_labels  # noqa: E402


def test_labels_of_crowded_sites_cover_no_label_and_no_marker():
    rng = np.random.default_rng(3)
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    dots = ax.scatter(rng.uniform(0.1, 0.9, 30), rng.uniform(0.1, 0.9, 30), s=18)
    sites = np.array([[0.30, 0.55], [0.45, 0.50], [0.62, 0.58], [0.50, 0.35], [0.70, 0.40]])
    stars = ax.scatter(sites[:, 0], sites[:, 1], s=260, marker="*")
    texts = [f"S0{k} Candidate site {k} (Pittsburgh)" for k in range(len(sites))]
    labels = place_labels(ax, sites[:, 0], sites[:, 1], texts, markers=[stars, dots])
    assert labels_overlap(ax, labels, markers=[stars, dots]) == 0
    frame = ax.get_window_extent()
    assert all(frame.contains(*label.get_window_extent().p0) for label in labels), "labels stay on the map"
    assert [label.get_text() for label in labels] == texts
    unplaced = ax.text(0.45, 0.50, texts[1])
    assert labels_overlap(ax, [unplaced], markers=[stars]) > 0, "a label written on its star is counted"
    plt.close(fig)
