"""Picking the GAN's images from the catalog: one class of a label set, rejected images left out."""
from __future__ import annotations

from ganime_gui.core.gan.selection import all_image_paths, label_choices, paths_with_label
from ganime_gui.core.project import Project


def test_images_by_label_leave_out_rejected(tmp_path):
    project = Project.create(tmp_path / "project")
    with project.open_catalog() as catalog:
        ids = [catalog.add_file(f"images/{i}.png", md5=f"{i:032x}", size=10) for i in range(6)]
        catalog.set_labels("chibi", ids[:4], "not_chibi")
        catalog.set_labels("chibi", ids[4:], "chibi")
        catalog.set_labels("reject", [ids[1]], "flashy_background")

        chosen = paths_with_label(catalog, project, "chibi", "not_chibi")
        assert [p.name for p in chosen] == ["0.png", "2.png", "3.png"]
        assert all(p.is_absolute() and p.parent == project.images_dir for p in chosen)
        assert len(paths_with_label(catalog, project, "chibi", "not_chibi", exclude_rejected=False)) == 4
        assert ("chibi", "not_chibi", 4) in label_choices(catalog)
        assert not any(ls == "reject" for ls, _, _ in label_choices(catalog))
        assert len(all_image_paths(catalog, project)) == 6
