"""The funnel dialog (Sort tab → More → Funnel and spot checks…): counts per stage, the clean set's
estimated precision with its interval, and the spot check that measures it."""
from __future__ import annotations

import logging

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout)

from ganime_gui.core.jobs import UserError
from ganime_gui.core.sorting import export_to_folders, majority_label
from ganime_gui.core.sorting.funnel import (SPOT_SIZE, Funnel, FunnelSpec, clean_set_paths,
                                            draw_spot_check, funnel, save_spec, saved_specs)


def precision_text(f: Funnel) -> str:
    if f.precision is None:
        return ("Precision unknown: draw a spot check and press each image's label key once more "
                "(the estimate and its interval come from them).")
    return (f"Estimated precision of the clean set: <b>{f.precision:.1%}</b> (95% interval "
            f"{f.low:.1%} – {f.high:.1%}, from {f.checked} spot checks of {f.sample}).")


class FunnelDialog(QDialog):
    def __init__(self, tab):
        super().__init__(tab)
        self.tab = tab
        self._remembered: FunnelSpec | None = None  # what funnel.json holds for this label set
        self.setWindowTitle("Funnel and spot checks")
        self.clean_combo = QComboBox(self)
        ls = tab.label_set
        for cls in (ls.classes if ls else ()):
            self.clean_combo.addItem(cls, cls)
        if ls is not None:  # the class chosen last time, else the one most images have
            saved = self._remembered = saved_specs(tab.context.project.funnel_path).get(ls.name)
            clean = (saved.clean if saved and saved.clean in ls.classes
                     else majority_label(tab.counts, ls.classes))
            self.clean_combo.setCurrentIndex(ls.classes.index(clean))
        self.size_spin = QSpinBox(self)
        self.size_spin.setRange(5, 1000)
        self.size_spin.setValue(SPOT_SIZE)
        self.stages = QFormLayout()
        self.precision = QLabel(self)
        self.precision.setWordWrap(True)
        draw = QPushButton("Draw a spot check and show it", self)
        draw.clicked.connect(self.draw)
        export = QPushButton("Export the clean set to a folder…", self)
        export.clicked.connect(self.export)
        retrain = QPushButton("Score again (learn as I sort)", self)
        retrain.setToolTip("Retrain the quick model on the labels there are now and re-score the "
                           "unlabelled images; then Refresh")
        retrain.clicked.connect(self.rescore)
        refresh = QPushButton("Refresh", self)
        refresh.clicked.connect(self.refresh)
        controls = QHBoxLayout()
        for w in (QLabel("Clean class"), self.clean_combo, QLabel("Spot check of"), self.size_spin,
                  draw):
            controls.addWidget(w)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        for button in (export, retrain, refresh):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(self.stages)
        layout.addWidget(self.precision)
        layout.addWidget(buttons)
        self.clean_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh()

    def spec(self) -> FunnelSpec:
        return FunnelSpec(self.tab.filters.label_set_name(), self.clean_combo.currentData() or "",
                          self.tab.filters.tag_edit.text().strip())

    def refresh(self) -> Funnel | None:
        while self.stages.rowCount():
            self.stages.removeRow(0)
        try:
            f = funnel(self.tab.catalog, self.spec())
        except UserError as exc:
            self.precision.setText(str(exc))
            return None
        self.remember(self.spec())
        tags = self.spec().tags or "none (type one in the Sort tab's tag filter)"
        self.stages.addRow("Tag pre-filter", QLabel(tags))
        for stage, count in f.rows():
            self.stages.addRow(stage, QLabel(count))
        self.precision.setText(precision_text(f))
        return f

    def remember(self, spec: FunnelSpec) -> None:
        """Save the funnel as shown (when it changed): the GAN tab's clean set is this one."""
        if spec == self._remembered:
            return
        try:
            save_spec(self.tab.context.project.funnel_path, spec)
            self._remembered = spec
        except OSError as exc:
            logging.getLogger(__name__).warning("could not save the funnel: %s", exc)
            self.tab.context.status(f"Could not save the funnel's settings ({exc.strerror or exc}).", 8000)

    def draw(self) -> None:
        try:
            draw_spot_check(self.tab.catalog, self.spec(), self.size_spin.value())
        except UserError as exc:
            self.tab.context.error("Spot check", str(exc))
            return
        self.tab.filters.select(self.tab.filters.show_combo, "spot_check")
        self.tab.context.status("Look at each spot-check image once more and press its label "
                                "key: the funnel's estimate comes from them.", 10000)
        self.refresh()

    def export(self) -> None:
        spec, tab = self.spec(), self.tab
        out = QFileDialog.getExistingDirectory(self, "Export the clean set to <folder>/clean/",
                                               str(tab.context.project.exports_dir))
        if not out:
            return
        tab.context.jobs.start(
            export_to_folders(tab.context.project, tab.catalog, spec.label_set, out,
                              items=lambda: clean_set_paths(tab.catalog, spec)),
            "Export the clean set",
            on_finished=lambda r: tab.context.status(
                f"Exported {r.linked + r.copied} image(s) of the clean set to {out}/clean "
                f"({r.already_there} already there, {len(r.missing)} missing)."),
            on_failed=lambda msg: tab.context.error("Export", msg))

    def rescore(self) -> None:
        learning = self.tab.learning
        learning.panel.enable_box.setChecked(True)   # starts a round when there is none yet
        if not learning.loop.running:
            learning.start()
