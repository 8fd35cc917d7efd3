"""Settings for the machine: the preset choice, the speed estimate and the early preview schedule."""
from __future__ import annotations

import pytest

from ganime_gui.core.gan import runs
from ganime_gui.core.gan.config import GanConfig, next_preview_images
from ganime_gui.core.gan.presets import (LONG_RUN_S, PRESETS, choose_preset, estimate_speed, past_speed,
                                         rough_img_per_s)
from ganime_gui.core.gan.train import GanTrainer


def test_a_cpu_gets_the_narrow_preset_and_a_gpu_the_full_one():
    cpu = choose_preset([], cores=2)
    assert cpu.preset.key == "cpu" and (cpu.preset.base_channels, cpu.preset.batch_size) == (32, 32)
    assert "No GPU" in cpu.reason and "2 cores" in cpu.reason
    gpu = choose_preset(["/physical_device:GPU:0"], cores=8)
    assert gpu.preset.key == "gpu" and (gpu.preset.base_channels, gpu.preset.batch_size) == (64, 64)
    assert "1 GPU found" in gpu.reason
    two = choose_preset(["/physical_device:GPU:0", "/physical_device:GPU:1"], cores=8)
    assert "2 GPUs" in two.reason and "split" in two.reason
    config = cpu.preset.config(resolution=64)
    assert config.preset == "cpu" and config.base_channels == 32 and config.arch == "diffaug"


def test_rough_speed_scales_with_width_and_size_and_a_cpu_default_run_fits_a_day():
    narrow = PRESETS["cpu"].config()
    wide = PRESETS["gpu"].config()
    assert rough_img_per_s(narrow, 0, 2) == pytest.approx(4 * rough_img_per_s(wide, 0, 2))
    assert rough_img_per_s(narrow.__class__(**{**narrow.to_dict(), "resolution": 128}), 0, 2) == \
        pytest.approx(rough_img_per_s(narrow, 0, 2) / 4)
    cpu_default = estimate_speed(narrow, 0, 2)
    assert cpu_default.source == "rough" and cpu_default.seconds(narrow) < LONG_RUN_S
    # The old default (the GPU settings) on this 2-core CPU is days: the tab warns before it.
    assert estimate_speed(wide, 0, 2).seconds(wide) > LONG_RUN_S
    assert "more than" not in cpu_default.describe(narrow) and "rough guess" in cpu_default.describe(narrow)
    # FastGAN's step costs about 3× diffaug's (measured at width 32, batch 32, 64 px on 2 cores).
    fastgan = PRESETS["cpu"].config(arch="fastgan")
    assert rough_img_per_s(fastgan, 0, 2) == pytest.approx(rough_img_per_s(narrow, 0, 2) / 3)


def test_an_earlier_run_with_the_same_sizes_gives_the_measured_speed(tmp_path, make_config):
    root = tmp_path / "runs"
    same, other = make_config(), make_config(base_channels=16)
    for name, config, speed in (("a", same, 50.0), ("b", other, 500.0)):
        runs.write_run_info(root / name, config, tmp_path / "x.npy")
        log = runs.RunLog(root / name)
        for _ in range(3):
            log.write(step=1, kimg=0.1, d_loss=1.0, g_loss=1.0, img_per_s=speed)
    assert past_speed(root, same) == 50.0 and past_speed(root, other) == 500.0
    assert past_speed(root, make_config(batch_size=4)) is None
    estimate = estimate_speed(same, 0, 2, root)
    assert estimate.source == "measured" and estimate.img_per_s == 50.0
    assert "measured on an earlier run" in estimate.describe(same)


def test_previews_come_every_quarter_kimg_early_then_spaced_out():
    config = GanConfig(batch_size=32, preview_every_kimg=4.0)
    due, shown = [], 0
    while shown < 20_000:
        nxt = next_preview_images(shown, config)
        shown = int(-(-nxt // 32) * 32)  # the first step at or past it
        due.append(nxt)
    assert due[:8] == [250, 500, 750, 1000, 1250, 1500, 1750, 2000]
    assert due[8:16] == [3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]
    assert due[16:] == [12000, 16000, 20000]
    assert next_preview_images(0, GanConfig(preview_every_kimg=0.1)) == 100  # never sparser than asked
    assert next_preview_images(0, GanConfig(early_previews=False)) == 4000


def test_early_previews_are_all_kept_under_their_own_names(make_config, prepared_npy, tmp_path):
    # Previews every 16 images of a 8-image batch, closer than 1 kimg: each grid has its own file.
    trainer = GanTrainer(make_config(total_kimg=0.064, preview_every_kimg=0.016), prepared_npy,
                         tmp_path / "run")
    trainer.run()
    grids = runs.list_fake_grids(tmp_path / "run")
    assert [kimg for kimg, _ in grids] == [0.0, 0.016, 0.032, 0.048, 0.064]
    assert [p.name for _, p in grids][:2] == ["fakes-000000000.png", "fakes-000000016.png"]
    logged = [r["path"] for r in runs.read_log(tmp_path / "run") if r.get("event") == "preview"]
    assert len(logged) == len(set(logged)) == 5


def test_grids_of_older_runs_named_by_kimg_still_list(tmp_path):
    for name in ("fakes000000.png", "fakes000004.png", "fakes-000006000.png"):
        (tmp_path / name).write_bytes(b"")
    assert [k for k, _ in runs.list_fake_grids(tmp_path)] == [0.0, 4.0, 6.0]


def test_the_speed_of_a_long_log_is_read_from_its_end(tmp_path):
    log = runs.RunLog(tmp_path)
    for i in range(2000):
        log.write(step=i, kimg=i / 100, d_loss=1.0, g_loss=1.0, img_per_s=float(i))
    tail = runs.tail_records(tmp_path, nbytes=4096)
    assert 0 < len(tail) < 100 and tail[-1]["step"] == 1999
    assert [r["step"] for r in tail] == list(range(tail[0]["step"], 2000))  # whole records only
