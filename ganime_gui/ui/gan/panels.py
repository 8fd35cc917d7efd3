"""The GAN tab's read-outs: progress figures, loss curves and the quality scores."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QGridLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from ganime_gui.core.timefmt import format_duration
from ganime_gui.ui.gan.forms import double, spin
from ganime_gui.ui.widgets.combos import narrow_combo
from ganime_gui.ui.widgets.live_plot import LivePlot

NOT_SCORED = "SWD / KID / FID: not computed yet"
SWD, KID = "SWD ×10³", "KID ×10³"


class ProgressPanel(QGroupBox):
    """Images shown, speed, ETA, augmentation strength, losses, checkpoint, and a status line."""

    def __init__(self, parent=None):
        super().__init__("Progress", parent)
        form = QFormLayout(self)
        self.labels: dict[str, QLabel] = {}
        for key, title in (("kimg", "Images shown"), ("sec_per_kimg", "Seconds / kimg"),
                           ("img_per_s", "Images / s"), ("eta", "ETA"), ("augment_p", "Augmentation p"),
                           ("losses", "D / G loss"), ("checkpoint", "Checkpoint")):
            label = QLabel("–")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self.labels[key] = label
            form.addRow(title, label)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        form.addRow(self.status)

    def reset(self) -> None:
        for label in self.labels.values():
            label.setText("–")

    def show_values(self, values: dict) -> None:
        """Figures from a status or a log record (keys as ``events.GanStatus``)."""
        total, kimg = values.get("total_kimg"), values.get("kimg", 0.0)
        self.labels["kimg"].setText(f"{kimg:.1f} kimg" + (f" of {total:g}" if total else ""))
        if values.get("sec_per_kimg"):
            self.labels["sec_per_kimg"].setText(f"{values['sec_per_kimg']:.1f} s")
            self.labels["img_per_s"].setText(f"{values['img_per_s']:.1f}")
        if "eta_s" in values:
            self.labels["eta"].setText(format_duration(values.get("eta_s")))
        p = values.get("augment_p")
        self.labels["augment_p"].setText("off" if p is None else f"{p:.2f}")
        if values.get("checkpoint"):
            self.labels["checkpoint"].setText(Path(values["checkpoint"]).name)

    def show_losses(self, d_loss: float, g_loss: float) -> None:
        self.labels["losses"].setText(f"{d_loss:.3f} / {g_loss:.3f}")


class LossCurves(LivePlot):
    """D and G losses over kimg, smoothed: single steps of a GAN swing too much to read."""

    def __init__(self, parent=None):
        super().__init__("Losses (smoothed)", "kimg", "loss", parent=parent)
        self.add_series("D", "#d62728")
        self.add_series("G", "#1f77b4")
        self._ema: dict[str, float] = {}

    def reset(self) -> None:
        self._ema = {}
        self.clear()

    def add_step(self, kimg: float, d_loss: float, g_loss: float) -> None:
        for name, value in (("D", d_loss), ("G", g_loss)):
            previous = self._ema.get(name)
            self._ema[name] = value if previous is None else 0.9 * previous + 0.1 * value
            self.append(name, kimg, self._ema[name])


class ScoresPanel(QWidget):
    """The SWD / KID curve, the latest scores in words, and how to score (network, samples, when)."""
    score_requested = Signal()
    network_chosen = Signal(str)  # a kind that needs a file

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = LivePlot("SWD and KID (lower is better)", "kimg", "×10³")
        self.plot.add_series(SWD, "#9467bd", symbol="s")
        self.plot.add_series(KID, "#2ca02c", symbol="o")
        self.plot.hide()  # until the run has a score
        self.label = QLabel(NOT_SCORED)
        self.label.setWordWrap(True)
        box = QGroupBox("Quality: SWD, and KID / FID with a network")
        grid = QGridLayout(box)
        self.net_combo = narrow_combo()
        self.net_combo.addItem("SWD only: no network, works offline", "swd")
        self.net_combo.addItem("+ KID/FID: Keras InceptionV3, ImageNet (downloads once)", "keras-imagenet")
        self.net_combo.addItem("+ KID/FID: Inception 2015-12-05 graph file… (as pytorch-fid)",
                               "inception-graph")
        self.net_combo.addItem("+ KID/FID: InceptionV3 weights file…", "keras-weights")
        self.net_combo.activated.connect(lambda i: self.network_chosen.emit(self.net_combo.itemData(i)))
        self.files: dict[str, str] = {}
        self.samples = spin(50, 50000, 2000)
        self.samples.setToolTip("Generated and real images scored")
        self.every_spin = double(0, 100000, 0, " kimg")
        self.every_spin.setSpecialValueText("never")
        self.every_spin.setToolTip("Score the EMA generator during training this often "
                                   "(KID/FID: slow without a GPU)")
        self.score_button = QPushButton("Score latest checkpoint")
        self.score_button.clicked.connect(self.score_requested)
        grid.addWidget(QLabel("Network"), 0, 0)
        grid.addWidget(self.net_combo, 0, 1, 1, 3)
        grid.addWidget(QLabel("Samples"), 1, 0)
        grid.addWidget(self.samples, 1, 1)
        grid.addWidget(QLabel("While training, every"), 1, 2)
        grid.addWidget(self.every_spin, 1, 3)
        grid.addWidget(self.score_button, 2, 0, 1, 2)
        grid.addWidget(self.label, 3, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.box = box

    def reset(self) -> None:
        self.plot.clear()
        self.plot.hide()
        self.label.setText(NOT_SCORED)

    def set_file(self, kind: str, path: str) -> None:
        """The file a network kind needs; no file and none before: back to SWD only."""
        if path:
            self.files[kind] = path
        elif kind not in self.files:
            self.net_combo.setCurrentIndex(0)

    def load(self, records: list[dict]) -> None:
        """A past run's ``metric`` records."""
        for name, key, scale in ((SWD, "swd", 1.0), (KID, "kid", 1e3)):
            chosen = [r for r in records if r.get(key) is not None]
            self.plot.set_data(name, [r["kimg"] for r in chosen], [r[key] * scale for r in chosen])
        self.plot.setVisible(bool(records))
        if records:
            self.show_text(records[-1])

    def add(self, record: dict) -> None:
        if record.get("swd") is not None:
            self.plot.append(SWD, record["kimg"], record["swd"])
        if record.get("kid") is not None:
            self.plot.append(KID, record["kimg"], record["kid"] * 1e3)
        self.plot.show()
        self.show_text(record)

    def show_text(self, r: dict) -> None:
        lines = []
        if r.get("swd") is not None:
            lines.append(f"SWD {r['swd']:.1f} ×10⁻³<br><small>{r.get('swd_label', '')}</small>")
        if r.get("kid") is not None:
            lines.append(f"KID {r['kid'] * 1e3:.2f} ± {r['kid_std'] * 1e3:.2f} ×10⁻³, FID {r['fid']:.2f}"
                         f"<br><small>{r['network']}, {r['fake_samples']} generated vs {r['real_samples']} "
                         f"real. Comparable with {r['comparable_with']}.</small>")
        if r.get("note"):
            lines.append(f"<small>{r['note']}</small>")
        self.label.setText(f"At {r['kimg']:.1f} kimg: " + "<br>".join(lines))


def plots_column(*widgets) -> QWidget:
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget, stretch in widgets:
        layout.addWidget(widget, stretch)
    return column
