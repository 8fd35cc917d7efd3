"""Draw the app icon and write resources/ganime.{png,ico,icns}. Run once when the icon changes."""
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "resources"


def draw(size: int = 1024) -> Image.Image:
    s = size / 256
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    # background: rounded square with a vertical gradient
    grad = Image.new("RGBA", (size, size))
    gd = ImageDraw.Draw(grad)
    for y in range(size):
        t = y / size
        gd.line([(0, y), (size, y)], fill=(int(88 + 150 * t), int(60 + 40 * t), int(200 - 60 * t), 255))
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle([8 * s, 8 * s, 248 * s, 248 * s], radius=48 * s, fill=255)
    img.paste(grad, (0, 0), mask)
    white = (255, 255, 255, 255)
    hair = (40, 30, 70, 255)
    # a standing full-body figure: hair, head, dress, arms, legs
    d.ellipse([100 * s, 34 * s, 156 * s, 92 * s], fill=hair)
    d.rectangle([100 * s, 60 * s, 156 * s, 118 * s], fill=hair)
    d.ellipse([106 * s, 44 * s, 150 * s, 90 * s], fill=(255, 228, 210, 255))
    d.polygon([(128 * s, 92 * s), (96 * s, 176 * s), (160 * s, 176 * s)], fill=white)
    d.line([(116 * s, 104 * s), (96 * s, 150 * s)], fill=white, width=int(9 * s))
    d.line([(140 * s, 104 * s), (160 * s, 150 * s)], fill=white, width=int(9 * s))
    d.line([(116 * s, 176 * s), (114 * s, 224 * s)], fill=white, width=int(10 * s))
    d.line([(140 * s, 176 * s), (142 * s, 224 * s)], fill=white, width=int(10 * s))
    # a frame corner: the "dataset" viewfinder
    for (x, y, dx, dy) in [(36, 36, 1, 1), (220, 36, -1, 1), (36, 220, 1, -1), (220, 220, -1, -1)]:
        d.line([(x * s, y * s), ((x + 24 * dx) * s, y * s)], fill=white, width=int(6 * s))
        d.line([(x * s, y * s), (x * s, (y + 24 * dy) * s)], fill=white, width=int(6 * s))
    return img


def main() -> None:
    big = draw()
    big.resize((256, 256), Image.LANCZOS).save(OUT / "ganime.png")
    big.resize((256, 256), Image.LANCZOS).save(
        OUT / "ganime.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    big.save(OUT / "ganime.icns")


if __name__ == "__main__":
    main()
