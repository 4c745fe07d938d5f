"""Visit photos (走访) on assistance records: a person's home, seen only in scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from devzone.models import StaffProfile
from devzone.photos.services import photos_add, photos_process
from tests.photo_files import phone_jpeg
from tests.welfare.factories import (
    AssistanceRecordFactory,
    CommunityFactory,
    WelfareRecipientFactory,
)
from welfare.models import AssistanceRecord, VisitPhoto

pytestmark = pytest.mark.django_db

RECORD_PERMS = (
    "welfare.view_assistancerecord",
    "welfare.change_assistancerecord",
    "welfare.view_welfarerecipient",
)


def visit(community):
    return AssistanceRecordFactory(
        recipient=WelfareRecipientFactory(community=community),
        kind=AssistanceRecord.Kind.VISIT,
    )


def add_visit_photo(record, user, caption="入户走访"):
    return photos_add(
        photo_model=VisitPhoto,
        record=record,
        kind=VisitPhoto.Kind.VISIT,
        photos=photos_process([SimpleUploadedFile("v.jpg", phone_jpeg())]),
        caption=caption,
        user=user,
    )[0]


@pytest.fixture
def worker(make_staff):
    """Return a staff user of 高楼社区 who may change assistance records."""
    user = make_staff(*RECORD_PERMS, username="gaolou")
    profile = StaffProfile.objects.create(
        user=user, department=StaffProfile.Department.COMMUNITY
    )
    profile.communities.add(CommunityFactory(name="高楼社区"))
    return user


def test_visit_photos_upload_on_the_record_page_as_走访(photo_storage, client, worker):
    record = visit(worker.staff_profile.communities.get())
    url = reverse("admin:welfare_assistancerecord_change", args=[record.pk])
    client.force_login(worker)
    page = client.get(url)
    form = page.context["adminform"].form
    assert form.fields["photo_kind"].widget.is_hidden
    data = {
        "_version": page.context["record_version"],
        "recipient": record.recipient.pk,
        "date": record.date.isoformat(),
        "kind": record.kind,
        "amount": "0",
        "note": "",
        "recorded_by": "",
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
        "photo_files": [
            SimpleUploadedFile("1.jpg", phone_jpeg()),
            SimpleUploadedFile("2.jpg", phone_jpeg()),
        ],
        "photo_caption": "入户走访",
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert (
        list(record.photos.values_list("kind", "caption"))
        == [("visit", "入户走访")] * 2
    )
    for photo in record.photos.all():
        assert photo_storage.exists(photo.display_name)
        assert client.get(photo.thumbnail_url).status_code == 200


def test_the_person_s_file_shows_the_photos_of_their_visits(client, worker):
    record = visit(worker.staff_profile.communities.get())
    photo = add_visit_photo(record, worker)
    client.force_login(worker)

    page = client.get(
        reverse("admin:welfare_welfarerecipient_change", args=[record.recipient.pk])
    )

    assert [
        len(group["photos"]) for group in page.context["photo_panel"]["others"]
    ] == [1]
    assert photo.thumbnail_url in page.content.decode()
    assert 'name="photo_files"' not in page.content.decode()


def test_a_visit_photo_of_another_community_is_forbidden(client, worker, admin_user):
    photo = add_visit_photo(visit(CommunityFactory(name="联观村")), admin_user)
    client.force_login(worker)

    response = client.get(photo.display_url)

    assert response.status_code == 403
