"""Photos of environmental cases: uploaded on the case page, served only in scope,
kept in history when deleted, and the 整改后 photo a case is closed on.

The storage tests run twice: on a local folder and on an S3-compatible server
(``photo_storage`` in tests/conftest.py).
"""

import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from devzone.models import StaffProfile
from devzone.photos.services import photos_add, photos_process, photos_purge
from governance import reports
from governance.models import CasePhoto, EnvironmentalCase
from governance.services import environmental_cases_close
from tests.governance.factories import CommunityFactory, EnvironmentalCaseFactory
from tests.photo_files import PHP, large_jpeg, phone_jpeg

pytestmark = pytest.mark.django_db

Status = EnvironmentalCase.Status
Category = EnvironmentalCase.Category
Kind = CasePhoto.Kind


def jpeg_upload(name="site.jpg", **options):
    return SimpleUploadedFile(name, phone_jpeg(**options), content_type="image/jpeg")


def add_photos(case, kind, user, count=1, caption=""):
    return photos_add(
        photo_model=CasePhoto,
        record=case,
        kind=kind,
        photos=photos_process([jpeg_upload(f"p{i}.jpg") for i in range(count)]),
        caption=caption,
        user=user,
    )


def change_url(case):
    return reverse("admin:governance_environmentalcase_change", args=[case.pk])


def form_data(response):
    """Return what the open change form, inline rows included, would send back."""
    data = {"_version": response.context.get("record_version", "")}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is not None and name != "photo_files":
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for row in formset.forms:
            for name in row.fields:
                value = row[name].value()
                if value is not None and value is not False:
                    data[row.add_prefix(name)] = value
    return data


@pytest.fixture
def gaolou():
    return CommunityFactory(name="高楼社区")


@pytest.fixture
def worker(make_staff, gaolou):
    """Return a community worker of 高楼社区 with the role's permissions."""
    call_command("setup_roles", verbosity=0)
    user = make_staff(username="gaolou")
    user.groups.add(Group.objects.get(name="社区工作人员"))
    profile = StaffProfile.objects.create(
        user=user, department=StaffProfile.Department.COMMUNITY
    )
    profile.communities.add(gaolou)
    return user


@pytest.fixture
def case(gaolou):
    return EnvironmentalCaseFactory(
        community=gaolou, category=Category.STREET_VENDING, status=Status.RECTIFYING
    )


def test_photos_uploaded_on_the_case_page_are_stored_and_served(
    photo_storage, client, worker, case
):
    # given a community worker on their case's page
    client.force_login(worker)
    data = form_data(client.get(change_url(case)))

    # when they upload two 整改前 photos at once
    data.update(
        photo_files=[jpeg_upload("a.jpg"), jpeg_upload("b.jpg")],
        photo_kind=Kind.BEFORE,
        photo_caption="占道摊位",
    )
    response = client.post(change_url(case), data)

    # then both are stored under random names, without EXIF, and served back
    assert response.status_code == 302, response.context["errors"]
    photos = list(case.photos.order_by("pk"))
    assert [(p.kind, p.caption, p.uploaded_by) for p in photos] == [
        (Kind.BEFORE, "占道摊位", worker)
    ] * 2
    for photo in photos:
        assert photo_storage.exists(photo.display_name)
        assert photo_storage.exists(photo.thumbnail_name)
        assert photo.display_name == f"{photo.key.hex[:2]}/{photo.key.hex}.jpg"
        served = client.get(photo.display_url)
        assert served.status_code == 200
        assert served["Content-Type"] == "image/jpeg"
        assert "no-store" in served["Cache-Control"]
        assert served["X-Content-Type-Options"] == "nosniff"
        image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
        assert dict(image.getexif()) == {}
    page = client.get(change_url(case)).content.decode()
    assert photos[0].thumbnail_url in page


def test_each_photo_names_its_uploader_as_colleagues_know_them(
    photo_storage, client, worker, case
):
    # given a worker whose username is Latin letters and whose name is 周建明
    worker.first_name = "周建明"
    worker.save()
    client.force_login(worker)
    data = form_data(client.get(change_url(case)))
    data.update(photo_files=[jpeg_upload("a.jpg")], photo_kind=Kind.BEFORE)
    client.post(change_url(case), data)

    # then the photo panel and the photos' table name them, never by the username
    page = client.get(change_url(case)).content.decode()
    assert page.count("周建明") >= 3  # the header, the panel and the table
    assert "· gaolou" not in page
    assert ">gaolou<" not in page


def test_the_phone_s_camera_opens_from_a_multi_file_input(client, worker, case):
    client.force_login(worker)

    page = client.get(change_url(case)).content.decode()

    assert 'type="file"' in page
    assert 'name="photo_files"' in page
    assert "multiple" in page
    assert 'accept="image/*"' in page
    assert 'capture="environment"' in page
    assert 'enctype="multipart/form-data"' in page


def test_the_case_page_shows_before_beside_after(client, worker, case):
    add_photos(case, Kind.BEFORE, worker, count=2)
    add_photos(case, Kind.AFTER, worker)
    add_photos(case, Kind.DURING, worker)
    client.force_login(worker)

    panel = client.get(change_url(case)).context["photo_panel"]

    assert [(g["label"], len(g["photos"])) for g in panel["columns"]] == [
        ("整改前", 2),
        ("整改后", 1),
    ]
    assert [(g["label"], len(g["photos"])) for g in panel["others"]] == [("整改中", 1)]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (PHP, "shell.jpg", "这不是可以识别的照片"),
        (large_jpeg(30), "big.jpg", "文件过大（30.0 MB），每张照片不能超过 10 MB"),
    ],
)
def test_a_refused_upload_saves_nothing_and_says_why(
    client, worker, case, content, name, message
):
    client.force_login(worker)
    data = form_data(client.get(change_url(case)))
    data.update(
        photo_files=[jpeg_upload("good.jpg"), SimpleUploadedFile(name, content)],
        photo_kind=Kind.BEFORE,
    )

    response = client.post(change_url(case), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert f"照片“{name}”未能上传" in response.content.decode()
    assert not case.photos.exists()


def test_a_photo_of_another_community_is_forbidden(client, worker, case, admin_user):
    other = EnvironmentalCaseFactory(community=CommunityFactory(name="联观村"))
    [photo] = add_photos(other, Kind.BEFORE, admin_user)
    client.force_login(worker)

    assert client.get(photo.display_url).status_code == 403
    assert client.get(photo.thumbnail_url).status_code == 403


def test_a_photo_needs_a_login_and_the_case_permission(
    client, make_staff, case, admin_user
):
    [photo] = add_photos(case, Kind.BEFORE, admin_user)

    response = client.get(photo.display_url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

    client.force_login(make_staff("welfare.view_assistancerecord", username="x"))
    assert client.get(photo.display_url).status_code == 403

    client.force_login(
        make_staff("governance.view_environmentalcase", username="leader")
    )
    assert client.get(photo.display_url).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "governance.casephoto/00000000-0000-0000-0000-000000000000/display.jpg",
        "governance.environmentalcase/{key}/display.jpg",
        "devzone.community/{key}/display.jpg",
        "nothing.here/{key}/display.jpg",
        "governance.casephoto/{key}/original.jpg",
    ],
)
def test_only_stored_photos_of_photo_models_are_served(
    admin_client, admin_user, case, path
):
    [photo] = add_photos(case, Kind.BEFORE, admin_user)

    response = admin_client.get("/photos/" + path.format(key=photo.key))

    assert response.status_code == 404


def test_a_case_is_not_closed_without_an_after_photo_where_its_category_asks(
    worker, case
):
    add_photos(case, Kind.BEFORE, worker)

    with pytest.raises(ValidationError) as caught:
        environmental_cases_close(cases=[case], closed_on=datetime.date(2021, 5, 1))

    assert caught.value.messages == [
        f"未作任何修改：{case.case_number}："
        "“占道经营”类案件办结前须上传至少一张“整改后”照片作为佐证。。"
    ]
    case.refresh_from_db()
    assert case.status == Status.RECTIFYING

    add_photos(case, Kind.AFTER, worker)
    assert environmental_cases_close(cases=[case], closed_on=datetime.date(2021, 5, 1))
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_a_category_without_evidence_is_closed_without_photos():
    approval = EnvironmentalCaseFactory(category=Category.MUCK_TRANSPORT)

    assert not approval.requires_evidence
    assert environmental_cases_close(
        cases=[approval], closed_on=datetime.date(2021, 5, 1)
    )


def test_every_category_says_whether_it_needs_evidence():
    assert set(EnvironmentalCase.EVIDENCE_CATEGORIES) <= set(Category.values)
    assert Category.MUCK_TRANSPORT not in EnvironmentalCase.EVIDENCE_CATEGORIES
    assert Category.SCATTERED_POLLUTERS in EnvironmentalCase.EVIDENCE_CATEGORIES


def test_the_case_form_refuses_to_close_without_an_after_photo(client, worker, case):
    add_photos(case, Kind.BEFORE, worker, count=2)
    client.force_login(worker)
    data = form_data(client.get(change_url(case)))
    data.update(status=Status.CLOSED, closed_on="2021-05-01")

    response = client.post(change_url(case), data)

    assert response.status_code == 200
    assert "办结前须上传至少一张“整改后”照片" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.RECTIFYING


def test_the_after_photo_uploaded_with_the_closing_is_enough(client, worker, case):
    client.force_login(worker)
    data = form_data(client.get(change_url(case)))
    data.update(
        status=Status.CLOSED,
        closed_on="2021-05-01",
        photo_files=[jpeg_upload()],
        photo_kind=Kind.AFTER,
    )

    assert client.post(change_url(case), data).status_code == 302

    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.photos.after().count() == 1


def test_the_last_after_photo_of_a_closed_case_cannot_be_deleted(client, worker, case):
    [after] = add_photos(case, Kind.AFTER, worker)
    environmental_cases_close(cases=[case], closed_on=datetime.date(2021, 5, 1))
    client.force_login(worker)
    data = form_data(client.get(change_url(case)))
    data["photos-0-DELETE"] = "on"

    response = client.post(change_url(case), data)

    assert response.status_code == 200
    assert "办结前须上传至少一张“整改后”照片" in response.content.decode()
    assert case.photos.filter(pk=after.pk).exists()


def test_a_deleted_photo_stays_in_history_and_its_files_until_purged(
    photo_storage, client, worker, case, settings
):
    [photo] = add_photos(case, Kind.BEFORE, worker, caption="摊位")
    client.force_login(worker)
    data = form_data(client.get(change_url(case)))
    data["photos-0-DELETE"] = "on"

    assert client.post(change_url(case), data).status_code == 302

    # then the row is gone, its history says who deleted it, and the files stay
    assert not CasePhoto.objects.filter(pk=photo.pk).exists()
    deleted = CasePhoto.history.get(key=photo.key, history_type="-")
    assert (deleted.history_user, deleted.caption) == (worker, "摊位")
    assert client.get(photo.display_url).status_code == 404
    assert photo_storage.exists(photo.display_name)
    history = client.get(
        reverse("admin:governance_environmentalcase_history", args=[case.pk])
    )
    assert [
        (e["action"], e["kind"], e["caption"], e["user"])
        for e in history.context["photo_history"]
    ] == [("新增", "整改前", "摊位", worker), ("删除", "整改前", "摊位", worker)]
    assert "照片记录（含已删除的照片）" in history.content.decode()

    # a purge within the retention period keeps the files; after it, removes them
    settings.DEVZONE_PHOTO_RETENTION_DAYS = 30
    assert photos_purge() == 0
    later = timezone.now() + datetime.timedelta(days=31)
    assert photos_purge(now=later) == 2
    assert not photo_storage.exists(photo.display_name)
    assert not photo_storage.exists(photo.thumbnail_name)
    assert CasePhoto.history.filter(key=photo.key, history_type="-").exists()


def test_purge_photos_command_keeps_the_photos_still_in_use(
    photo_storage, worker, case, settings
):
    [kept] = add_photos(case, Kind.BEFORE, worker)
    [gone] = add_photos(case, Kind.BEFORE, worker)
    gone.delete()
    settings.DEVZONE_PHOTO_RETENTION_DAYS = 0
    out = io.StringIO()

    call_command("purge_photos", stdout=out)

    assert "已删除 2 个照片文件" in out.getvalue()
    assert photo_storage.exists(kept.display_name)
    assert not photo_storage.exists(gone.display_name)


def test_the_report_links_to_the_cases_closed_with_photo_evidence(
    admin_client, worker, case
):
    add_photos(case, Kind.AFTER, worker)
    environmental_cases_close(cases=[case], closed_on=datetime.date(2021, 5, 1))
    EnvironmentalCaseFactory(
        category=Category.MUCK_TRANSPORT,
        status=Status.CLOSED,
        closed_on=datetime.date(2021, 4, 1),
    )
    EnvironmentalCaseFactory(status=Status.RECTIFYING)

    figures = {f.key: f for f in reports.environment_figures(2021)}
    figure = figures["governance.closed_with_evidence"]

    assert (figure.value, figure.rows) == (1, 1)
    assert list(EnvironmentalCase.objects.closed_with_evidence()) == [case]
    listed = admin_client.get(figure.url).context["cl"]
    assert [row.pk for row in listed.result_list] == [case.pk]
