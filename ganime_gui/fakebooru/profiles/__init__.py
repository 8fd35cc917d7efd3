"""One module per imitated site. ``PROFILES`` maps a profile name to its class."""
from __future__ import annotations

from ganime_gui.fakebooru.profiles.danbooru import Danbooru
from ganime_gui.fakebooru.profiles.gelbooru import Gelbooru
from ganime_gui.fakebooru.profiles.moebooru import Moebooru
from ganime_gui.fakebooru.profiles.safebooru import Safebooru

PROFILES = {cls.name: cls for cls in (Safebooru, Gelbooru, Danbooru, Moebooru)}
