"""GANime Studio: crawl, sort, classify and GAN-train full-body anime character images."""

__version__ = "0.1.0"
APP_NAME = "GANime Studio"
ORG_NAME = "GANime"
