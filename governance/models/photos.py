"""Photos of environmental cases: before, during and after the site is put right."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from devzone.audit import audit_history
from devzone.photos.models import Photo, PhotoQuerySet


class CasePhotoQuerySet(PhotoQuerySet):
    community_field = "case__community"

    def after(self):
        """Return the 整改后 photos, the evidence a case is closed on."""
        return self.filter(kind=CasePhotoKind.AFTER)


class CasePhotoKind(models.TextChoices):
    BEFORE = "before", _("整改前")
    DURING = "during", _("整改中")
    AFTER = "after", _("整改后")


class CasePhoto(Photo):
    Kind = CasePhotoKind

    case = models.ForeignKey(
        "governance.EnvironmentalCase",
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        related_name="photos",
    )
    kind = models.CharField(_("照片类型"), max_length=10, choices=Kind)

    record_field = "case"

    # django-stubs types the abstract Photo's manager as a ClassVar; this one
    # only narrows it to the subclass's QuerySet.
    objects = CasePhotoQuerySet.as_manager()  # type: ignore[misc]

    history = audit_history()

    class Meta(Photo.Meta):
        verbose_name = verbose_name_plural = _("案件照片")
        indexes = [models.Index(fields=["case", "kind"], name="governance_photo_case")]
