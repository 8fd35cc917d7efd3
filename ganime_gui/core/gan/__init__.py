"""Train a GAN on the cleaned image set: dataset preparation, models, trainer, metrics.

Importing this package imports no TensorFlow: ``dataset`` needs only numpy and Pillow, and the
modules that need TensorFlow (``models``, ``augment``, ``train``, ``metrics``, ``distribute``)
import it inside their functions through :func:`ganime_gui.core.tfsetup.import_tensorflow`.
"""
