"""The Sort tab's dialogs: label sets, and labels to and from folders (run as jobs)."""
from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog

from ganime_gui.core.jobs import UserError
from ganime_gui.core.sorting import export_to_folders, import_from_folders


def _guarded(tab, action) -> bool:
    try:
        action()
    except UserError as exc:
        tab.context.error("Label sets", str(exc))
        return False
    return True


def new_label_set(tab) -> None:
    name, ok = QInputDialog.getText(tab, "New label set", "Name of the label set:")
    if not ok or not name.strip():
        return
    classes, ok = QInputDialog.getText(tab, "New label set",
                                       "Classes, in key order, separated by commas:")
    if ok and _guarded(tab, lambda: tab.catalog.create_label_set(name, classes.split(","))):
        tab.fill_sets(select=name.strip())


def edit_label_set(tab) -> None:
    ls = tab.label_set
    if ls is None:
        return
    text, ok = QInputDialog.getText(
        tab, "Edit label set", f"Classes of “{ls.name}” in key order, separated by commas. "
        f"Labels of a removed class stay in the catalog.", text=", ".join(ls.classes))
    if ok and _guarded(tab, lambda: tab.catalog.set_label_classes(ls.name, text.split(","))):
        tab.fill_sets()


def export_folders(tab) -> None:
    ls = tab.label_set
    if ls is None:
        return
    out = QFileDialog.getExistingDirectory(tab, f"Export “{ls.name}” to folders",
                                           str(tab.context.project.exports_dir))
    if not out:
        return
    tab.context.jobs.start(
        export_to_folders(tab.context.project, tab.catalog, ls.name, out), f"Export {ls.name}",
        on_finished=lambda r: tab.context.status(
            f"Exported {r.linked + r.copied} image(s) to {out} ({r.linked} hard-linked, "
            f"{r.copied} copied, {r.already_there} already there, {len(r.missing)} missing)."),
        on_failed=lambda msg: tab.context.error("Export", msg))


def import_folders(tab) -> None:
    ls = tab.label_set
    if ls is None:
        return
    folder = QFileDialog.getExistingDirectory(
        tab, f"Import “{ls.name}” labels from <folder>/<class>/ folders",
        str(tab.context.project.exports_dir))
    if not folder:
        return

    def finished(report):
        tab.reload()
        extra = ""
        if report.unknown_folders:
            extra += f"; folders that are not classes: {', '.join(report.unknown_folders)}"
        if report.unknown_files:
            extra += f"; {len(report.unknown_files)} file(s) not in this project"
        tab.context.status(f"Imported {report.labelled} label(s) ({report.unchanged} "
                           f"unchanged){extra}. Ctrl+Z undoes the import.", 15000)

    tab.context.jobs.start(import_from_folders(tab.catalog, ls.name, folder), f"Import {ls.name}",
                           on_finished=finished,
                           on_failed=lambda msg: tab.context.error("Import", msg))
