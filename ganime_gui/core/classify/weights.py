"""ImageNet weights files for the backbones, fetched by the app itself and handed to Keras as a path.

Keras would download them inside ``keras.applications`` through a private helper with its own
console bar. Here the same files (same URLs, same names, same folder: ``~/.keras/models``, or
``$KERAS_HOME/models``) are streamed with progress and Stop, written atomically (a stopped or
failed download leaves no half file that a later run would trust) and checked against Keras's
own md5 where it publishes one. Offline, the error names the file, where to get it and where to
put it, so a user can copy it in by hand.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ganime_gui.core.fsutil import atomic_write
from ganime_gui.core.jobs import (JobEvent, ProgressFn, UserError, check_cancelled, never_cancelled,
                                  no_progress)

STORAGE = "https://storage.googleapis.com/"  # where Keras's application weights live
MOBILENET_V2_SIZES = (96, 128, 160, 192, 224)  # the input sizes MobileNetV2 has ImageNet weights for
CHUNK = 1 << 16
REPORT_EVERY = 1 << 20  # bytes between two progress reports (a VGG16 file is 58 MB)


@dataclass(frozen=True)
class WeightsDownload(JobEvent):
    """Bytes of an ImageNet weights file received so far (``total`` 0 when the server gave no size)."""

    filename: str
    done: int
    total: int


@dataclass(frozen=True)
class WeightsFile:
    filename: str
    url: str
    md5: str | None  # Keras's published hash; None where Keras has none (MobileNetV2)


def imagenet_file(backbone: str, size: int) -> WeightsFile:
    """The no-top ImageNet weights file Keras uses for ``backbone`` at input ``size``."""
    base = STORAGE + "tensorflow/keras-applications/"
    if backbone == "vgg16":
        name = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
        return WeightsFile(name, f"{base}vgg16/{name}", "6d6bbae143d832006294945121d1f1fc")
    if backbone == "resnet50":
        name = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
        return WeightsFile(name, f"{base}resnet/{name}", "4d473c1dd8becc155b73f8504c6f6626")
    if backbone == "mobilenet_v2":
        rows = size if size in MOBILENET_V2_SIZES else 224  # Keras falls back to the 224 px weights too
        name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{rows}_no_top.h5"
        return WeightsFile(name, f"{base}mobilenet_v2/{name}", None)
    if backbone == "efficientnet_b0":
        name = "efficientnetb0_notop.h5"
        return WeightsFile(name, f"{STORAGE}keras-applications/{name}", "50bc09e76180e00e4465e1a485ddc09d")
    raise UserError(f"There are no ImageNet weights for the backbone '{backbone}'; "
                    "train it with weights: none.")


def keras_models_dir() -> Path:
    """Where Keras keeps downloaded weights: ``$KERAS_HOME/models``, else ``~/.keras/models``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def offline_message(file: WeightsFile, folder: Path, detail: str) -> str:
    return (f"Could not download the ImageNet weights file {file.filename} ({detail}). Check the internet "
            f"connection and train again, or get the file on another machine from {file.url} and put it in "
            f"{folder}; or choose 'Load weights file…' (a Keras .h5 file of this backbone without its top), "
            "or train with weights: none (from scratch; that needs many more labels).")


def ensure_imagenet_weights(backbone: str, size: int, progress: ProgressFn = no_progress,
                            cancelled: Callable[[], bool] = never_cancelled) -> Path:
    """The local path of the backbone's ImageNet weights, downloading them the first time."""
    file = imagenet_file(backbone, size)
    folder = keras_models_dir()
    target = folder / file.filename
    if target.is_file() and target.stat().st_size > 0:
        return target
    try:
        download(file.url, target, md5=file.md5, progress=progress, cancelled=cancelled)
    except DownloadError as exc:
        raise UserError(offline_message(file, folder, str(exc))) from exc
    return target


class DownloadError(Exception):
    """The download failed (network, HTTP status, or a file that does not match its hash)."""


def download(url: str, target: str | os.PathLike, *, md5: str | None = None,
             progress: ProgressFn = no_progress, cancelled: Callable[[], bool] = never_cancelled,
             timeout: float = 30.0) -> None:
    """Stream ``url`` into ``target`` atomically, reporting :class:`WeightsDownload` events.

    Raises :class:`DownloadError` (nothing written), :class:`JobCancelled` (nothing written).
    """
    import requests

    target = Path(target)
    try:
        response = requests.get(url, stream=True, timeout=timeout)
    except requests.RequestException as exc:
        raise DownloadError(_short(exc)) from exc
    with response:
        if response.status_code != 200:
            raise DownloadError(f"the server answered HTTP {response.status_code}")
        total = int(response.headers.get("Content-Length") or 0)
        digest = hashlib.md5(usedforsecurity=False)
        done = reported = 0
        progress(0, total, f"Downloading {target.name}", event=WeightsDownload(target.name, 0, total))
        try:
            with atomic_write(target) as fh:
                for chunk in response.iter_content(CHUNK):
                    check_cancelled(cancelled)
                    fh.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if done - reported >= REPORT_EVERY:
                        reported = done
                        progress(done, total, f"Downloading {target.name}",
                                 event=WeightsDownload(target.name, done, total))
                progress(done, total, f"Downloaded {target.name}",
                         event=WeightsDownload(target.name, done, total))
                if total and done != total:
                    raise DownloadError(f"the connection closed after {done} of {total} bytes")
                if md5 is not None and digest.hexdigest() != md5:
                    raise DownloadError("the file received does not match its published checksum")
        except requests.RequestException as exc:
            raise DownloadError(_short(exc)) from exc


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "…"
