"""The generator outside the app: a .keras file plain Keras loads, and ``ganime sample``."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ganime_gui import cli
from ganime_gui.core.gan.export import export_generator, make_export_job
from ganime_gui.core.gan.train import GanTrainer

# Runs in a fresh interpreter that cannot import ganime_gui at all (the name is blocked).
LOAD_WITHOUT_GANIME = """
import sys; sys.modules["ganime_gui"] = None
import json, os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras, numpy as np
path = sys.argv[1]
info = json.load(open(path[:-len(".keras")] + ".json"))
g = keras.saving.load_model(path)
z = np.random.default_rng(0).standard_normal((3, info["latent_dim"])).astype("float32")
out = np.asarray(g.predict(z, verbose=0))
print(json.dumps({"shape": list(out.shape), "min": float(out.min()), "max": float(out.max()),
                  "first": out[0, :2, :2].tolist(), "res": info["resolution"]}))
"""


def _train(make_config, prepared_npy, run_dir, arch="diffaug"):
    trainer = GanTrainer(make_config(arch=arch, total_kimg=0.016), prepared_npy, run_dir)
    trainer.run()
    return trainer


@pytest.mark.parametrize("arch", ["diffaug", "fastgan"])
def test_the_keras_export_loads_without_this_package(arch, make_config, prepared_npy, tmp_path):
    run_dir = tmp_path / "run"
    trainer = _train(make_config, prepared_npy, run_dir, arch)
    path = export_generator(run_dir, tmp_path / "out" / "generator")
    assert path.name == "generator.keras" and path.is_file()
    info = json.loads(path.with_suffix(".json").read_text())
    assert info["resolution"] == 32 and info["latent_dim"] == 16 and "[-1, 1]" in info["output"]
    assert "127.5" in info["to_pixels"] and info["kimg"] == pytest.approx(0.016) and info["arch"] == arch
    proc = subprocess.run([sys.executable, "-c", LOAD_WITHOUT_GANIME, str(path)], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["shape"] == [3, 32, 32, 3] and -1 <= got["min"] <= got["max"] <= 1
    # The same latents give the app's images: it is the EMA generator, not another copy.
    z = np.random.default_rng(0).standard_normal((3, 16)).astype(np.float32)
    np.testing.assert_allclose(trainer.generate(z)[0, :2, :2], got["first"], atol=1e-4)


def test_the_export_job_also_writes_samples(make_config, prepared_npy, tmp_path):
    run_dir = tmp_path / "run"
    _train(make_config, prepared_npy, run_dir)
    path = make_export_job(run_dir, tmp_path / "g.keras", samples=4)()
    assert path.is_file() and len(list((tmp_path / "g-samples").glob("*.png"))) == 4


def test_ganime_sample_writes_pngs_reproducibly(make_config, prepared_npy, tmp_path, capsys):
    run_dir = tmp_path / "run"
    _train(make_config, prepared_npy, run_dir)
    assert cli.main(["sample", "--run", str(run_dir), "--count", "5", "--out", str(tmp_path / "a"),
                     "--seed", "7", "--keras", str(tmp_path / "gen.keras")]) == 0
    files = sorted((tmp_path / "a").glob("*.png"))
    assert len(files) == 5 and all(Image.open(f).size == (32, 32) for f in files)
    assert (tmp_path / "gen.keras").is_file() and (tmp_path / "gen.json").is_file()
    assert "Wrote 5 samples" in capsys.readouterr().out
    assert cli.main(["sample", "--run", str(run_dir), "--count", "5", "--out", str(tmp_path / "b"),
                     "--seed", "7"]) == 0
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in sorted((tmp_path / "b").glob("*.png"))]
    assert cli.main(["sample", "--run", str(tmp_path), "--count", "1", "--out", str(tmp_path / "c")]) == 2
    assert "not a GAN run folder" in capsys.readouterr().err


def test_ganime_score_gan_prints_and_logs_swd_offline(make_config, prepared_npy, tmp_path, capsys):
    from ganime_gui.core.gan import runs

    run_dir = tmp_path / "run"
    _train(make_config, prepared_npy, run_dir)
    assert cli.main(["score-gan", "--run", str(run_dir), "--samples", "20"]) == 0
    out = capsys.readouterr().out
    assert "SWD" in out and "no network" in out and "20 generated vs 20 real" in out
    logged = [r for r in runs.read_log(run_dir) if r.get("event") == "metric"]
    assert len(logged) == 1 and logged[0]["swd"] > 0 and logged[0]["kid"] is None
    assert cli.main(["score-gan", "--run", str(run_dir), "--net", "inception-graph"]) == 2
    assert "needs --file" in capsys.readouterr().err
