"""A run's image grids: the real images, then the sample grids by images shown, with a slider to
scrub back and the export buttons beneath."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from ganime_gui.core.gan import runs
from ganime_gui.ui.widgets.image_view import ImageView

NO_RUN = "No run yet"


class GridBrowser(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.run_dir: Path | None = None
        self.grids: list[tuple[str, Path]] = []  # (title, path): reals first, then fakes by images shown
        self._follow = True  # show each new sample grid as it comes
        self.title = QLabel(NO_RUN)
        self.title.setStyleSheet("font-weight: 600")
        self.view = ImageView("Start a run to see real images here, then the generator's samples "
                              "from fixed latent vectors as it learns.\nOr open a past run folder.")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Scrub through the sample grids saved so far")
        self.slider.valueChanged.connect(self.show_at)
        self.slider.actionTriggered.connect(self._on_user_scrub)
        self.export_grid_button = QPushButton("Export grid…")
        self.interpolation_button = QPushButton("Interpolation…")
        self.interpolation_button.setToolTip("Walk between random latents with the latest checkpoint's "
                                             "generator: an animated GIF or a PNG strip")
        self.export_generator_button = QPushButton("Export…")
        self.export_generator_button.setToolTip("Save the latest checkpoint's generator as a .keras file "
                                                "that plain Keras loads (with a .json saying how), "
                                                "and 64 samples")
        bar = QHBoxLayout()
        bar.addWidget(self.slider, 1)
        for button in (self.export_grid_button, self.interpolation_button, self.export_generator_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)

    def reset(self, run_dir: Path | None) -> None:
        self.run_dir = run_dir
        self.grids = []
        self._follow = True
        self.view.set_path(None)
        self.title.setText(run_dir.name if run_dir else NO_RUN)
        self.slider.blockSignals(True)
        self.slider.setRange(0, 0)
        self.slider.blockSignals(False)
        self.export_grid_button.setEnabled(False)

    def has(self, path: str) -> bool:
        return any(str(p) == path for _, p in self.grids)

    def following(self) -> bool:
        """True unless the user scrubbed back: then new grids arrive without moving the view."""
        return self._follow

    def _on_user_scrub(self, _action) -> None:
        # sliderPosition already holds the new position when actionTriggered fires.
        self._follow = self.slider.sliderPosition() >= self.slider.maximum()

    def refresh(self, show: str | None = None) -> None:
        """Re-read the run folder's grids; ``show`` "reals", "latest" or None (stay)."""
        if self.run_dir is None:
            return
        grids = []
        reals = self.run_dir / runs.REALS_NAME
        if reals.is_file():
            grids.append(("Real training images", reals))
        grids += [(f"Samples at {kimg:g} kimg (EMA generator, fixed latents)", path)
                  for kimg, path in runs.list_fake_grids(self.run_dir)]
        current = self.slider.value()
        self.grids = grids
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(grids) - 1))
        if show == "reals":
            self.slider.setValue(0)
        elif show == "latest":
            self.slider.setValue(len(grids) - 1)
        else:
            self.slider.setValue(min(current, len(grids) - 1))
        self.slider.blockSignals(False)
        self.show_at(self.slider.value())
        self.export_grid_button.setEnabled(bool(grids))

    def refresh_following(self) -> None:
        self.refresh(show="latest" if self._follow else None)

    def show_at(self, index: int) -> None:
        if not (0 <= index < len(self.grids)):
            return
        title, path = self.grids[index]
        if self.view.set_path(path):
            self.title.setText(f"{title}  ·  {index + 1}/{len(self.grids)}")

    def current_path(self) -> Path | None:
        return self.view.path
