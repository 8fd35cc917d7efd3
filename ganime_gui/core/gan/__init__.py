"""Train a GAN on the cleaned image set: dataset preparation, models, trainer, metrics.

Importing any module here imports no TensorFlow: the ones that need it (``models``, ``augment``,
``distribute``, the trainer's ``build`` and the metrics' feature networks) import it inside
functions through :func:`ganime_gui.core.tfsetup.import_tensorflow`, when a job runs.

    config       GanConfig and the architecture presets (why the defaults: docs/gan.md)
    dataset      pad / resize / scale images into a cached memory-mapped .npy; batches; exports
    selection    which images, by catalog label
    models       generator and discriminator (Keras 3)
    augment      DiffAugment with a strength p
    distribute   MirroredStrategy when there are several GPUs
    train        GanTrainer: the training job, checkpoints, previews, run log
    runs         a run folder's layout and readers (the GUI's view of a run)
    metrics      KID / FID and their feature networks
    interpolate  latent walks as GIF or strip
"""
