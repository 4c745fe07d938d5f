"""Adding photos to a record and purging the files of deleted ones."""

import datetime
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone

from devzone.photos.models import Photo, photo_storage
from devzone.photos.processing import ProcessedPhoto, process_photo

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def photos_process(files: Iterable[Any]) -> list[ProcessedPhoto]:
    """Return every upload processed; one ValidationError naming each refused file."""
    processed, errors = [], []
    for upload in files:
        try:
            processed.append(process_photo(upload, name=upload.name, size=upload.size))
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    return processed


def photo_file_names(key: uuid.UUID) -> tuple[str, str]:
    """Return the stored names of a photo's display size and thumbnail.

    Random, and saying nothing of the record or the person in it.
    """
    return f"{key.hex[:2]}/{key.hex}.jpg", f"{key.hex[:2]}/{key.hex}_t.jpg"


def photos_add(
    *,
    photo_model: type[Photo],
    record: models.Model,
    kind: str,
    photos: Sequence[ProcessedPhoto],
    caption: str = "",
    user: "User",
) -> list[Photo]:
    """Store processed photos and attach them to ``record``; all of them or none."""
    storage = photo_storage()
    saved: list[str] = []
    created = []
    try:
        with transaction.atomic():
            for processed in photos:
                key = uuid.uuid4()
                display_name, thumbnail_name = photo_file_names(key)
                photo = photo_model(
                    **{photo_model.record_field: record},
                    key=key,
                    kind=kind,
                    caption=caption,
                    taken_at=processed.taken_at,
                    taken_at_from_exif=processed.taken_at_from_exif,
                    width=processed.width,
                    height=processed.height,
                    display_name=display_name,
                    thumbnail_name=thumbnail_name,
                    uploaded_by=user,
                )
                photo.full_clean()
                for name, content in (
                    (display_name, processed.display),
                    (thumbnail_name, processed.thumbnail),
                ):
                    saved.append(storage.save(name, ContentFile(content)))
                photo.display_name, photo.thumbnail_name = saved[-2], saved[-1]
                # The history names the uploader outside a request too (scripts).
                photo._history_user = user  # type: ignore[attr-defined]
                photo.save()
                created.append(photo)
    except BaseException:
        # The rows are rolled back; their files must not stay behind either.
        for name in saved:
            storage.delete(name)
        raise
    return created


def photo_models() -> list[type[Photo]]:
    """Return every app's photo model."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Photo) and not model._meta.abstract
    ]


def photos_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of photos deleted more than the retention period ago.

    The rows' history stays (who deleted which photo, when, with its caption);
    only the files go. Return how many files were removed.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.DEVZONE_PHOTO_RETENTION_DAYS)
    storage = photo_storage()
    removed = 0
    for model in photo_models():
        history: Any = model.history.model  # type: ignore[attr-defined]
        deleted = history.objects.filter(history_type="-", history_date__lt=cutoff)
        live_keys = set(
            model._base_manager.filter(key__in=deleted.values("key")).values_list(
                "key", flat=True
            )
        )
        for key, *names in deleted.values_list(
            "key", "display_name", "thumbnail_name"
        ).distinct():
            if key in live_keys:
                continue
            for name in names:
                if name and storage.exists(name):
                    storage.delete(name)
                    removed += 1
    return removed
