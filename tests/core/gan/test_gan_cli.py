"""``ganime train-gan`` end to end on the CPU, and the rule that the GAN package imports no TensorFlow."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from ganime_gui import cli
from ganime_gui.commands.terminal import EXIT_DIVERGED, EXIT_OK, EXIT_USER_ERROR
from ganime_gui.core.gan import runs

TINY = ["--res", "32", "--channels", "8", "--latent", "16", "--batch", "8", "--preview-every", "0.016"]


def test_headless_training_from_a_folder_then_resume(image_folder, tmp_path, capsys):
    out = tmp_path / "run"
    rc = cli.main(["train-gan", "--data", str(image_folder), "--steps", "3", "--out", str(out), *TINY])
    assert rc == EXIT_OK
    assert (out / "reals.png").is_file() and runs.list_fake_grids(out)
    assert runs.checkpoint_state(runs.latest_checkpoint(out))["step"] == 3
    info = json.loads((out / "run.json").read_text())
    assert info["config"]["resolution"] == 32 and info["data"].endswith(".npy")
    assert "Finished" in capsys.readouterr().out

    rc = cli.main(["train-gan", "--out", str(out), "--resume", "--steps", "5"])
    assert rc == EXIT_OK
    assert runs.checkpoint_state(runs.latest_checkpoint(out))["step"] == 5


def test_headless_exit_codes_say_how_it_ended(tmp_path, capsys):
    assert cli.main(["train-gan", "--data", str(tmp_path / "nothing.npy"), "--steps", "1",
                     "--out", str(tmp_path / "a"), *TINY]) == EXIT_USER_ERROR
    assert "does not exist" in capsys.readouterr().err
    poisoned = tmp_path / "nan.npy"
    np.save(poisoned, np.full((8, 32, 32, 3), np.nan, np.float32))
    assert cli.main(["train-gan", "--data", str(poisoned), "--steps", "2", "--out", str(tmp_path / "b"),
                     *TINY]) == EXIT_DIVERGED
    assert "diverged" in capsys.readouterr().err


def test_data_parallel_path_on_two_logical_cpus(prepared_npy, tmp_path):
    # MirroredStrategy over two CPU devices runs the same code as several GPUs. A fresh process,
    # because devices must be split before TensorFlow starts.
    out = tmp_path / "mirrored"
    proc = subprocess.run([sys.executable, "-m", "ganime_gui", "train-gan", "--data", str(prepared_npy),
                           "--steps", "2", "--out", str(out), "--cpu-replicas", "2", *TINY],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == EXIT_OK, proc.stderr[-2000:]
    start = json.loads((out / "log.jsonl").read_text().splitlines()[0])
    assert start["replicas"] == 2
    assert runs.checkpoint_state(runs.latest_checkpoint(out))["step"] == 2


def test_gan_modules_command_and_tab_import_no_tensorflow():
    modules = ["ganime_gui.core.gan", "ganime_gui.commands.train_gan", "ganime_gui.ui.gan_tab"] + [
        f"ganime_gui.core.gan.{m}" for m in ("config", "dataset", "selection", "runs", "train", "metrics",
                                             "interpolate", "models", "augment", "distribute")]
    code = f"import sys, {', '.join(modules)}; print('tensorflow' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "False", proc.stderr
