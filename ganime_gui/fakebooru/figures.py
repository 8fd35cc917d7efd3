"""Seeded, procedural anime-style character pictures with known ground truth.

A picture shows one or two standing characters (head, hair, face, torso, arms, legs, clothes,
shoes) on a white, plain-coloured or busy background, in full body or cropped to the upper body.
Chibi characters have a head of 1/3 to 1/2 of their height, normal ones 1/8 to 1/6, so a small
CNN can tell them apart at 64 px while colours, poses, positions and scale vary.

Public API: :class:`FigureSpec` (the ground truth, with :meth:`FigureSpec.tags`),
:func:`random_spec`, :func:`draw_figure`, :func:`figure_size` and :func:`write_image_folder`.
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
import pathlib
import random
from dataclasses import dataclass, field, replace
from typing import Iterable

from PIL import Image, ImageDraw

HAIR_COLORS: dict[str, tuple[int, int, int]] = {
    "black": (35, 32, 40), "brown": (110, 70, 40), "blonde": (240, 210, 110),
    "red": (200, 40, 40), "orange": (240, 140, 50), "pink": (245, 150, 190),
    "purple": (140, 80, 180), "blue": (60, 100, 210), "aqua": (90, 210, 210),
    "green": (70, 160, 80), "grey": (150, 150, 155), "silver": (200, 200, 215),
}
EYE_COLORS: dict[str, tuple[int, int, int]] = {
    "blue": (50, 90, 200), "red": (190, 30, 40), "green": (40, 150, 60), "brown": (100, 60, 30),
    "purple": (130, 60, 170), "yellow": (220, 180, 30), "black": (20, 20, 20),
}
CLOTH_COLORS: dict[str, tuple[int, int, int]] = {
    "red": (210, 50, 50), "blue": (50, 80, 200), "green": (50, 150, 70), "yellow": (240, 210, 60),
    "pink": (240, 140, 180), "purple": (130, 70, 170), "black": (40, 40, 45),
    "white": (245, 245, 245), "orange": (240, 130, 40), "grey": (130, 130, 135),
    "brown": (120, 80, 45),
}
BACKGROUND_COLORS: dict[str, tuple[int, int, int]] = {
    "grey": (200, 200, 205), "pink": (250, 215, 225), "blue": (200, 220, 250),
    "yellow": (250, 240, 190), "green": (205, 240, 205), "purple": (225, 210, 245),
    "orange": (252, 220, 185),
}
SKIN_TONES = ((255, 228, 210), (250, 215, 190), (235, 195, 160), (200, 150, 115))
HAIR_STYLES = ("long", "short", "twintails", "ponytail")
OUTFITS = ("dress", "skirt", "pants")
POSES = ("standing", "arms_up", "waving", "outstretched_arms", "hands_on_hips")
BACKGROUNDS = ("white", "simple", "busy")
CROPS = ("full", "upper")

# Tags a real booru would carry on such a picture without them being visible in it; also the
# pool that tag noise adds from.
FLAVOUR_TAGS = ("looking_at_viewer", "smile", "blush", "open_mouth", "bangs", "hair_ornament",
                "bow", "ribbon", "original", "highres", "long_sleeves", "closed_mouth")

OUTLINE = (40, 30, 35)


@dataclass(frozen=True)
class Look:
    """How one character looks: colours, hair, clothes and pose."""
    hair_color: str = "brown"
    hair_style: str = "long"
    eye_color: str = "blue"
    outfit: str = "dress"
    top_color: str = "blue"
    bottom_color: str = "blue"
    pose: str = "standing"
    skin: int = 0


@dataclass(frozen=True)
class FigureSpec:
    """The ground truth of one picture. The first character's look is in the flat fields;
    ``others`` holds the looks of any further characters (derived when left empty)."""
    chibi: bool = False
    n_characters: int = 1
    background: str = "white"          # white | simple | busy
    crop: str = "full"                 # full | upper
    hair_color: str = "brown"
    hair_style: str = "long"
    eye_color: str = "blue"
    outfit: str = "dress"              # dress | skirt | pants
    top_color: str = "blue"
    bottom_color: str = "blue"
    pose: str = "standing"
    skin: int = 0
    head_ratio: float = 1 / 7          # head (with hair) height / character height
    scale: float = 0.85                # character height / picture height (full crop)
    x_jitter: float = 0.0              # -1..1: where in its slot a character stands
    background_color: str = "white"    # a BACKGROUND_COLORS name for 'simple'
    others: tuple[Look, ...] = field(default=())

    def looks(self) -> list[Look]:
        first = Look(self.hair_color, self.hair_style, self.eye_color, self.outfit,
                     self.top_color, self.bottom_color, self.pose, self.skin)
        looks = [first, *self.others[: self.n_characters - 1]]
        names = list(HAIR_COLORS)
        while len(looks) < self.n_characters:  # derived, so a hand-built spec still draws
            shift = names.index(self.hair_color) + 3 * len(looks)
            looks.append(replace(first, hair_color=names[shift % len(names)]))
        return looks

    def tags(self, noise: float = 0.0, seed: int = 0) -> list[str]:
        """Tags that agree with the picture, sorted. ``noise`` (0..1) is the chance that each
        tag is dropped and that an unrelated flavour tag is added, drawn from ``seed``."""
        tags = {"1girl", "solo"} if self.n_characters == 1 else {
            f"{self.n_characters}girls", "multiple_girls"}
        if self.crop == "full":
            tags |= {"full_body", "standing"}
        else:
            tags.add("upper_body")
        if self.chibi:
            tags.add("chibi")
        if self.background == "white":
            tags |= {"white_background", "simple_background"}
        elif self.background == "simple":
            tags |= {"simple_background", f"{self.background_color}_background"}
        else:
            tags.add("outdoors")
        for look in self.looks():
            tags |= {f"{look.hair_color}_hair", f"{look.eye_color}_eyes"}
            tags.add({"long": "long_hair", "short": "short_hair", "twintails": "twintails",
                      "ponytail": "ponytail"}[look.hair_style])
            if look.outfit == "dress":
                tags |= {"dress", f"{look.top_color}_dress"}
            elif look.outfit == "skirt":
                tags |= {"skirt", f"{look.bottom_color}_skirt", "shirt", f"{look.top_color}_shirt"}
            else:
                tags |= {"pants", "shirt", f"{look.top_color}_shirt"}
            if look.pose != "standing":
                tags.add(look.pose)
        if noise > 0:
            rng = random.Random(seed)
            tags = {t for t in sorted(tags) if rng.random() >= noise}
            if rng.random() < noise * 4:
                tags.add(rng.choice(FLAVOUR_TAGS))
        return sorted(tags)


def _rng(rng) -> random.Random:
    if isinstance(rng, random.Random):
        return rng
    if hasattr(rng, "integers"):  # a numpy Generator
        return random.Random(int(rng.integers(0, 2**63)))
    return random.Random(rng)


def _random_look(rng: random.Random) -> Look:
    outfit = rng.choice(OUTFITS)
    top = rng.choice(list(CLOTH_COLORS))
    bottom = top if outfit == "dress" else rng.choice(list(CLOTH_COLORS))
    return Look(hair_color=rng.choice(list(HAIR_COLORS)), hair_style=rng.choice(HAIR_STYLES),
                eye_color=rng.choice(list(EYE_COLORS)), outfit=outfit, top_color=top,
                bottom_color=bottom, pose=rng.choice(POSES) if rng.random() < 0.5 else "standing",
                skin=rng.randrange(len(SKIN_TONES)))


def random_spec(rng, *, chibi_fraction: float = 0.3, two_characters: float = 0.1,
                busy: float = 0.1, upper_body: float = 0.1, simple: float = 0.15) -> FigureSpec:
    """A random spec. ``rng`` is a ``random.Random``, an int seed or a numpy Generator; the
    keyword arguments are the probabilities of each kind of picture."""
    rng = _rng(rng)
    chibi = rng.random() < chibi_fraction
    n = 2 if rng.random() < two_characters else 1
    u = rng.random()
    background = "busy" if u < busy else "simple" if u < busy + simple else "white"
    crop = "upper" if rng.random() < upper_body else "full"
    looks = [_random_look(rng) for _ in range(n)]
    head_ratio = 1 / rng.uniform(2.0, 3.0) if chibi else 1 / rng.uniform(6.0, 8.0)
    first = looks[0]
    return FigureSpec(chibi=chibi, n_characters=n, background=background, crop=crop,
                      hair_color=first.hair_color, hair_style=first.hair_style,
                      eye_color=first.eye_color, outfit=first.outfit, top_color=first.top_color,
                      bottom_color=first.bottom_color, pose=first.pose, skin=first.skin,
                      head_ratio=head_ratio, scale=rng.uniform(0.7, 0.94),
                      x_jitter=rng.uniform(-1, 1),
                      background_color=rng.choice(list(BACKGROUND_COLORS)),
                      others=tuple(looks[1:]))


def figure_size(spec: FigureSpec, height: int, rng=None) -> tuple[int, int]:
    """A plausible (width, height) for a picture of ``spec`` of the given height: portrait for
    one character, wider for two or for an upper-body crop."""
    rng = _rng(rng if rng is not None else height)
    aspect = rng.uniform(0.55, 0.8) if spec.n_characters == 1 else rng.uniform(0.95, 1.35)
    if spec.crop == "upper":
        aspect += 0.15
    return max(16, round(height * aspect)), height


# ---------------------------------------------------------------------------------------------
# Drawing


def _darker(color, f=0.7):
    return tuple(int(c * f) for c in color)


def _arm_angles(pose: str, rng: random.Random) -> tuple[float, float]:
    """Angles (degrees from straight down, outwards positive) of the left and right arm."""
    base = rng.uniform(8, 18)
    if pose == "arms_up":
        return 155 + rng.uniform(-10, 10), 155 + rng.uniform(-10, 10)
    if pose == "waving":
        return base, 135 + rng.uniform(-10, 15)
    if pose == "outstretched_arms":
        return 90 + rng.uniform(-8, 8), 90 + rng.uniform(-8, 8)
    return base, base + rng.uniform(-4, 4)


class _Body:
    """Proportions of one character of total height ``h`` with its feet at (cx, feet_y)."""

    def __init__(self, h: float, head_ratio: float, chibi: bool):
        self.h = h
        self.head_h = h * head_ratio
        self.head_w = self.head_h * (0.95 if chibi else 0.8)
        body = h - self.head_h
        self.neck = body * (0.02 if chibi else 0.04)
        self.torso = body * (0.42 if chibi else 0.38)
        self.legs = body - self.neck - self.torso
        self.shoulder_w = self.head_h * (0.62 if chibi else 1.45)
        self.limb_w = self.shoulder_w * (0.26 if chibi else 0.17)  # >= 1 px only when drawn
        self.arm = self.torso * (1.0 if chibi else 1.3)

    def span(self, pose: str) -> float:
        """Approximate width the character takes (arms included)."""
        reach = {"outstretched_arms": 1.0, "waving": 0.75, "arms_up": 0.45,
                 "hands_on_hips": 0.5}.get(pose, 0.3)
        return max(self.head_w * 1.7, self.shoulder_w + 2 * (self.arm * reach + self.limb_w))

    def reach_up(self, pose: str) -> float:
        """How far raised hands go above the top of the head."""
        if pose not in ("arms_up", "waving"):
            return 0.0
        return max(0.0, self.arm * 0.95 - self.head_h - self.neck) + self.limb_w


def _draw_background(draw: ImageDraw.ImageDraw, spec: FigureSpec, w: int, h: int,
                     rng: random.Random) -> None:
    if spec.background == "white":
        draw.rectangle([0, 0, w, h], fill=(255, 255, 255))
        return
    if spec.background == "simple":
        draw.rectangle([0, 0, w, h], fill=BACKGROUND_COLORS[spec.background_color])
        return
    # busy: sky, ground, clouds, trees, houses and scattered flowers
    sky = (rng.randint(120, 190), rng.randint(170, 220), 250)
    ground_y = h * rng.uniform(0.6, 0.8)
    draw.rectangle([0, 0, w, h], fill=sky)
    draw.rectangle([0, ground_y, w, h], fill=(rng.randint(60, 120), rng.randint(140, 190), 70))
    for _ in range(rng.randint(2, 4)):
        x, y, r = rng.uniform(0, w), rng.uniform(0, ground_y * 0.5), rng.uniform(0.05, 0.12) * w
        draw.ellipse([x - r * 1.6, y - r * 0.7, x + r * 1.6, y + r * 0.7], fill=(250, 250, 252))
    for _ in range(rng.randint(2, 5)):
        x, bw = rng.uniform(0, w), rng.uniform(0.08, 0.2) * w
        top = ground_y - rng.uniform(0.15, 0.4) * h
        if rng.random() < 0.5:  # a house
            draw.rectangle([x, top, x + bw, ground_y],
                           fill=tuple(rng.randint(150, 240) for _ in range(3)), outline=OUTLINE)
            draw.polygon([(x - bw * 0.1, top), (x + bw / 2, top - bw * 0.5), (x + bw * 1.1, top)],
                         fill=(rng.randint(140, 200), 60, 50))
        else:  # a tree
            draw.rectangle([x + bw * 0.4, top + bw * 0.5, x + bw * 0.6, ground_y], fill=(110, 70, 40))
            draw.ellipse([x, top - bw * 0.3, x + bw, top + bw * 0.9], fill=(40, rng.randint(110, 160), 50))
    for _ in range(rng.randint(6, 14)):
        x, y = rng.uniform(0, w), rng.uniform(ground_y, h)
        r = rng.uniform(0.005, 0.015) * h + 1
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(rng.randint(150, 255) for _ in range(3)))


def _draw_character(draw: ImageDraw.ImageDraw, look: Look, body: _Body, chibi: bool,
                    cx: float, feet_y: float, lw: int, rng: random.Random) -> None:
    skin = SKIN_TONES[look.skin % len(SKIN_TONES)]
    hair = HAIR_COLORS[look.hair_color]
    top_c = CLOTH_COLORS[look.top_color]
    bottom_c = CLOTH_COLORS[look.bottom_color]
    b = body
    head_top = feet_y - b.h
    head_bot = head_top + b.head_h
    shoulder_y = head_bot + b.neck
    waist_y = shoulder_y + b.torso * 0.7
    hip_y = shoulder_y + b.torso
    hw = b.head_w
    limb = max(1, round(b.limb_w))

    # hair behind the body
    if look.hair_style == "long":
        draw.rounded_rectangle([cx - hw * 0.6, head_top + b.head_h * 0.3, cx + hw * 0.6,
                                shoulder_y + b.torso * rng.uniform(0.4, 0.9)],
                               radius=hw * 0.3, fill=hair, outline=OUTLINE, width=lw)
    elif look.hair_style == "ponytail":
        side = rng.choice((-1, 1))
        draw.ellipse([cx + side * hw * 0.35 - hw * 0.28, head_top + b.head_h * 0.2,
                      cx + side * hw * 0.35 + hw * 0.28, head_bot + b.torso * 0.5],
                     fill=hair, outline=OUTLINE, width=lw)
    elif look.hair_style == "twintails":
        for side in (-1, 1):
            x = cx + side * hw * 0.62
            draw.ellipse([x - hw * 0.2, head_top + b.head_h * 0.25, x + hw * 0.2,
                          head_bot + b.torso * 0.6], fill=hair, outline=OUTLINE, width=lw)

    # legs and shoes
    leg_gap = b.shoulder_w * rng.uniform(0.12, 0.22)
    spread = b.legs * rng.uniform(0.0, 0.12)
    shoe = _darker(CLOTH_COLORS[rng.choice(("black", "brown", "red", "white"))], 0.9)
    leg_color = bottom_c if look.outfit == "pants" else skin
    for side in (-1, 1):
        hip = (cx + side * leg_gap, hip_y)
        foot = (cx + side * (leg_gap + spread), feet_y - limb * 0.6)
        draw.line([hip, foot], fill=OUTLINE, width=limb + 2 * lw)
        draw.line([hip, foot], fill=leg_color, width=limb)
        draw.ellipse([foot[0] - limb * 0.9 + side * limb * 0.3, foot[1] - limb * 0.5,
                      foot[0] + limb * 0.9 + side * limb * 0.3, feet_y + limb * 0.2],
                     fill=shoe, outline=OUTLINE, width=lw)

    # torso
    sw, ww, hpw = b.shoulder_w / 2, b.shoulder_w * 0.36, b.shoulder_w * 0.42
    draw.polygon([(cx - sw, shoulder_y), (cx + sw, shoulder_y), (cx + ww, waist_y),
                  (cx + hpw, hip_y), (cx - hpw, hip_y), (cx - ww, waist_y)],
                 fill=top_c, outline=OUTLINE, width=lw)
    # dress / skirt / pants top
    if look.outfit in ("dress", "skirt"):
        length = b.legs * (rng.uniform(0.45, 0.7) if look.outfit == "dress" else rng.uniform(0.25, 0.4))
        flare = b.shoulder_w * rng.uniform(0.55, 0.85)
        color = top_c if look.outfit == "dress" else bottom_c
        draw.polygon([(cx - ww, waist_y), (cx + ww, waist_y), (cx + flare, hip_y + length),
                      (cx - flare, hip_y + length)], fill=color, outline=OUTLINE, width=lw)
    else:
        draw.rectangle([cx - hpw, waist_y, cx + hpw, hip_y + limb * 0.5], fill=bottom_c)

    # arms: sleeve-coloured upper arm, skin-coloured forearm, a hand
    left, right = _arm_angles(look.pose, rng)
    for side, angle in ((-1, left), (1, right)):
        shoulder = (cx + side * (sw - limb * 0.4), shoulder_y + limb * 0.5)
        if look.pose == "hands_on_hips":
            elbow = (shoulder[0] + side * b.arm * 0.45, shoulder[1] + b.arm * 0.35)
            hand = (cx + side * ww * 1.1, waist_y)
        else:
            a = math.radians(angle)
            dx, dy = side * math.sin(a), math.cos(a)
            elbow = (shoulder[0] + dx * b.arm * 0.5, shoulder[1] + dy * b.arm * 0.5)
            hand = (shoulder[0] + dx * b.arm, shoulder[1] + dy * b.arm)
        draw.line([shoulder, elbow, hand], fill=OUTLINE, width=limb + 2 * lw, joint="curve")
        draw.line([elbow, hand], fill=skin, width=limb)
        draw.line([shoulder, elbow], fill=top_c, width=limb)
        r = limb * 0.6
        draw.ellipse([hand[0] - r, hand[1] - r, hand[0] + r, hand[1] + r], fill=skin,
                     outline=OUTLINE, width=lw)

    # neck, head, bangs, face
    draw.rectangle([cx - hw * 0.12, head_bot - b.head_h * 0.1, cx + hw * 0.12, shoulder_y + 1], fill=skin)
    face = [cx - hw / 2, head_top + b.head_h * 0.08, cx + hw / 2, head_bot]
    draw.ellipse(face, fill=skin, outline=OUTLINE, width=lw)
    bangs_low = head_top + b.head_h * rng.uniform(0.38, 0.5)
    draw.chord([cx - hw * 0.56, head_top, cx + hw * 0.56, 2 * bangs_low - head_top],
               180, 360, fill=hair, outline=OUTLINE, width=lw)
    if look.hair_style == "short":
        for side in (-1, 1):
            draw.ellipse([cx + side * hw * 0.5 - hw * 0.12, head_top + b.head_h * 0.25,
                          cx + side * hw * 0.5 + hw * 0.12, head_top + b.head_h * 0.8],
                         fill=hair, outline=OUTLINE, width=lw)
    eye_y = head_top + b.head_h * (0.62 if chibi else 0.6)
    ew, eh = hw * (0.15 if chibi else 0.12), b.head_h * (0.17 if chibi else 0.13)
    eye = EYE_COLORS[look.eye_color]
    for side in (-1, 1):
        ex = cx + side * hw * 0.2
        draw.ellipse([ex - ew / 2, eye_y - eh / 2, ex + ew / 2, eye_y + eh / 2], fill=eye)
    mouth_y = head_top + b.head_h * 0.82
    draw.line([(cx - hw * 0.06, mouth_y), (cx + hw * 0.06, mouth_y)], fill=(180, 60, 70),
              width=max(1, lw))


def draw_figure(spec: FigureSpec, width: int, height: int, seed: int = 0) -> Image.Image:
    """Draw ``spec`` as an RGB picture of ``width`` x ``height``. The same spec and seed give the
    same picture; other sizes give the same picture scaled (details come from ``seed`` only)."""
    rng = random.Random(seed)
    img = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    _draw_background(draw, spec, width, height, rng)
    looks = spec.looks()
    n = len(looks)
    slot = width / n
    probe = _Body(1.0, spec.head_ratio, spec.chibi)
    widest = max(probe.span(look.pose) for look in looks)
    if spec.crop == "full":
        fig_h = min(height * spec.scale, slot * 0.92 / widest)
        feet_y = min(height - 2, height * (1 - (1 - spec.scale) * rng.uniform(0.3, 0.6)))
        up = max(probe.reach_up(look.pose) for look in looks)
        fig_h = min(fig_h, feet_y * 0.97 / (1 + up))
    else:  # upper body: head and torso fill the picture, legs below it, arms may leave it
        shown = probe.head_h + probe.neck + probe.torso * (0.6 if spec.chibi else 1.15)
        shoulders = max(probe.head_w * 1.25, probe.shoulder_w * 1.3)
        fig_h = min(height * 0.95 / shown, slot * 0.95 / shoulders)
        feet_y = height * 0.05 + fig_h
    body = _Body(fig_h, spec.head_ratio, spec.chibi)
    lw = max(1, round(fig_h / (90 if spec.chibi else 160)))
    for i, look in enumerate(looks):
        free = max(0.0, slot - body.span(look.pose)) / 2
        cx = slot * (i + 0.5) + spec.x_jitter * free * 0.8 * (1 if i % 2 == 0 else -1)
        _draw_character(draw, look, body, spec.chibi, cx, feet_y, lw, rng)
    return img


# ---------------------------------------------------------------------------------------------
# Files

def encode_image(img: Image.Image, fmt: str) -> bytes:
    """Bytes of ``img`` as png, jpg or gif (fast settings: these are test pictures)."""
    buf = io.BytesIO()
    if fmt == "png":
        img.save(buf, "PNG", compress_level=1)
    elif fmt in ("jpg", "jpeg"):
        img.save(buf, "JPEG", quality=90)
    elif fmt == "gif":
        img.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(buf, "GIF")
    else:
        raise ValueError(f"unknown image format {fmt!r}")
    return buf.getvalue()


def near_duplicate(img: Image.Image, rng: random.Random) -> Image.Image:
    """A slightly changed copy: a few pixels cropped, rescaled, brightness nudged."""
    w, h = img.size
    dx, dy = rng.randint(0, max(1, w // 40)), rng.randint(0, max(1, h // 40))
    out = img.crop((dx, dy, w - rng.randint(0, max(1, w // 40)), h - rng.randint(0, max(1, h // 40))))
    out = out.resize((w, h), Image.Resampling.BILINEAR)
    shift = rng.randint(-8, 8)
    return out.point(lambda v: max(0, min(255, v + shift)))


GROUND_TRUTH_COLUMNS = ("file", "md5", "width", "height", "format", "chibi", "n_characters",
                        "background", "crop", "hair_color", "pose", "head_ratio",
                        "near_duplicate_of", "tags")


def write_image_folder(out_dir, count: int, seed: int, *, min_height: int = 500,
                       max_height: int = 1500, formats: Iterable[str] = ("png", "jpg", "gif"),
                       chibi_fraction: float = 0.3, near_duplicates: int = 0,
                       two_characters: float = 0.1, busy: float = 0.1, upper_body: float = 0.1,
                       simple: float = 0.15, tag_noise: float = 0.0) -> pathlib.Path:
    """Write ``count`` pictures (``near_duplicates`` of them near-copies of earlier ones) named
    ``<index>_<md5 prefix>.<ext>`` into ``out_dir`` and a ``ground_truth.csv`` (columns
    :data:`GROUND_TRUTH_COLUMNS`; chibi is 0/1, tags space-joined). Returns the CSV's path."""
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    formats = tuple(formats)
    rng = random.Random(seed)
    rows: list[dict] = []
    originals: list[tuple[Image.Image, dict, FigureSpec]] = []
    dup_at = set(rng.sample(range(1, count), min(near_duplicates, max(0, count - 1)))) if count > 1 else set()
    for i in range(count):
        fmt = formats[i % len(formats)] if len(formats) > 1 and rng.random() < 0.5 else rng.choice(formats)
        if i in dup_at and originals:
            src_img, src_row, spec = rng.choice(originals)
            img = near_duplicate(src_img, rng)
            dup_of = src_row["file"]
        else:
            spec = random_spec(rng, chibi_fraction=chibi_fraction, two_characters=two_characters,
                               busy=busy, upper_body=upper_body, simple=simple)
            w, h = figure_size(spec, rng.randint(min_height, max_height), rng)
            img = draw_figure(spec, w, h, seed=rng.getrandbits(32))
            dup_of = ""
        data = encode_image(img, fmt)
        md5 = hashlib.md5(data).hexdigest()
        name = f"{i:05d}_{md5[:8]}.{fmt}"
        (out / name).write_bytes(data)
        row = {"file": name, "md5": md5, "width": img.width, "height": img.height, "format": fmt,
               "chibi": int(spec.chibi), "n_characters": spec.n_characters,
               "background": spec.background, "crop": spec.crop, "hair_color": spec.hair_color,
               "pose": spec.pose, "head_ratio": f"{spec.head_ratio:.4f}",
               "near_duplicate_of": dup_of,
               "tags": " ".join(spec.tags(noise=tag_noise, seed=seed * 100003 + i))}
        rows.append(row)
        if not dup_of:
            originals.append((img, row, spec))
            if len(originals) > 64:  # keep memory bounded for big folders
                originals.pop(rng.randrange(len(originals)))
    csv_path = out / "ground_truth.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=GROUND_TRUTH_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return csv_path


def read_ground_truth(csv_path) -> list[dict]:
    """Rows of a ``ground_truth.csv`` with chibi as bool and numbers as int."""
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["chibi"] = row["chibi"] == "1"
        for key in ("width", "height", "n_characters"):
            row[key] = int(row[key])
    return rows
