"""Peak and resting memory of preparing large images, one at a time and four at once.

Each case runs in a fresh process that goes through the path every upload takes
(`core.media.service._prepare`: sniff, check, decode, re-encode, thumbnail) and prints its
resident memory before, at the peak (the kernel's high-water mark) and after the work.

    PYTHONPATH=$PWD .venv/bin/python scripts/measure_image_memory.py
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

CASES = [
    ("7070x7070 RGBA PNG", "png", 7070, 7070),
    ("4896x4896 RGBA PNG", "png", 4896, 4896),
    ("6000x4000 JPEG", "jpeg", 6000, 4000),
    ("6000x4000 prog. JPEG", "progressive", 6000, 4000),
]
AT_ONCE = (1, 4)


def memory_mb(field: str) -> float:
    """A `VmRSS`/`VmHWM` line of /proc/self/status, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def make_image(kind: str, width: int, height: int) -> bytes:
    from PIL import Image

    out = BytesIO()
    if kind == "png":
        Image.new("RGBA", (width, height), (200, 40, 90, 255)).save(out, "PNG")
    else:
        progressive = kind == "progressive"
        picture = Image.new("RGB", (width, height), (200, 40, 90))
        picture.save(out, "JPEG", quality=90, progressive=progressive)
    return out.getvalue()


async def prepare_many(data: bytes, count: int) -> list[str]:
    from core.errors import DomainError
    from core.media import service
    from core.media.config import MediaConfig
    from core.media.validation import Family

    config = MediaConfig(
        max_image_bytes=10 * 1024 * 1024,
        max_video_bytes=50 * 1024 * 1024,
        quota_bytes=10**9,
        url_ttl_seconds=60,
        upload_ttl_seconds=60,
        signing_key=b"k",
    )

    async def one() -> str:
        try:
            prepared = await service._prepare(data, frozenset({Family.IMAGE}), config)
        except DomainError as error:
            return f"refused: {error.detail}"
        return f"stored {prepared.size // 1024} KB"

    return list(await asyncio.gather(*(one() for _ in range(count))))


def measure(path: Path, count: int) -> None:
    """The child: import everything first, so the baseline is a process ready to serve."""
    import core.media.service  # noqa: F401

    data = path.read_bytes()
    gc.collect()
    before = memory_mb("VmRSS")
    started = time.monotonic()
    outcomes = asyncio.run(prepare_many(data, count))
    seconds = time.monotonic() - started
    gc.collect()
    time.sleep(0.5)
    print(
        f"{before:.0f}\t{memory_mb('VmHWM'):.0f}\t{memory_mb('VmRSS'):.0f}\t{seconds:.1f}\t"
        f"{sorted(set(outcomes))[0]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("IMAGE", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(Path(args.child[0]), int(args.child[1]))
        return
    print("case                 at once  file KB  before MB  peak MB  after MB  seconds  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for name, kind, width, height in CASES:
            path = Path(folder) / f"{width}x{height}.{kind}"
            path.write_bytes(make_image(kind, width, height))
            for count in AT_ONCE:
                child = [sys.executable, __file__, "--child", str(path), str(count)]
                output = subprocess.run(child, capture_output=True, text=True, check=True).stdout
                before, peak, after, seconds, outcome = output.strip().split("\t")
                size_kb = path.stat().st_size // 1024
                print(
                    f"{name:<20} {count:>7}  {size_kb:>7}  {before:>9}  {peak:>7}  {after:>8}"
                    f"  {seconds:>7}  {outcome[:60]}"
                )


if __name__ == "__main__":
    main()
