"""The photo every app's own photo model is built on (cases, visits, …).

An app declares ``class SitePhoto(Photo)`` with a foreign key to its record named
in ``record_field``, its ``Kind`` choices, and a QuerySet whose ``community_field``
runs through that record: the community scope of a photo is its record's.
"""

import uuid

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from devzone.models import CommunityScopedQuerySet, TimeStampedModel


def photo_storage() -> Storage:
    """Return the storage photos are kept in (STORAGES["photos"])."""
    return storages["photos"]


class PhotoQuerySet(CommunityScopedQuerySet):
    def of_kind(self, kind):
        """Return the photos of one kind."""
        return self.filter(kind=kind)


class Photo(TimeStampedModel):
    """One photo of a record: its kind, caption, when it was taken, its two files.

    The files are named at random (``key``) and live in the photo storage, never
    under a public URL; ``devzone.photos.views.photo`` serves them after the
    record's scope is checked. Deleting a photo leaves its files and its history;
    ``manage.py purge_photos`` removes the files after the retention period.
    """

    # Each photo model declares the field again with its own choices.
    kind = models.CharField(_("照片类型"), max_length=10)
    key = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    caption = models.CharField(_("说明"), max_length=200, blank=True, default="")
    taken_at = models.DateTimeField(_("拍摄时间"))
    taken_at_from_exif = models.BooleanField(_("拍摄时间取自照片"), default=False)
    display_name = models.CharField(_("展示图文件"), max_length=200, editable=False)
    thumbnail_name = models.CharField(_("缩略图文件"), max_length=200, editable=False)
    width = models.PositiveIntegerField(_("宽（像素）"))
    height = models.PositiveIntegerField(_("高（像素）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    record_field = ""

    objects = PhotoQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["taken_at", "pk"]
        # Who may see, add or delete a photo is who may see or change its record
        # (devzone.photos.views, PhotoInline): no permissions of its own.
        default_permissions = ()

    def __str__(self):
        return f"{self.get_kind_display()} {self.caption}".strip()  # type: ignore[attr-defined]

    @property
    def record(self) -> models.Model:
        return getattr(self, self.record_field)

    @classmethod
    def record_model(cls) -> type[models.Model]:
        """Return the model of the records these photos belong to."""
        model = cls._meta.get_field(cls.record_field).related_model
        assert isinstance(model, type)
        return model

    def url(self, variant: str = "display") -> str:
        """Return the checked URL of the display size (or ``thumbnail``)."""
        return reverse(
            "photos:photo",
            kwargs={
                "model": self._meta.label_lower,
                "key": self.key,
                "variant": variant,
            },
        )

    @property
    def thumbnail_url(self) -> str:
        return self.url("thumbnail")

    @property
    def display_url(self) -> str:
        return self.url("display")

    def file_name(self, variant: str) -> str:
        return self.thumbnail_name if variant == "thumbnail" else self.display_name
