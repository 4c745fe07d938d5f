"""Take the README's and the guide's screenshots from the demo data (`make screenshots`).

A fresh SQLite database in var/ gets the roles and the demo data, a development
server serves it on a free port, and the system's Chromium visits each page at
1366×768 (and 390 px for the phone view), each page as the role the guide
describes it for (ROLES): the menus are the ones that staff have. The report's print
view is printed to PDF and its first page turned into a PNG with pdftoppm. The
downloaded files (the report's XLSX and Word files, an XLSX export) are printed to
PDF by LibreOffice (`soffice --headless`), their first page turned into a PNG the
same way.
"""

import io
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS, OFFICE, PHONE  # noqa: E402

# The browser's own words (file and date inputs) in Chinese.
ARGS = [*CHROMIUM_ARGS, "--lang=zh-CN"]

# The users the pictures are taken as: username -> (full name, role group).
ROLES = {
    "xiangmu": ("陈晓东", "项目办"),
    "huanjing": ("孙志刚", "环境城管"),
    "shiye": ("李青", "社会事业"),
    "lingdao": ("王建国", "领导"),
}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare(env, password):
    for command in (
        ["migrate", "--noinput"],
        ["createcachetable"],
        ["setup_roles"],
        ["seed_demo"],
    ):
        manage(env, *command)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model;"
            "U = get_user_model();"
            f"U.objects.filter(username='admin').exists() or "
            f"U.objects.create_superuser('admin', password='{password}', first_name='王', last_name='');"
            # The demo's community worker of 高楼社区 (seed_demo), for the desk's shots.
            f"w = U.objects.get(username='gaolou'); w.set_password('{password}'); w.save();"
            "from django.contrib.auth.models import Group;"
            + "".join(
                f"u, _ = U.objects.get_or_create(username='{name}', "
                f"defaults={{'first_name': '{full}', 'is_staff': True}}); "
                f"u.set_password('{password}'); u.save(); "
                f"u.groups.add(Group.objects.get(name='{group}'));"
                for name, (full, group) in ROLES.items()
            ),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    manage(env, "send_reminders")


def serve(env, port):
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(60):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=1)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the development server did not start")


def scene(after, shade=0):
    """Return a JPEG of a drawn street: stalls on the pavement, or a clear one."""
    image = Image.new("RGB", (1200, 900), (150 + shade, 190, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 520, 1200, 900], fill=(120, 120, 120))
    draw.rectangle([0, 560, 1200, 620], fill=(200, 200, 190))
    for x in range(60, 1200, 300):
        draw.rectangle([x, 200, x + 220, 520], fill=(190, 170, 140))
    if not after:
        for x in (100, 420, 760):
            draw.rectangle([x, 600, x + 200, 700], fill=(200, 60 + shade, 40))
            draw.polygon([(x - 20, 600), (x + 220, 600), (x + 100, 540)], fill="blue")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return {"name": "street.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def shoot_phone_photos(browser, cookies, base):
    """The phone flow of the guide: photos before, after, the case closed."""
    phone = browser.new_context(
        viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=base
    )
    phone.add_cookies(cookies)
    page = phone.new_page()
    page.goto(
        "/admin/governance/environmentalcase/?status__exact=filed&category__exact=street_vending"
    )
    page.locator("#result_list tbody tr th a").first.click()
    files = page.locator("input[name=photo_files]")
    files.scroll_into_view_if_needed()
    page.screenshot(path=OUT / "photos-phone-upload.png")

    files.set_input_files([scene(False), scene(False, 30)])
    page.get_by_label("照片类型").select_option(label="整改前")
    page.get_by_label("照片说明").fill("人行道上的流动摊位")
    page.get_by_role("button", name="保存并继续编辑").click()
    page.locator("[data-photo-panel]").scroll_into_view_if_needed()
    page.screenshot(path=OUT / "photos-phone-before.png")

    page.get_by_label("状态").select_option(label="已办结")
    page.get_by_label("办结日期").fill(time.strftime("%Y-%m-%d"))
    page.get_by_role("button", name="保存", exact=True).click()
    page.locator(".errornote").scroll_into_view_if_needed()
    page.screenshot(path=OUT / "photos-phone-refused.png")

    page.goto(page.url)
    page.locator("input[name=photo_files]").set_input_files([scene(True)])
    page.get_by_label("照片类型").select_option(label="整改后")
    page.get_by_label("照片说明").fill("摊位已清理，路面恢复通行")
    page.get_by_label("状态").select_option(label="已办结")
    page.get_by_label("办结日期").fill(time.strftime("%Y-%m-%d"))
    page.get_by_role("button", name="保存并继续编辑").click()
    panel = page.locator("[data-photo-panel]")
    panel.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-photo-panel] img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    page.screenshot(path=OUT / "photos-phone-closed.png")
    phone.close()


def new_context(browser, base, viewport=OFFICE):
    return browser.new_context(
        viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=base
    )


def log_in(context, username, password):
    """Return a page of ``context`` logged in as ``username``."""
    page = context.new_page()
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")
    return page


def shoot(base, password, only=None):
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=ARGS,
            env={**os.environ, "LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"},
        )
        context = browser.new_context(
            viewport=OFFICE, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=base
        )
        page = log_in(context, "xiangmu", password)
        cases_context = new_context(browser, base)
        cases = log_in(cases_context, "huanjing", password)
        if only == "photos":
            shoot_phone_photos(browser, cases_context.cookies(), base)
            browser.close()
            return
        # 项目办: the index, a filtered list, imports and exports of households.
        page.screenshot(path=OUT / "index.png")

        page.goto("/admin/projects/relocationhousehold/?status__exact=signed")
        page.screenshot(path=OUT / "changelist-filtered.png")

        page.goto("/admin/projects/relocationhousehold/import/")
        page.screenshot(path=OUT / "import-form.png")
        cases.goto("/admin/governance/environmentalcase/import/")
        cases.get_by_label("选择文件").set_input_files(
            str(ROOT / "fixtures/samples/governance_cases_gbk.csv")
        )
        cases.get_by_role("button", name="上传并预览").click()
        cases.locator(".import-summary").wait_for()
        cases.locator(".import-summary").scroll_into_view_if_needed()
        cases.screenshot(path=OUT / "import-preview.png")
        page.goto("/admin/projects/relocationhousehold/import/")
        page.get_by_label("选择文件").set_input_files(
            str(ROOT / "fixtures/samples/projects_households_errors.csv")
        )
        page.get_by_role("button", name="上传并预览").click()
        page.locator(".import-errors").scroll_into_view_if_needed()
        page.screenshot(path=OUT / "import-errors.png")

        page.goto("/admin/projects/relocationhousehold/export/?status__exact=signed")
        page.screenshot(path=OUT / "admin-export.png")

        leader_context = new_context(browser, base)
        leader = log_in(leader_context, "lingdao", password)
        leader.goto("/reports/annual/?year=2021")
        leader.screenshot(path=OUT / "report.png")
        leader.emulate_media(media="print")
        with tempfile.TemporaryDirectory() as folder:
            pdf = Path(folder) / "report.pdf"
            leader.pdf(path=pdf, format="A4", prefer_css_page_size=True)
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "70",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(pdf),
                    str(OUT / "report-print"),
                ],
                check=True,
            )
        leader.emulate_media(media="screen")

        page.goto(
            "/reports/exports/projects.relocationhousehold/"
            "?status=signed&signed_on_after=2021-01-01&signed_on_before=2021-06-30"
        )
        page.screenshot(path=OUT / "export-centre.png")

        phone = browser.new_context(
            viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=base
        )
        phone.add_cookies(leader_context.cookies())
        small = phone.new_page()
        small.goto("/reports/annual/?year=2021")
        small.screenshot(path=OUT / "report-phone.png")
        clerk_phone = new_context(browser, base, PHONE)
        clerk = log_in(clerk_phone, "shiye", password)
        clerk.goto("/admin/welfare/welfarerecipient/")
        clerk.screenshot(path=OUT / "changelist-phone.png")
        shoot_phone_photos(browser, cases_context.cookies(), base)
        shoot_desk(browser, base, password)
        browser.close()


def shoot_desk(browser, base, password):
    """The worker's desk, as the demo community worker of 高楼社区 sees it."""
    context = browser.new_context(
        viewport=OFFICE, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=base
    )
    page = context.new_page()
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill("gaolou")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")
    page.screenshot(path=OUT / "desk-todo.png")
    page.locator('[data-todo="welfare.due_visit"] .todo-list-link').click()
    page.locator("#result_list").wait_for()
    page.screenshot(path=OUT / "desk-due-visits.png")
    page.goto("/admin/")
    page.get_by_label("身份证号").fill("321181198512178853")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**/desk/people/*/")
    page.locator(".person-card").first.wait_for()
    page.screenshot(path=OUT / "desk-person.png", full_page=True)
    person_url = page.url
    page.goto("/desk/notices/")
    page.screenshot(path=OUT / "desk-notices.png")
    phone = browser.new_context(
        viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=base
    )
    phone.add_cookies(context.cookies())
    small = phone.new_page()
    small.goto(person_url)
    small.screenshot(path=OUT / "desk-person-phone.png")


# Written inside `manage.py shell`: the files a user downloads, from the demo data.
WRITE_FILES = """
from pathlib import Path
from django.utils import timezone
from devzone.reports import annual, documents
from devzone.scope import WHOLE_ZONE
from devzone.spreadsheets.export import Export
from welfare.models import AssistanceRecord
from welfare.resources import AssistanceRecordResource
folder = Path({folder!r})
sections = annual.build_report(2021, WHOLE_ZONE)
kwargs = dict(year=2021, scope=WHOLE_ZONE, today=timezone.localdate())
for name, write in [("report.xlsx", documents.report_workbook),
                    ("report.docx", documents.report_document)]:
    (folder / name).write_bytes(write(sections, **kwargs).read())
records = AssistanceRecord.objects.order_by("date", "pk")[:45]
export = Export(AssistanceRecordResource(), records, "xlsx")
(folder / "records.xlsx").write_bytes(b"".join(export.chunks("帮扶记录")))
"""
FILE_SHOTS = {
    "report.xlsx": "report-xlsx.png",
    "report.docx": "report-docx.png",
    "records.xlsx": "export-xlsx.png",
}


def shoot_files(env, folder):
    """Render the downloaded files' first pages through LibreOffice into PNGs."""
    files = Path(folder) / "files"
    files.mkdir()
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            WRITE_FILES.format(folder=str(files)),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    for name, shot in FILE_SHOTS.items():
        pdf_dir = files / name.replace(".", "_")
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", pdf_dir, name],
            cwd=files,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        pdf = pdf_dir / f"{Path(name).stem}.pdf"
        stem = files / Path(shot).stem
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                pdf,
                stem,
            ],
            check=True,
        )
        (OUT / shot).write_bytes(stem.with_suffix(".png").read_bytes())


def main():
    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/screenshots.sqlite3",
            "DJANGO_DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "devzone.settings",
            "DEVZONE_UPLOAD_DIR": str(Path(folder) / "uploads"),
            "DEVZONE_MEDIA_DIR": str(Path(folder) / "media"),
        }
        prepare(env, password)
        only = (sys.argv[1:] or [None])[0]
        if only in (None, "files"):
            # `python docs/take_screenshots.py files`: the downloaded files only.
            shoot_files(env, folder)
            if only == "files":
                return
        port = free_port()
        server = serve(env, port)
        try:
            # `python docs/take_screenshots.py photos`: the phone photo flow only.
            shoot(
                f"http://127.0.0.1:{port}", password, only=(sys.argv[1:] or [None])[0]
            )
        finally:
            server.terminate()
            server.wait()
    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
