from django.contrib.auth import get_user_model
from django.core.management import call_command

from devzone.models import AnnualIndicator, Area, Community


def test_zone_demo_data_loads_twice_to_the_same_rows(db):
    from devzone.demo import load_zone

    first = load_zone()
    snapshot = sorted(
        Community.objects.values_list("name", "kind", "has_home_care_center")
    )
    second = load_zone()

    assert first["村/社区"]["new"] == 12
    assert second["村/社区"] == {"new": 0, "update": 0, "skip": 12}
    assert (
        sorted(Community.objects.values_list("name", "kind", "has_home_care_center"))
        == snapshot
    )
    assert (
        Area.objects.filter(plan_status="approved", approved_on__year=2021).count() == 7
    )
    assert (
        AnnualIndicator.objects.get(year=2021, name="一般公共预算收入").unit == "亿元"
    )


def test_ensure_admin_uses_the_given_password(
    db, monkeypatch, capsys, tmp_path, settings
):
    settings.DEBUG = True  # `make run`'s demo; production refuses (test_login_security)
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "S3cret-for-tests")
    call_command("ensure_admin")
    call_command("ensure_admin")
    out = capsys.readouterr().out
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password("S3cret-for-tests")
    assert "http://127.0.0.1:8000/admin/" in out and "S3cret-for-tests" in out


def test_ensure_admin_generates_and_keeps_a_password(
    db, monkeypatch, capsys, tmp_path, settings
):
    settings.DEBUG = True
    from devzone.management.commands import ensure_admin

    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    monkeypatch.setattr(ensure_admin, "PASSWORD_FILE", tmp_path / ".admin-password")
    call_command("ensure_admin")
    password = (tmp_path / ".admin-password").read_text().strip()
    call_command("ensure_admin")
    assert (tmp_path / ".admin-password").read_text().strip() == password
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert oct((tmp_path / ".admin-password").stat().st_mode)[-3:] == "600"


def test_purge_uploads_deletes_only_uploads_past_their_lifetime(settings, tmp_path):
    import io
    import os
    import time

    from django.core.management import call_command

    # given an upload abandoned two hours ago and one previewed a minute ago
    settings.DEVZONE_UPLOAD_DIR = tmp_path / "uploads"
    settings.DEVZONE_UPLOAD_LIFETIME = 3600
    folder = settings.DEVZONE_UPLOAD_DIR
    folder.mkdir()
    old, fresh = "a" * 32, "b" * 32
    for name, age in [(old, 7200), (fresh, 60)]:
        for path in (folder / name, folder / f"{name}.json"):
            path.write_bytes(b"321181199001011234")
            then = time.time() - age
            os.utime(path, (then, then))
    out = io.StringIO()

    # when the timer runs the command
    call_command("purge_uploads", stdout=out)

    # then the abandoned upload and its note are gone, the waiting one stays
    assert sorted(path.name for path in folder.iterdir()) == [fresh, f"{fresh}.json"]
    assert out.getvalue().strip() == "已删除 1 个超过 3600 秒未确认的上传文件。"


def test_the_purge_timer_runs_the_command_the_service_names():
    from pathlib import Path

    service = Path("deploy/devzone-purge-uploads.service").read_text()
    timer = Path("deploy/devzone-purge-uploads.timer").read_text()

    assert "ExecStart=/srv/devzone/.venv/bin/python manage.py purge_uploads" in service
    assert "Type=oneshot" in service
    assert "OnCalendar=*:0/15" in timer
    assert "WantedBy=timers.target" in timer
