"""What an uploaded photo goes through before anything of it is stored.

Pillow opens it, so its type comes from its content, never its name. Only the
formats below are accepted; a file larger than ``DEVZONE_PHOTO_MAX_BYTES`` or with
more pixels than ``DEVZONE_PHOTO_MAX_PIXELS`` (a decompression bomb) is refused
before it is decoded. The time it was taken is read from its EXIF, its orientation
applied, and then the pixels alone are copied into a new picture: EXIF (the GPS
position above all), XMP, comments and colour profiles stay behind. Only the two
re-encoded JPEGs — a display size and a thumbnail — are kept; the original never is.
"""

import datetime
import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

# Pillow's format names; HEIF only when pillow-heif registered its opener.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "HEIF", "MPO"})
DISPLAY_SIZE = 1600
THUMBNAIL_SIZE = 320
JPEG_QUALITY = 85
# EXIF tags read before they are dropped.
DATE_TIME_ORIGINAL = ExifTags.Base.DateTimeOriginal
OFFSET_TIME_ORIGINAL = ExifTags.Base.OffsetTimeOriginal
EARLIEST_TAKEN = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def configure_pillow() -> None:
    """Set Pillow's decompression-bomb limit from the settings, and read HEIC.

    Called once from ``DevzoneConfig.ready()``: the limit is process-wide.
    """
    Image.MAX_IMAGE_PIXELS = settings.DEVZONE_PHOTO_MAX_PIXELS
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # pragma: no cover - a dependency; HEIC is then refused
        return
    register_heif_opener()


@dataclass(frozen=True)
class ProcessedPhoto:
    """The two JPEGs kept of one upload, and what was read from it."""

    display: bytes
    thumbnail: bytes
    width: int
    height: int
    taken_at: datetime.datetime
    taken_at_from_exif: bool
    source_format: str


def photo_refused(name: str, reason: str) -> ValidationError:
    return ValidationError(
        _("照片“%(name)s”未能上传：%(reason)s"),
        code="photo_refused",
        params={"name": name, "reason": reason},
    )


def process_photo(
    file: IO[bytes], *, name: str, size: int | None = None
) -> ProcessedPhoto:
    """Return the display size and thumbnail of an upload; ValidationError if refused."""
    limit = settings.DEVZONE_PHOTO_MAX_BYTES
    if size is None:
        size = file.seek(0, io.SEEK_END)
    file.seek(0)
    if size > limit:
        raise photo_refused(
            name,
            _("文件过大（%(size).1f MB），每张照片不能超过 %(limit)d MB。")
            % {"size": size / 2**20, "limit": limit // 2**20},
        )
    if size == 0:
        raise photo_refused(name, _("文件是空的。"))
    unreadable = _(
        "这不是可以识别的照片。只能上传 JPEG、PNG、WebP 或 HEIC 格式的照片。"
    )
    bomb = _(
        "图片像素过多（超过 %(limit)d 万像素），请用手机相机正常拍摄后再上传。"
    ) % {"limit": settings.DEVZONE_PHOTO_MAX_PIXELS // 10_000}
    try:
        with warnings.catch_warnings():
            # Pillow warns between the limit and twice it, and raises above: both
            # are refused here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise photo_refused(name, unreadable)
                width, height = image.size
                if width * height > settings.DEVZONE_PHOTO_MAX_PIXELS:
                    raise photo_refused(name, bomb)
                taken_at, from_exif = taken_at_of(image)
                image.load()
                upright = ImageOps.exif_transpose(image)
                source_format = image.format
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise photo_refused(name, bomb) from None
    except UnidentifiedImageError:
        raise photo_refused(name, unreadable) from None
    except (OSError, SyntaxError, ValueError):
        # A truncated or corrupt file that Pillow recognised but cannot decode.
        raise photo_refused(name, _("照片文件已损坏，无法读取。")) from None
    width, height = upright.size
    return ProcessedPhoto(
        display=jpeg_of(upright, DISPLAY_SIZE),
        thumbnail=jpeg_of(upright, THUMBNAIL_SIZE),
        width=width,
        height=height,
        taken_at=taken_at,
        taken_at_from_exif=from_exif,
        source_format=source_format,
    )


def taken_at_of(image: Image.Image) -> tuple[datetime.datetime, bool]:
    """Return when the photo was taken (EXIF DateTimeOriginal), else now; and which."""
    now = timezone.now()
    try:
        exif = image.getexif().get_ifd(ExifTags.IFD.Exif)
    except (OSError, SyntaxError, ValueError, KeyError, TypeError):
        return now, False
    raw = exif.get(DATE_TIME_ORIGINAL)
    if not isinstance(raw, str):
        return now, False
    # "2021:06:01 09:30:00", and the offset "+08:00" when the camera wrote one.
    text = raw.strip("\x00 ").replace(":", "-", 2)
    offset = exif.get(OFFSET_TIME_ORIGINAL)
    if isinstance(offset, str) and offset.strip("\x00 "):
        text += offset.strip("\x00 ")
    try:
        aware = datetime.datetime.fromisoformat(text)
    except ValueError:
        return now, False
    if timezone.is_naive(aware):
        # A camera's clock without an offset is the local time of the zone.
        aware = timezone.make_aware(aware, timezone.get_default_timezone())
    # A camera clock never set, or set in the future, says nothing: upload time.
    if not EARLIEST_TAKEN <= aware <= now + datetime.timedelta(days=1):
        return now, False
    return aware, True


def jpeg_of(image: Image.Image, longest: int) -> bytes:
    """Return ``image`` fitted within ``longest`` pixels as a JPEG of its pixels only."""
    if image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    ):
        background = Image.new("RGB", image.size, "white")
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA"))
        resized = background
    else:
        resized = image.convert("RGB")
    resized.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    # A new picture holds nothing but pixels: no EXIF, XMP, comment or ICC
    # profile can ride along from the upload's info.
    clean = Image.new("RGB", resized.size)
    clean.paste(resized)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
