"""The clean-set loop, measured: a simulated person turns a raw crawl into a clean set, once as the
seed did and once with the app's loop, through the app's own core functions, on generated posts
with ground truth.

    python bench/funnel.py [--seed 1] [--posts 3000] [--chibi 0.2] [--multiple 0.07] [--other 0.03]

Posts: the fake booru's figure generator (as the seed's crawl: about 70% usable), tags with 10%
noise (a tag dropped, an unrelated one added). Usable = one character, full body, not chibi.
The person presses a wrong key 2% of the time (a label flipped; an exception missed or a clean
image marked).

* The seed's protocol: label 15% of the posts one by one, train once, split the rest, then look
  at every image predicted clean once more by hand (one key each), as the seed's extra passes did.
* The app's protocol: the tag pre-filter (``-chibi -multiple_girls -upper_body``, the Sort tab's
  tag filter), 50 labels one by one, then learn as I sort (a round every 50 new labels) with
  model-ordered pages (the 28 images the model is surest are clean; the person marks the
  exceptions, Enter takes the page) until 5% of the pre-filtered set (at least 150) more has
  labels or a page has more than a quarter exceptions; the model splits the rest; the funnel's
  spot check (50 random images of the clean set, looked at again, a key each) measures it; while
  its estimate is under 98%, another batch of pages and a new spot check (3 batches at most).

Counted per protocol: keys pressed (each label key, exception mark and page key), images shown
(each image the person has to look at), the clean set's precision and recall against the ground
truth, and the app's precision estimate with whether its interval holds the true value.

The backbone: offline there are no ImageNet weights, so both protocols take features from the tiny
CNN (``tiny_cnn``) trained here from scratch on 600 other generated figures (clean vs reject),
frozen. Both protocols use the same features and the same quick model (``train_round``); only the
protocol differs. The queue, page fills, learn rounds' stored scores, funnel and spot checks are
the app's (``core.sorting``), on a real project catalog.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from ganime_gui.core.project import Project  # noqa: E402
from ganime_gui.core.sorting import QueueSpec, build_queue, fill_page  # noqa: E402
from ganime_gui.core.sorting.active import (LearnConfig, LearnLoop, reorder, save_round,  # noqa: E402
                                            surest, train_round)
from ganime_gui.fakebooru.fixtures import attach_post, catalog_generated  # noqa: E402
from ganime_gui.core.sorting.funnel import (FunnelSpec, draw_spot_check, funnel,  # noqa: E402
                                            record_checks)
from ganime_gui.fakebooru.figures import write_image_folder  # noqa: E402

SET, CLEAN, REJECT = "clean", "clean", "reject"
TAG_FILTER = "-chibi -multiple_girls -upper_body"
PAGE = 28              # 7 x 4 thumbnails: the Sort tab's page at 1280 x 800
FIRST_LABELS = 50
EVERY = 50
STOP_EXCEPTIONS = 0.25
LABEL_SHARE, MIN_LABELS = 0.05, 150        # hand labels (of the pre-filtered set) per batch of pages
TRUST = 0.98                               # a spot check's estimate below this: more pages
MAX_BATCHES = 3
SPOT = 50
WRONG_KEY = 0.02
SIZE = 64


def usable(row: dict) -> bool:
    return not row["chibi"] and int(row["n_characters"]) == 1 and row["crop"] == "full"


def generate(out: Path, count: int, seed: int, args) -> Path:
    return write_image_folder(out, count, seed, min_height=64, max_height=96, formats=("png",),
                              chibi_fraction=args.chibi, two_characters=args.multiple,
                              upper_body=args.other, busy=0.0, tag_noise=0.1)


def train_backbone(root: Path, args):
    """The tiny CNN trained from scratch on other figures; returns a features function."""
    from ganime_gui.core.classify.train import TrainConfig, train_classifier
    from ganime_gui.core.classify.backbones import custom_objects, import_keras
    from ganime_gui.core.classify.data import load_image_batch
    from ganime_gui.fakebooru.figures import read_ground_truth

    csv_path = generate(root / "pretrain", 600, args.seed + 1000, args)
    items = [(str(root / "pretrain" / r["file"]), CLEAN if usable(r) else REJECT)
             for r in read_ground_truth(csv_path)]
    cfg = TrainConfig(backbone="tiny_cnn", weights=None, input_size=SIZE, epochs=15, batch_size=16,
                      seed=args.seed)
    result = train_classifier(items, cfg, models_dir=root / "models", cache_dir=root / "cache",
                              label_set=SET, model_name="bench-backbone", class_names=[CLEAN, REJECT])
    _, keras = import_keras()
    model = keras.models.load_model(result.model_path, custom_objects=custom_objects(), compile=False)
    pooled = keras.Model(model.input, model.get_layer("head_pool").output)

    def features(paths: list[str]) -> np.ndarray:
        out = []
        for i in range(0, len(paths), 256):
            pixels, _ = load_image_batch(paths[i:i + 256], SIZE)
            out.append(np.asarray(pooled.predict_on_batch(pixels.astype(np.float32))))
        return np.concatenate(out)
    return features, result.evaluation


class Person:
    """Looks at images and presses keys; wrong 2% of the time. Counts both."""

    def __init__(self, truth: dict[int, bool], seed: int):
        self.truth, self.rng = truth, random.Random(seed)
        self.keys = self.shown = 0

    def judge(self, file_id: int) -> str:
        self.shown += 1
        right = self.truth[file_id]
        if self.rng.random() < WRONG_KEY:
            right = not right
        return CLEAN if right else REJECT

    def label(self, catalog, file_id: int) -> None:
        self.keys += 1
        catalog.apply_label_changes(SET, [file_id], self.judge(file_id))

    def take_page(self, catalog, page: list[int]) -> int:
        """Mark the exceptions (X each), Enter; returns the exceptions marked."""
        marked = {f for f in page if self.judge(f) == REJECT}
        self.keys += len(marked) + 1
        fill_page(catalog, SET, page, marked, CLEAN)
        return len(marked)


def new_project(root: Path, name: str, gen: Path, csv_path: Path) -> tuple[Project, list[dict]]:
    project = Project.create(root / name)
    with project.open_catalog() as catalog:
        rows = catalog_generated(project, catalog, gen, csv_path, link=True)
        for i, r in enumerate(rows):
            attach_post(catalog, r["file_id"], 1 + i, r["tags"].split())
        catalog.create_label_set(SET, [CLEAN, REJECT])
    return project, rows


def a_round(catalog, x_of: dict[int, np.ndarray], ids: list[int]):
    labels = catalog.labels(SET)
    x = np.stack([x_of[i] for i in ids])
    result = train_round(x, np.array(ids), [labels.get(i) for i in ids], (CLEAN, REJECT),
                         LearnConfig(every=EVERY), SET)
    save_round(catalog, result, LearnConfig(backbone="tiny_cnn (bench)"), SIZE)
    return result


def measure(catalog, rows, person, truth) -> dict:
    f = funnel(catalog, FunnelSpec(SET, CLEAN, TAG_FILTER if person.tag_filter else ""))
    labels = catalog.labels(SET)
    model = catalog.latest_model_for(SET)
    predicted = {r.id: r.predicted for r in catalog.queue_rows(catalog.label_set(SET).id,
                                                               model_id=model[0], only_predicted=True)}
    passed = {r.id for r in build_queue(catalog, QueueSpec(SET, tags=TAG_FILTER if person.tag_filter
                                                           else ""))}
    clean = {i for i in passed if labels.get(i) == CLEAN or (i not in labels
                                                             and predicted.get(i) == CLEAN)}
    good = sum(1 for i in clean if truth[i])
    return {"keys": person.keys, "shown": person.shown, "clean": len(clean),
            "precision": good / max(1, len(clean)), "recall": good / max(1, sum(truth.values())),
            "estimate": f.precision, "low": f.low, "high": f.high}


def seed_protocol(project, rows, x_of, truth, seed) -> dict:
    person = Person(truth, seed)
    person.tag_filter = False
    ids = [r["file_id"] for r in rows]
    with project.open_catalog() as catalog:
        for i in random.Random(seed).sample(ids, int(0.15 * len(ids))):
            person.label(catalog, i)
        a_round(catalog, x_of, ids)                        # train once, split the rest
        model = catalog.latest_model_for(SET)
        split = [r.id for r in catalog.queue_rows(catalog.label_set(SET).id, model_id=model[0],
                                                  only_predicted=True, predicted=CLEAN)]
        for i in split:                                    # every predicted-clean image once more
            person.label(catalog, i)
        return measure(catalog, rows, person, truth)


def app_protocol(project, rows, x_of, truth, seed) -> dict:
    person = Person(truth, seed + 1)
    person.tag_filter = True
    ids = [r["file_id"] for r in rows]
    spec = FunnelSpec(SET, CLEAN, TAG_FILTER)
    with project.open_catalog() as catalog:
        queue = build_queue(catalog, QueueSpec(SET, tags=TAG_FILTER))
        batch = max(MIN_LABELS, int(LABEL_SHARE * len(queue)))
        for r in queue[:FIRST_LABELS]:
            person.label(catalog, r.id)
        loop, rounds = LearnLoop(every=EVERY), 1
        result = a_round(catalog, x_of, ids)
        for _ in range(MAX_BATCHES):
            target = len(catalog.labels(SET)) + batch
            while len(catalog.labels(SET)) < target:
                queue = build_queue(catalog, QueueSpec(SET, show="unlabelled", tags=TAG_FILTER))
                queue = reorder(queue, 0, set(), result, surest(CLEAN))
                page = [r.id for r in queue[:PAGE] if r.id in result.scores]
                if not page:
                    break
                exceptions = person.take_page(catalog, page)
                if loop.note_labels(len(page)):
                    loop.start()
                    result = a_round(catalog, x_of, ids)
                    rounds += 1
                    loop.finish(result)
                if exceptions > STOP_EXCEPTIONS * len(page):
                    break
            result = a_round(catalog, x_of, ids)              # the model of the split
            rounds += 1
            for i in draw_spot_check(catalog, spec, SPOT, seed=seed + rounds):
                person.label(catalog, i)                        # a second look, a key each
                record_checks(catalog, [i])
            f = funnel(catalog, spec)
            if f.precision is not None and f.precision >= TRUST or f.predicted_clean == 0:
                break
        out = measure(catalog, rows, person, truth)
        out["rounds"] = rounds
        return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--posts", type=int, default=3000)
    p.add_argument("--chibi", type=float, default=0.2)
    p.add_argument("--multiple", type=float, default=0.07)
    p.add_argument("--other", type=float, default=0.03)
    args = p.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ganime-funnel-") as tmp:
        root = Path(tmp)
        csv_path = generate(root / "posts", args.posts, args.seed, args)
        features, evaluation = train_backbone(root, args)
        seed_project, rows = new_project(root, "seed", root / "posts", csv_path)
        app_project, app_rows = new_project(root, "app", root / "posts", csv_path)
        paths = [str(root / "posts" / r["file"]) for r in rows]
        x = features(paths)
        x_seed = {r["file_id"]: v for r, v in zip(rows, x)}
        x_app = {r["file_id"]: v for r, v in zip(app_rows, x)}
        truth_seed = {r["file_id"]: usable(r) for r in rows}
        truth_app = {r["file_id"]: usable(r) for r in app_rows}
        share = sum(truth_seed.values()) / len(rows)
        per_class = evaluation.get("per_class_accuracy") or {}
        balanced = np.mean(list(per_class.values())) if isinstance(per_class, dict) and per_class \
            else float("nan")
        print(f"posts {len(rows)}: usable {share:.1%}; backbone tiny_cnn from scratch on 600 other "
              f"figures, {SIZE} px (its own validation: accuracy {evaluation['accuracy']:.1%}, "
              f"balanced {balanced:.1%})")
        seed = seed_protocol(seed_project, rows, x_seed, truth_seed, args.seed)
        app = app_protocol(app_project, app_rows, x_app, truth_app, args.seed)
    for name, r in (("seed protocol", seed), ("app protocol", app)):
        est = "" if r["estimate"] is None else (
            f", estimate {r['estimate']:.3f} [{r['low']:.3f}, {r['high']:.3f}]")
        print(f"{name}: keys {r['keys']}, shown {r['shown']}, clean set {r['clean']}, "
              f"precision {r['precision']:.3f}, recall {r['recall']:.3f}, "
              f"keys/clean {r['keys'] / max(1, r['clean']):.3f}, "
              f"shown/clean {r['shown'] / max(1, r['clean']):.3f}{est}"
              + (f", learn rounds {r['rounds']}" if "rounds" in r else ""))
    keys_ratio = (app["keys"] / max(1, app["clean"])) / (seed["keys"] / max(1, seed["clean"]))
    shown_ratio = (app["shown"] / max(1, app["clean"])) / (seed["shown"] / max(1, seed["clean"]))
    ok = app["low"] is not None and app["low"] <= app["precision"] <= app["high"]
    print(f"time {time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.1f}")
    print(f"funnel: precision={app['precision']:.3f} recall={app['recall']:.3f} "
          f"keys_ratio={keys_ratio:.2f} shown_ratio={shown_ratio:.2f} "
          f"interval_ok={'yes' if ok else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
