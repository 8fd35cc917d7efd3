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


def test_a_reason_in_the_reasons_set_rejects_an_image_for_other_sets_but_not_for_its_own(tmp_path):
    project = Project.create(tmp_path / "project")
    with project.open_catalog() as catalog:
        ids = [catalog.add_file(f"images/{i}.png", md5=f"{i:032x}", size=10) for i in range(5)]
        catalog.set_labels("chibi", ids, "not_chibi")
        catalog.set_labels("reasons", [ids[0]], "more_than_one")
        catalog.set_labels("reasons", [ids[1]], "clean")

        chosen = paths_with_label(catalog, project, "chibi", "not_chibi")
        assert [p.name for p in chosen] == ["1.png", "2.png", "3.png", "4.png"]  # "clean" is no reason
        # Picking the reason itself is a choice: the reasons set's own classes are not filtered.
        assert [p.name for p in paths_with_label(catalog, project, "reasons", "more_than_one")] == ["0.png"]


def test_images_by_predicted_class_leave_out_rejected(tmp_path):
    from ganime_gui.core.gan.selection import paths_with_prediction, prediction_choices

    project = Project.create(tmp_path / "project")
    with project.open_catalog() as catalog:
        ids = [catalog.add_file(f"images/{i}.png", md5=f"{i:032x}", size=10) for i in range(6)]
        model_id = catalog.register_model("m1", "models/m1.keras", "chibi", ["chibi", "not_chibi"],
                                          "vgg16", 224, 0.9)
        # files 0-3 predicted not_chibi, 4 chibi, 5 not scored at all
        catalog.save_predictions(model_id, {ids[0]: [0.1, 0.9], ids[1]: [0.2, 0.8], ids[2]: [0.4, 0.6],
                                            ids[3]: [0.3, 0.7], ids[4]: [0.9, 0.1]})
        catalog.set_labels("reject", [ids[2]], "flashy_background")
        choices = prediction_choices(catalog)
        assert [(c.model, c.label_set, c.label, c.count) for c in choices] == [
            ("m1", "chibi", "chibi", 1), ("m1", "chibi", "not_chibi", 3)]
        chosen = paths_with_prediction(catalog, project, "m1", "not_chibi")
        assert [p.name for p in chosen] == ["0.png", "1.png", "3.png"]
        assert all(p.parent == project.images_dir for p in chosen)
        assert len(paths_with_prediction(catalog, project, "m1", "not_chibi", exclude_rejected=False)) == 4


def test_the_funnels_clean_set_is_a_selection(tmp_path):
    """Hand-labelled not_chibi plus the unlabelled images the model predicted not_chibi, as the
    Sort tab's funnel counts them; rejected ones left out."""
    from ganime_gui.core.gan.selection import CLEAN, CleanChoice, clean_choices, selected_paths
    from ganime_gui.core.sorting.funnel import FunnelSpec, funnel

    project = Project.create(tmp_path / "project")
    with project.open_catalog() as catalog:
        ids = [catalog.add_file(f"images/{i}.png", md5=f"{i:032x}", size=10) for i in range(8)]
        catalog.set_labels("chibi", ids[:2], "not_chibi")   # 0, 1 by hand
        catalog.set_labels("chibi", [ids[2]], "chibi")
        model_id = catalog.register_model("m1", "models/m1.keras", "chibi", ["chibi", "not_chibi"],
                                          "tiny_cnn", 64, 0.9)
        # unlabelled 3-6 scored: 3, 4, 6 not_chibi, 5 chibi; 7 not scored
        catalog.save_predictions(model_id, {ids[3]: [0.1, 0.9], ids[4]: [0.3, 0.7], ids[5]: [0.8, 0.2],
                                            ids[6]: [0.2, 0.8], ids[2]: [0.1, 0.9]})
        catalog.set_labels("reject", [ids[6]], "more_than_one")
        stages = funnel(catalog, FunnelSpec("chibi", "not_chibi"))
        assert stages.clean_set == 5                                   # the funnel's own count
        assert CleanChoice("chibi", "not_chibi", 4) in clean_choices(catalog)  # minus the rejected one
        chosen = selected_paths(catalog, project, (CLEAN, "chibi", "not_chibi"))
        assert sorted(p.name for p in chosen) == ["0.png", "1.png", "3.png", "4.png"]


def test_the_clean_set_keeps_the_funnels_saved_tag_filter(tmp_path):
    """The GAN's clean set is the one the funnel last showed: its tag pre-filter is saved in the
    project (funnel.json) and applies to that label set and class only."""
    from ganime_gui.core.gan.selection import CLEAN, CleanChoice, clean_choices, selected_paths
    from ganime_gui.core.sorting.funnel import FunnelSpec, funnel, save_spec, saved_specs
    from ganime_gui.fakebooru.fixtures import attach_post

    project = Project.create(tmp_path / "project")
    with project.open_catalog() as catalog:
        ids = [catalog.add_file(f"images/{i}.png", md5=f"{i:032x}", size=10) for i in range(6)]
        for i, file_id in enumerate(ids):
            attach_post(catalog, file_id, 100 + i, ["solo"] if i < 4 else ["multiple_girls"])
        catalog.set_labels("chibi", ids, "not_chibi")
        assert saved_specs(project.funnel_path) == {}                  # no file: no saved funnel
        assert CleanChoice("chibi", "not_chibi", 6) in clean_choices(catalog)
        spec = FunnelSpec("chibi", "not_chibi", "-multiple_girls")
        save_spec(project.funnel_path, spec)
        save_spec(project.funnel_path, FunnelSpec("other", "not_other", "solo"))  # keeps the first
        funnels = saved_specs(project.funnel_path)
        assert funnels["chibi"] == spec and set(funnels) == {"chibi", "other"}
        assert funnel(catalog, spec).clean_set == 4
        assert CleanChoice("chibi", "not_chibi", 4, "-multiple_girls") in clean_choices(catalog, project)
        chosen = selected_paths(catalog, project, (CLEAN, "chibi", "not_chibi"))
        assert sorted(p.name for p in chosen) == ["0.png", "1.png", "2.png", "3.png"]
        # A damaged file is ignored (logged), not a reason to refuse the project.
        project.funnel_path.write_text("{not json", encoding="utf-8")
        assert saved_specs(project.funnel_path) == {}
        assert len(selected_paths(catalog, project, (CLEAN, "chibi", "not_chibi"))) == 6
