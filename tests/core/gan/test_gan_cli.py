"""``ganime train-gan`` end to end on the CPU, and the rule that the GAN package imports no TensorFlow."""
from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

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
    assert info["config"]["mirror"] is True and info["config"]["minibatch_std"] == 4  # the defaults
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
                     "--no-mirror", *TINY]) == EXIT_DIVERGED
    assert runs.read_run_config(tmp_path / "b").mirror is False
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
                                             "interpolate", "models", "augment", "distribute", "presets",
                                             "swd", "export", "step", "ada", "callbacks", "checkpoints",
                                             "events", "fastgan")] + [
        "ganime_gui.commands.sample", "ganime_gui.ui.gan.preset_box"]
    code = f"import sys, {', '.join(modules)}; print('tensorflow' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "False", proc.stderr


def _imports(path: Path, package: str) -> set[str]:
    """Every ganime_gui module a file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n for n in names if n.startswith(package)}
    return found


def test_the_gan_package_has_no_import_cycle_even_through_lazy_imports():
    root = Path(cli.__file__).parent
    modules = {f"ganime_gui.core.gan.{p.stem}": p for p in (root / "core" / "gan").glob("*.py")}
    graph = {m: {i for i in _imports(p, "ganime_gui.core.gan") if i in modules and i != m}
             for m, p in modules.items()}
    graph.pop("ganime_gui.core.gan.__init__", None)

    def cycle_from(start):
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    return path + [nxt]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, path + [nxt]))
        return None

    cycles = [c for m in graph if (c := cycle_from(m))]
    assert not cycles, cycles[0]
    assert "ganime_gui.core.gan.checkpoints" in graph["ganime_gui.core.gan.metrics"]  # load_generator's home


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def test_two_workers_on_this_machine_train_as_one_and_end_with_the_same_weights(prepared_npy, tmp_path):
    from ganime_gui.core.gan.checkpoints import load_generator

    out = tmp_path / "multi"
    workers = [f"127.0.0.1:{p}" for p in _free_ports(2)]
    procs = []
    for index in range(2):
        env = {**os.environ, "TF_CONFIG": json.dumps({"cluster": {"worker": workers},
                                                      "task": {"type": "worker", "index": index}}),
               "CUDA_VISIBLE_DEVICES": "-1"}
        procs.append(subprocess.Popen([sys.executable, "-m", "ganime_gui", "train-gan",
                                       "--data", str(prepared_npy),
                                       "--steps", "3", "--out", str(out), *TINY], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    try:
        results = [p.communicate(timeout=400) for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [EXIT_OK, EXIT_OK], "\n----\n".join(e[-1500:] for _, e in results)
    start = json.loads((out / "log.jsonl").read_text().splitlines()[0])
    assert start["replicas"] == 2  # one replica on each machine, the batch of 8 split 4 + 4
    chief, other = load_generator(out), load_generator(out / ".worker-1")
    assert chief.step == other.step == 3
    for a, b in zip(chief.G.get_weights() + chief.D.get_weights(),
                    other.G.get_weights() + other.D.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
