"""What an uploaded photo goes through: checked from its content, cleaned of EXIF."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from devzone.photos.processing import (
    DISPLAY_SIZE,
    THUMBNAIL_SIZE,
    process_photo,
)
from tests.photo_files import (
    PHP,
    image_bytes,
    large_jpeg,
    phone_jpeg,
    png_bomb,
)


def process(data, name="photo.jpg"):
    return process_photo(io.BytesIO(data), name=name, size=len(data))


def refusal(data, name="photo.jpg"):
    with pytest.raises(ValidationError) as caught:
        process(data, name)
    return caught.value.messages[0]


def test_a_jpeg_with_gps_comes_out_with_no_exif_at_all():
    original = Image.open(io.BytesIO(phone_jpeg(comment=b"home of a resident")))
    assert original.getexif().get_ifd(0x8825)  # the GPS position is there

    photo = process(phone_jpeg(comment=b"home of a resident"))

    for stored in (photo.display, photo.thumbnail):
        image = Image.open(io.BytesIO(stored))
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
        assert "comment" not in image.info
        assert "xmp" not in image.info
        assert b"Exif" not in stored
        assert b"home of a resident" not in stored


def test_the_time_taken_is_read_before_the_exif_is_dropped():
    photo = process(phone_jpeg(taken="2021:06:01 09:30:00", offset="+08:00"))

    assert photo.taken_at_from_exif
    assert photo.taken_at == datetime.datetime(2021, 6, 1, 1, 30, tzinfo=datetime.UTC)


def test_a_camera_time_without_an_offset_is_the_zone_s_local_time():
    photo = process(phone_jpeg(taken="2021:06:01 09:30:00", offset=None))

    assert timezone.localtime(photo.taken_at).hour == 9


@pytest.mark.parametrize("taken", [None, "0000:00:00 00:00:00", "2099:01:01 00:00:00"])
def test_without_a_believable_time_taken_the_upload_time_is_used(taken):
    before = timezone.now()

    photo = process(phone_jpeg(taken=taken))

    assert not photo.taken_at_from_exif
    assert before <= photo.taken_at <= timezone.now()


def test_the_orientation_is_applied_so_the_picture_stays_upright():
    # Orientation 6: the camera was turned; the viewer must rotate 90° clockwise.
    photo = process(phone_jpeg(size=(400, 300), orientation=6))

    image = Image.open(io.BytesIO(photo.display)).convert("RGB")
    assert (photo.width, photo.height) == (300, 400)
    assert image.size == (300, 400)
    top, bottom = image.getpixel((150, 20)), image.getpixel((150, 380))
    assert top[0] > 200 and top[2] < 60  # the red half is on top now
    assert bottom[2] > 200 and bottom[0] < 60


def test_a_display_size_and_a_thumbnail_are_made():
    photo = process(phone_jpeg(size=(4000, 3000)))

    display = Image.open(io.BytesIO(photo.display))
    thumbnail = Image.open(io.BytesIO(photo.thumbnail))
    assert max(display.size) == DISPLAY_SIZE
    assert max(thumbnail.size) == THUMBNAIL_SIZE


@pytest.mark.parametrize(
    ("fmt", "mode", "options"),
    [
        ("PNG", "RGBA", {}),
        ("PNG", "P", {}),
        ("WEBP", "RGB", {}),
        ("JPEG", "L", {}),
        ("JPEG", "CMYK", {}),
    ],
)
def test_png_webp_and_jpeg_in_any_mode_are_accepted(fmt, mode, options):
    photo = process(image_bytes(fmt, mode=mode, **options), name="x.bin")

    assert Image.open(io.BytesIO(photo.display)).mode == "RGB"


def test_an_iphone_heic_photo_is_accepted():
    # pillow-heif's opener is registered by DevzoneConfig.ready(); it also writes
    # the HEIC this test sends.
    photo = process(image_bytes("HEIF", size=(320, 240)), name="IMG_0001.HEIC")

    assert photo.source_format == "HEIF"
    assert Image.open(io.BytesIO(photo.display)).format == "JPEG"


def test_a_php_file_named_jpg_is_refused_in_chinese():
    assert refusal(PHP, "shell.jpg") == (
        "照片“shell.jpg”未能上传：这不是可以识别的照片。"
        "只能上传 JPEG、PNG、WebP 或 HEIC 格式的照片。"
    )


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "PDF"])
def test_other_picture_formats_are_refused(fmt):
    assert "只能上传 JPEG、PNG、WebP 或 HEIC" in refusal(
        image_bytes(fmt), f"scan.{fmt.lower()}"
    )


def test_a_png_decompression_bomb_is_refused_in_chinese():
    bomb = png_bomb()
    assert len(bomb) < 100_000

    assert refusal(bomb, "bomb.png") == (
        "照片“bomb.png”未能上传：图片像素过多（超过 6400 万像素），"
        "请用手机相机正常拍摄后再上传。"
    )


def test_a_picture_just_over_the_pixel_limit_is_refused_too(settings):
    # Pillow only warns between its limit and twice it: that is refused as well.
    settings.DEVZONE_PHOTO_MAX_PIXELS = 200 * 150 - 1
    Image.MAX_IMAGE_PIXELS = settings.DEVZONE_PHOTO_MAX_PIXELS
    try:
        assert "图片像素过多" in refusal(image_bytes("PNG", size=(200, 150)))
    finally:
        from devzone.photos.processing import configure_pillow

        settings.DEVZONE_PHOTO_MAX_PIXELS = 64_000_000
        configure_pillow()


def test_a_30_mb_photo_is_refused_in_chinese():
    assert refusal(large_jpeg(30), "big.jpg") == (
        "照片“big.jpg”未能上传：文件过大（30.0 MB），每张照片不能超过 10 MB。"
    )


def test_the_size_cap_is_configurable(settings):
    settings.DEVZONE_PHOTO_MAX_BYTES = 2**20

    assert "不能超过 1 MB" in refusal(large_jpeg(2))


def test_a_truncated_photo_is_refused():
    data = phone_jpeg(size=(800, 600))

    assert "已损坏" in refusal(data[: len(data) // 2])


def test_pillow_s_bomb_limit_is_the_setting(settings):
    assert Image.MAX_IMAGE_PIXELS == settings.DEVZONE_PHOTO_MAX_PIXELS
