"""What a trained classifier's validation results mean, in numbers and in words.

Accuracy alone flatters a model on unbalanced labels: with 75% ``not_chibi``, a model that says
``not_chibi`` for everything scores 75%. So every result carries balanced accuracy (the mean of the
per-class recalls) and the recall of each class, and :func:`describe` says in words when a model
predicts only one class. Everything is derived from the confusion matrix, so models saved before
these numbers existed are described the same way.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

REVIEW_ITEMS = 48  # validation images listed as wrong / least sure
FROM_SCRATCH_LABELS = 2000  # below this, training from scratch rarely beats ImageNet features


def metrics_from_confusion(confusion: Sequence[Sequence[int]], class_names: Sequence[str]) -> dict[str, Any]:
    """Accuracy, balanced accuracy, per-class recall and precision, and the single class predicted (if so).

    ``confusion`` rows are the true class, columns the predicted one. Classes without validation
    images have recall None and do not count in the balanced accuracy.
    """
    c = np.asarray(confusion, np.int64).reshape(len(class_names), len(class_names))
    total = int(c.sum())
    true_n, pred_n = c.sum(1), c.sum(0)
    recall = {name: (float(c[i, i] / true_n[i]) if true_n[i] else None) for i, name in enumerate(class_names)}
    precision = {name: (float(c[i, i] / pred_n[i]) if pred_n[i] else None)
                 for i, name in enumerate(class_names)}
    present = [r for r in recall.values() if r is not None]
    predicted = [name for i, name in enumerate(class_names) if pred_n[i]]
    only = predicted[0] if total and len(predicted) == 1 and len(class_names) > 1 else None
    return {
        "accuracy": float(np.trace(c) / total) if total else None,
        "balanced_accuracy": float(np.mean(present)) if present else None,
        "per_class_recall": recall,
        "per_class_precision": precision,
        "predicted_counts": {name: int(pred_n[i]) for i, name in enumerate(class_names)},
        "true_counts": {name: int(true_n[i]) for i, name in enumerate(class_names)},
        "only_predicts": only,
        "only_share": float(true_n[class_names.index(only)] / total) if only else None,
    }


def evaluate(class_names: Sequence[str], val_paths: Sequence[str], labels: np.ndarray, probs: np.ndarray,
             review_items: int = REVIEW_ITEMS) -> dict[str, Any]:
    """Confusion matrix, the metrics above, and the validation images wrong or least sure."""
    names = list(class_names)
    k = len(names)
    y = np.asarray(labels, np.int64)
    pred = probs.argmax(1)
    confusion = np.zeros((k, k), np.int64)  # rows: true class, columns: predicted
    np.add.at(confusion, (y, pred), 1)
    metrics = metrics_from_confusion(confusion, names)
    p_true = probs[np.arange(len(y)), y]
    top2 = np.sort(probs, axis=1)[:, -2:] if k >= 2 else np.ones((len(y), 2))
    margin = top2[:, 1] - top2[:, 0]

    def item(i: int) -> dict[str, Any]:
        return {"path": val_paths[i], "true": names[y[i]], "predicted": names[pred[i]],
                "confidence": float(probs[i, pred[i]]), "p_true": float(p_true[i]),
                "probabilities": [float(v) for v in probs[i]]}

    wrong = [i for i in np.argsort(p_true) if pred[i] != y[i]][:review_items]
    right = [i for i in np.argsort(margin) if pred[i] == y[i]]
    least_sure = right[:max(0, review_items - len(wrong))]
    return {"class_names": names, "confusion": confusion.tolist(),
            "per_class_accuracy": metrics["per_class_recall"],  # the name older sidecars used
            **metrics, "wrong": [item(i) for i in wrong], "least_sure": [item(i) for i in least_sure]}


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1%}"


def one_class_warning(metrics: dict[str, Any]) -> str:
    """'' or the sentence saying the model predicts one class for every validation image."""
    only = metrics.get("only_predicts")
    if not only:
        return ""
    return (f"Predicts {only} for everything: {_pct(metrics['accuracy'])} is the share of that class, "
            "not something it learned. Label more images of the other class(es), train longer, or use "
            "ImageNet weights.")


def describe(evaluation: dict[str, Any]) -> list[str]:
    """The result in a few lines: accuracies, recall per class, and the one-class warning if any."""
    names = evaluation.get("class_names") or []
    confusion = evaluation.get("confusion") or []
    if not names or not confusion:
        return []
    m = metrics_from_confusion(confusion, names)
    lines = [f"Validation accuracy {_pct(m['accuracy'])}  ·  "
             f"balanced accuracy {_pct(m['balanced_accuracy'])}",
             "Recall: " + "  ·  ".join(f"{c} {_pct(r)}" for c, r in m["per_class_recall"].items())]
    warning = one_class_warning(m)
    if warning:
        lines.append(warning)
    return lines


def from_scratch_note(weights_label: str, n_labels: int) -> str:
    """'' or the note that a backbone trained from scratch needs many more labels than it had."""
    if weights_label != "none" or n_labels >= FROM_SCRATCH_LABELS:
        return ""
    return (f"Trained from scratch on {n_labels} labelled images: from scratch a network needs many more "
            f"labels (thousands) than with ImageNet weights, which learn from a few hundred.")
