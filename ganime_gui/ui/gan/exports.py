"""The GAN tab's exports: a grid, a latent walk, the generator (.keras), the prepared set; and the
files a feature network needs. Dialogs open in the project's exports folder."""
from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from ganime_gui.core.gan import runs
from ganime_gui.core.jobs import UserError


class RunExports(QObject):
    def __init__(self, tab):
        super().__init__(tab)
        self.tab = tab

    def dialog_dir(self, name: str = "") -> str:
        """Where file dialogs open: the project's exports folder (else the run's, else the chosen
        image folder's parent), with ``name`` as the suggested file."""
        project = self.tab.context.project
        if project is not None:
            base = project.exports_dir
            base.mkdir(parents=True, exist_ok=True)
        elif self.tab.run_dir is not None or self.tab.folder is not None:
            base = self.tab.run_dir or self.tab.folder.parent
        else:
            return name
        return str(base / name) if name else str(base)

    def _start_export(self, job, title: str, done) -> None:
        context = self.tab.context
        context.jobs.start(job, title, on_finished=lambda result: context.status(done(result)),
                           on_failed=lambda m: context.error(f"{title} failed", m))

    def grid(self) -> None:
        path = self.tab.current_grid_path()
        dest = self.tab.ask_save_path("Export the grid", path.name, "PNG image (*.png)") if path else ""
        if dest:
            shutil.copyfile(path, dest)
            self.tab.context.status(f"Saved {Path(dest).name}")

    def interpolation(self) -> None:
        from ganime_gui.core.gan.interpolate import make_interpolation_job

        dest = self.tab.ask_save_path("Export a latent interpolation", "interpolation.gif",
                                      "Animated GIF (*.gif);;Image strip (*.png)") if self.tab.run_dir else ""
        if dest:
            self._start_export(make_interpolation_job(self.tab.run_dir, dest), "Latent interpolation",
                               lambda p: f"Saved {Path(p).name}")

    def generator(self) -> None:
        from ganime_gui.core.gan.export import make_export_job

        dest = self.tab.ask_save_path("Export the generator", f"{self.tab.run_dir.name}.keras",
                                      "Keras model (*.keras)") if self.tab.run_dir else ""
        if dest:
            self._start_export(make_export_job(self.tab.run_dir, dest, samples=64), "Export the generator",
                               lambda p: f"Exported {Path(p).name} and 64 samples beside it")

    def prepared_set(self, kind: str) -> None:
        from ganime_gui.core.gan.dataset import export_npy, export_png_folder, prepare_dataset

        try:
            if (self.tab.run_dir is not None and runs.is_run_dir(self.tab.run_dir)
                    and not self.tab.is_running()):
                paths, data = None, runs.read_run_info(self.tab.run_dir)["data"]
            else:
                paths, data = self.tab.selected_paths(), None
            cache_dir, _ = self.tab.cache_and_runs_dirs() if paths is not None else (None, None)
        except UserError as exc:
            self.tab.context.error("Cannot export", str(exc))
            return
        if kind == "npy":
            dest = self.tab.ask_save_path("Export the prepared set", "gan-dataset.npy", "NumPy array (*.npy)")
        else:
            dest = QFileDialog.getExistingDirectory(self.tab, "Export the prepared set as PNGs into",
                                                    self.dialog_dir())
        if not dest:
            return
        resolution = self.tab.res_combo.currentData()

        def job(progress, cancelled):
            source = data or prepare_dataset(paths, cache_dir, resolution, progress, cancelled).path
            if kind == "npy":
                return export_npy(source, dest)
            return export_png_folder(source, dest, progress, cancelled)

        self._start_export(job, "Export prepared set", lambda p: f"Exported to {p}")

    def ask_network_file(self, kind: str) -> None:
        titles = {"inception-graph": ("The 2015-12-05 Inception graph", "classify_image_graph_def.pb (*.pb)"),
                  "keras-weights": ("InceptionV3 weights (no top)", "Keras weights (*.h5)")}
        if kind in titles:
            self.tab.scores.set_file(kind, QFileDialog.getOpenFileName(self.tab, titles[kind][0],
                                                                       self.dialog_dir(), titles[kind][1])[0])

