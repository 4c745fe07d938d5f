"""Where photos are kept: a local folder by default, S3 when DEVZONE_S3_* say so."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from devzone.settings import photo_storage


def test_without_s3_photos_go_to_a_folder_under_devzone_media_dir(tmp_path):
    config = photo_storage({"DEVZONE_MEDIA_DIR": str(tmp_path)})

    assert config["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert Path(config["OPTIONS"]["location"]) == tmp_path / "photos"
    assert config["OPTIONS"]["file_permissions_mode"] == 0o640


def test_with_devzone_s3_variables_photos_go_to_a_private_bucket():
    config = photo_storage(
        {
            "DEVZONE_S3_BUCKET": "zone-photos",
            "DEVZONE_S3_ENDPOINT_URL": "https://minio.zone.local:9000",
            "DEVZONE_S3_ACCESS_KEY_ID": "key",
            "DEVZONE_S3_SECRET_ACCESS_KEY": "secret",
        }
    )

    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    options = config["OPTIONS"]
    assert options["bucket_name"] == "zone-photos"
    assert options["endpoint_url"] == "https://minio.zone.local:9000"
    assert options["default_acl"] == "private"
    assert options["file_overwrite"] is False
    assert options["addressing_style"] == "path"


def test_both_storages_keep_and_return_a_file(photo_storage):
    name = photo_storage.save("ab/photo.jpg", ContentFile(b"\xff\xd8 jpeg"))

    assert photo_storage.exists(name)
    with photo_storage.open(name, "rb") as stored:
        assert stored.read() == b"\xff\xd8 jpeg"
    photo_storage.delete(name)
    assert not photo_storage.exists(name)


@pytest.mark.django_db
def test_no_public_url_serves_the_photo_folder(admin_client, settings):
    storage = FileSystemStorage(**settings.STORAGES["photos"]["OPTIONS"])
    name = storage.save("ab/secret.jpg", ContentFile(b"\xff\xd8 jpeg"))

    for url in (f"/media/{name}", f"/photos/{name}", f"/media/photos/{name}"):
        assert admin_client.get(url).status_code == 404
    storage.delete(name)
