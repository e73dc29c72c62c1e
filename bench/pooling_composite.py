"""docs/pooling_pair.png: the demo pair and the three pictures of `bench/optimizer_quality.sh
pooling-pictures` side by side, 192 px high, each labelled (needs Pillow: apt-get install python3-pil).

Usage: python3 bench/pooling_composite.py OUT_DIR SHARED_DIR docs/pooling_pair.png
"""
import sys

from PIL import Image, ImageDraw

out_dir, shared, target = sys.argv[1:4]
panels = [
    ("content (tubingen)", f"{shared}/images/tubingen.jpg"),
    ("style (starry night)", f"{shared}/images/starry_night.jpg"),
    ("max pooling, style-weight 100", f"{out_dir}/max.png"),
    ("avg pooling, style-weight 100", f"{out_dir}/avg.png"),
    ("avg pooling, style-weight 3000 (advice)", f"{out_dir}/avg_advised.png"),
]
height, label, gap = 192, 18, 4
images = []
for name, path in panels:
    image = Image.open(path).convert("RGB")
    images.append((name, image.resize((round(image.width * height / image.height), height), Image.LANCZOS)))
width = sum(image.width for _, image in images) + gap * (len(images) - 1)
composite = Image.new("RGB", (width, height + label), "white")
draw = ImageDraw.Draw(composite)
x = 0
for name, image in images:
    composite.paste(image, (x, label))
    draw.text((x + 3, 3), name, fill="black")
    x += image.width + gap
composite.save(target, optimize=True)
