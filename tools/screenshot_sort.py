"""Render the Sort tab with real data for docs/screenshots/sort.png: learn as I sort (tiny frozen
backbone, three rounds), a model-ordered page in page mode with the true chibi marked as exceptions.

    PYTHONPATH=. python tools/screenshot_sort.py docs/screenshots/sort.png
"""
import os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
app = QApplication([])
from ganime_gui.core.project import Project
from ganime_gui.fakebooru.fixtures import catalog_generated, attach_post
from ganime_gui.core.sorting.active import surest
from ganime_gui.fakebooru.figures import write_image_folder
from ganime_gui.ui.context import AppContext
from ganime_gui.ui.sort_tab import SortTab
import tempfile
root = Path(tempfile.mkdtemp())
csv = write_image_folder(root / "gen", 200, seed=3, min_height=260, max_height=360, chibi_fraction=0.25)
project = Project.create(root / "proj")
with project.open_catalog() as catalog:
    rows = catalog_generated(project, catalog, root / "gen", csv)
    for i, r in enumerate(rows):
        attach_post(catalog, r["file_id"], 100 + i, r["tags"].split())
truth = {r["file_id"]: "chibi" if r["chibi"] else "not_chibi" for r in rows}
ctx = AppContext(); ctx.set_project(project)
tab = SortTab(ctx); tab.resize(1280, 800); tab.show(); tab.activateWindow()
def spin(ms):
    end = time.time() + ms / 1000
    while time.time() < end:
        app.processEvents(); time.sleep(0.01)
spin(300)
tab.view.setFocus(); spin(100)
tab.learning.panel.every_spin.setValue(20)
tab.learning.panel.enable_box.setChecked(True)
features = tab.learning.panel.features_combo     # offline here: no ImageNet weights
features.setCurrentIndex(features.findText("Tiny CNN (no download)"))
for r in range(60):
    fid = tab.model.rows[tab.current_row()].id
    QTest.keyClick(tab.view, Qt.Key.Key_1 if truth[fid] == "chibi" else Qt.Key.Key_2)
    if r % 20 == 19:
        t = time.time()
        while tab.learning.loop.running and time.time() - t < 120:
            spin(100)
panel = tab.learning.panel
panel.order_combo.setCurrentIndex(panel.order_combo.findData(surest("not_chibi")))
tab.view.show_line_of(tab.current_row())
QTest.keyClick(tab.view, Qt.Key.Key_P)
page = list(tab.page_rows())
# mark the true chibi ones on the page (the exceptions)
for r in page:
    if tab.model.labels[r] is None and truth[tab.model.rows[r].id] == "chibi":
        tab.set_current(r); QTest.keyClick(tab.view, Qt.Key.Key_X)
t = time.time()
while tab.loader.pending() and time.time() - t < 60:
    spin(100)
spin(500)
tab.grab().save(sys.argv[1])
print("rounds", tab.learning.loop.rounds, "page", page[0], page[-1], tab.learning.panel.status.text())
ctx.jobs.stop_all(); tab.loader.wait_idle(); ctx.set_project(None)
