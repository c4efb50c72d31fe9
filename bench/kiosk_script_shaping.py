"""Can Kivy draw 蒙文 (traditional Mongolian), Uyghur or Tibetan? Evidence, rendered and measured.

For each script a test word is drawn three ways at the same size with the same font:
  kivy_sdl2  — Kivy's own text provider (what a Label does),
  pil_basic  — Pillow without shaping (every character in its isolated form, left to right),
  pil_raqm   — Pillow with libraqm (HarfBuzz + FriBiDi): joined, reordered, stacked as it must be.
If Kivy's ink is as wide as the unshaped rendering and unlike the shaped one, Kivy does not shape.
Also recorded: whether Kivy's Pango provider exists in this install. Writes
bench/results/kiosk_script_shaping.json and artifacts/evidence/script-shaping.png (look at it).

    .venv/bin/python bench/kiosk_script_shaping.py
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = {"mn": "ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ", "ug": "ئۇيغۇرچە", "bo": "བོད་ཡིག"}


def main() -> None:
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-shaping-"))
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_LOG_MODE"] = "PYTHON"
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    from kivy.core.text import Label as CoreLabel
    from kivy.core.window import Window  # noqa: F401 - a GL context for textures
    from PIL import Image, ImageDraw, ImageFont, features

    from ui.shaped_text import font_for

    def ink_width(im: Image.Image) -> int:
        box = im.convert("L").point(lambda v: 255 if v < 128 else 0).getbbox()
        return (box[2] - box[0]) if box else 0

    rows: list[tuple[str, Image.Image]] = []
    report: dict[str, Any] = {}
    for lang, word in WORDS.items():
        font = str(font_for(lang))
        lbl = CoreLabel(text=word, font_name=font, font_size=64, color=(0, 0, 0, 1))
        lbl.refresh()
        t = lbl.texture
        kv = Image.frombytes("RGBA", t.size, t.pixels)
        white = Image.new("RGBA", kv.size, "white")
        white.alpha_composite(kv)
        kivy_im = white.convert("L")
        out = {"kivy_sdl2": kivy_im}
        for engine, name in ((ImageFont.Layout.BASIC, "pil_basic"), (ImageFont.Layout.RAQM, "pil_raqm")):
            f = ImageFont.truetype(font, 64, layout_engine=engine)
            direction = "rtl" if lang == "ug" and engine == ImageFont.Layout.RAQM else None
            box = f.getbbox(word, direction=direction)
            im = Image.new("L", (int(box[2]) + 20, 130), 255)
            ImageDraw.Draw(im).text((10, 10), word, font=f, fill=0, direction=direction)
            out[name] = im
        widths = {k: ink_width(v) for k, v in out.items()}
        report[lang] = {
            "word": word,
            "font": font,
            "ink_width_px": widths,
            "kivy_matches_unshaped": abs(widths["kivy_sdl2"] - widths["pil_basic"]) <= 4,
            "kivy_matches_shaped": abs(widths["kivy_sdl2"] - widths["pil_raqm"]) <= 4,
        }
        for k, v in out.items():
            rows.append((f"{lang} {k}", v))
    w = max(im.size[0] for _, im in rows) + 230
    sheet = Image.new("L", (w, sum(im.size[1] + 12 for _, im in rows)), 255)
    d, y = ImageDraw.Draw(sheet), 0
    for label, im in rows:
        d.text((6, y + 20), label, fill=0)
        sheet.paste(im, (220, y))
        y += im.size[1] + 12
        d.line([(0, y - 6), (w, y - 6)], fill=160)
    shot = ROOT / "artifacts" / "evidence" / "script-shaping.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(shot)
    import kivy

    pango = importlib.util.find_spec("kivy.core.text._text_pango") is not None
    result = {
        "bench": "kiosk_script_shaping",
        "kivy": kivy.__version__,
        "kivy_text_provider": CoreLabel.__name__,
        "kivy_pango_provider_compiled": pango,
        "pillow_raqm": features.version("raqm"),
        "pillow_harfbuzz": features.version("harfbuzz"),
        "pillow_fribidi": features.version("fribidi"),
        "scripts": report,
        "picture": str(shot.relative_to(ROOT)),
        "conclusion": (
            "Kivy's SDL2 provider draws these scripts unshaped (isolated forms, no RTL, no stacking); "
            "its Pango provider is not in the wheel. Pillow+raqm shapes them: the kiosk draws such text "
            "with ui.shaped_text (vertical columns for Mongolian)."
        ),
    }
    out_file = ROOT / "bench" / "results" / "kiosk_script_shaping.json"
    out_file.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
