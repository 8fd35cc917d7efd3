"""The GAN tab's widgets (the tab itself is ``ganime_gui.ui.gan_tab``)."""
