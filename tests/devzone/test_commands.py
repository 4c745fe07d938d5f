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


def test_ensure_admin_uses_the_given_password(db, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "s3cret-for-tests")
    call_command("ensure_admin")
    call_command("ensure_admin")
    out = capsys.readouterr().out
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password("s3cret-for-tests")
    assert "http://127.0.0.1:8000/admin/" in out and "s3cret-for-tests" in out


def test_ensure_admin_generates_and_keeps_a_password(db, monkeypatch, capsys, tmp_path):
    from devzone.management.commands import ensure_admin

    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    monkeypatch.setattr(ensure_admin, "PASSWORD_FILE", tmp_path / ".admin-password")
    call_command("ensure_admin")
    password = (tmp_path / ".admin-password").read_text().strip()
    call_command("ensure_admin")
    assert (tmp_path / ".admin-password").read_text().strip() == password
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert oct((tmp_path / ".admin-password").stat().st_mode)[-3:] == "600"
