"""Photo files for the tests, made with Pillow: as phones take them, and hostile."""

import io
import struct
import zlib

from PIL import Image, ImageDraw

# EXIF tags a phone writes.
ORIENTATION = 0x0112
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
GPS_LATITUDE_REF, GPS_LATITUDE = 1, 2
GPS_LONGITUDE_REF, GPS_LONGITUDE = 3, 4


def phone_jpeg(
    *,
    size=(400, 300),
    taken="2021:06:01 09:30:00",
    offset="+08:00",
    orientation=1,
    gps=True,
    comment=b"",
):
    """Return a JPEG as a phone writes it: EXIF with its time, GPS and orientation.

    The left half is red, the right half blue, so that a rotation can be seen.
    """
    image = Image.new("RGB", size, "blue")
    ImageDraw.Draw(image).rectangle([0, 0, size[0] // 2, size[1]], fill="red")
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "Phone maker"
    if taken:
        exif_ifd = exif.get_ifd(EXIF_IFD)
        exif_ifd[DATE_TIME_ORIGINAL] = taken
        if offset:
            exif_ifd[OFFSET_TIME_ORIGINAL] = offset
    if gps:
        gps_ifd = exif.get_ifd(GPS_IFD)
        gps_ifd[GPS_LATITUDE_REF] = "N"
        gps_ifd[GPS_LATITUDE] = (32.0, 0.0, 25.0)
        gps_ifd[GPS_LONGITUDE_REF] = "E"
        gps_ifd[GPS_LONGITUDE] = (119.0, 34.0, 48.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=comment, quality=90)
    return out.getvalue()


def image_bytes(fmt, size=(200, 150), mode="RGB", **options):
    out = io.BytesIO()
    Image.new(mode, size, "green").save(out, fmt, **options)
    return out.getvalue()


def png_bomb(width=30_000, height=30_000):
    """Return a small PNG that claims 900 million pixels (a decompression bomb)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    pixels = zlib.compress(row * 64, 9)  # far too few rows: never decoded anyway
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


PHP = b"<?php system($_GET['cmd']); ?>\n"


def large_jpeg(megabytes=30):
    """Return a valid JPEG padded past ``megabytes`` MB (a comment-free tail)."""
    return phone_jpeg() + b"\x00" * (megabytes * 2**20)
