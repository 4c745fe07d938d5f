"""Take the README's and the guide's screenshots from the demo data (`make screenshots`).

A fresh SQLite database in var/ gets the roles and the demo data, a development
server serves it on a free port, and the system's Chromium visits each page at
1366×768 (and 390 px for the phone view), each page as the role the guide
describes it for (ROLES): the menus are the ones that staff have. The report's print
view is printed to PDF and its first page turned into a PNG with pdftoppm. The
downloaded files (the report's XLSX and Word files, an XLSX export) are printed to
PDF by LibreOffice (`soffice --headless`), their first page turned into a PNG the
same way.

Each picture is written into docs/screenshots/manifest.json with the role and the
address it was taken at and a fingerprint of the files that draw it (SOURCES):
tests/devzone/test_guide_screenshots.py recomputes the fingerprints and fails when
a page changed since its picture was taken. A page picture is taken only with a
user logged in, never of the login page. `python docs/take_screenshots.py photos`
(or `files`) retakes only the photo flow (or the downloaded files).
"""

import hashlib
import io
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

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
# The demo's community worker of 高楼社区 (seed_demo) is the fifth.
ROLE_OF = {name: group for name, (_full, group) in ROLES.items()} | {
    "gaolou": "社区工作人员"
}


# The files that draw each picture: its templates, styles, views and the demo data
# it shows. A change to any of them makes the picture out of date.
UI = [
    "devzone/templates/admin/*.html",
    "devzone/templates/admin/devzone/change_form.html",
    "devzone/static/devzone/admin.css",
    "devzone/static/devzone/phone.css",
    "devzone/admin_site.py",
    "devzone/locale/zh_Hans/LC_MESSAGES/django.po",
]
LIST = [*UI, "devzone/changelist.py", "devzone/filters.py", "devzone/admin_columns.py"]
IMPORT = [
    *UI,
    "devzone/templates/admin/devzone/import*.html",
    "devzone/static/devzone/imports.css",
    "devzone/spreadsheets/resources.py",
]
REPORT = [
    *UI,
    "devzone/templates/devzone/reports/annual_report.html",
    "devzone/templates/devzone/reports/bar_chart.svg",
    "devzone/static/devzone/report*.css",
    "devzone/reports/annual.py",
    "devzone/reports/views.py",
    "*/reports.py",
    "*/demo_data.py",
    "projects/demo_data/*",
]
DESK = [*UI, "devzone/templates/devzone/desk/*.html", "devzone/static/devzone/desk.css"]
PHOTOS = [
    *UI,
    "devzone/templates/admin/devzone/photos/*.html",
    "devzone/static/devzone/photos.css",
    "devzone/photos/*.py",
    "governance/admin.py",
]
FILES = ["devzone/reports/documents.py", "devzone/spreadsheets/export/xlsx_file.py"]
SOURCES = {
    "index.png": [*UI, "devzone/desk/todo.py", "*/roles.py"],
    "changelist-filtered.png": [
        *LIST,
        "projects/admin.py",
        "projects/admin_filters.py",
    ],
    "changelist-phone.png": [*LIST, "welfare/admin.py"],
    "import-form.png": [*IMPORT, "projects/resources.py"],
    "import-preview.png": [
        *IMPORT,
        "governance/resources.py",
        "fixtures/samples/governance_cases_gbk.csv",
    ],
    "import-errors.png": [
        *IMPORT,
        "projects/resources.py",
        "fixtures/samples/projects_households_errors.csv",
    ],
    "admin-export.png": [*UI, "devzone/templates/admin/devzone/export.html"],
    "export-centre.png": [
        *UI,
        "devzone/templates/devzone/reports/export_dataset.html",
        "devzone/reports/export_centre.py",
    ],
    "report.png": REPORT,
    "report-phone.png": REPORT,
    "report-print.png": REPORT,
    "report-xlsx.png": [*REPORT, *FILES],
    "report-docx.png": [*REPORT, *FILES],
    "export-xlsx.png": [*FILES, "welfare/resources.py", "welfare/demo_data.py"],
    "photos-phone-upload.png": PHOTOS,
    "photos-phone-before.png": PHOTOS,
    "photos-phone-refused.png": [*PHOTOS, "governance/services.py"],
    "photos-phone-closed.png": PHOTOS,
    "desk-todo.png": [*DESK, "devzone/desk/todo.py", "*/todo.py", "*/apps.py"],
    "desk-due-visits.png": [*LIST, "welfare/admin.py", "welfare/models.py"],
    "desk-person.png": [*DESK, "devzone/desk/people.py", "*/people.py"],
    "desk-person-phone.png": [*DESK, "devzone/desk/people.py", "*/people.py"],
    "desk-notices.png": [*DESK, "devzone/desk/reminders.py"],
}
MANIFEST = OUT / "manifest.json"
# What each picture shows, as it was taken: name -> role, address, screen.
TAKEN: dict[str, dict] = {}
# Who each browser context is logged in as: context -> username.
LOGGED_IN: dict = {}


def fingerprint(name):
    """Return a hash of the files that draw the picture ``name`` (SOURCES)."""
    digest = hashlib.sha256()
    paths = sorted(
        {p for glob in SOURCES[name] for p in ROOT.glob(glob) if p.is_file()}
    )
    for path in paths:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def snap(page, name, **options):
    """Take the picture ``name`` of ``page``, checked to be of a logged-in page."""
    username = LOGGED_IN[page.context]
    assert "/login/" not in page.url, f"{name}: the login page"
    user_tools = page.locator("#user-tools")
    assert user_tools.count() == 1, f"{name}: no one is logged in"
    page.screenshot(path=OUT / name, **options)
    TAKEN[name] = {
        "role": ROLE_OF.get(username, ""),
        "user": username,
        "url": address(page.url),
        "width": page.viewport_size["width"],
    }


def address(url):
    """Return a URL's path and query, as the manifest names a page."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def write_manifest():
    """Write each picture's role, address and fingerprint, keeping the ones not retaken."""
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    for name, shot in TAKEN.items():
        manifest[name] = {
            **shot,
            "sources": SOURCES[name],
            "fingerprint": fingerprint(name),
        }
    MANIFEST.write_text(
        json.dumps(dict(sorted(manifest.items())), ensure_ascii=False, indent=1) + "\n"
    )


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


def shoot_phone_photos(browser, base, password):
    """The phone flow of the guide: photos before, after, the case closed, as the
    community worker on site."""
    phone = new_context(browser, base, PHONE)
    page = log_in(phone, "gaolou", password)
    page.goto(
        "/admin/governance/environmentalcase/?status__exact=filed&category__exact=street_vending"
    )
    page.locator("#result_list tbody tr th a").first.click()
    files = page.locator("input[name=photo_files]")
    files.scroll_into_view_if_needed()
    snap(page, "photos-phone-upload.png")

    files.set_input_files([scene(False), scene(False, 30)])
    page.get_by_label("照片类型").select_option(label="整改前")
    page.get_by_label("照片说明").fill("人行道上的流动摊位")
    page.get_by_role("button", name="保存并继续编辑").click()
    page.locator("[data-photo-panel]").scroll_into_view_if_needed()
    snap(page, "photos-phone-before.png")

    page.get_by_label("状态").select_option(label="已办结")
    page.get_by_label("办结日期").fill(time.strftime("%Y-%m-%d"))
    page.get_by_role("button", name="保存", exact=True).click()
    page.locator(".errornote").scroll_into_view_if_needed()
    snap(page, "photos-phone-refused.png")

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
    snap(page, "photos-phone-closed.png")
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
    LOGGED_IN[context] = username
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
            shoot_phone_photos(browser, base, password)
            browser.close()
            return
        # 项目办: the index, a filtered list, imports and exports of households.
        snap(page, "index.png")

        page.goto("/admin/projects/relocationhousehold/?status__exact=signed")
        snap(page, "changelist-filtered.png")

        page.goto("/admin/projects/relocationhousehold/import/")
        snap(page, "import-form.png")
        cases.goto("/admin/governance/environmentalcase/import/")
        cases.get_by_label("选择文件").set_input_files(
            str(ROOT / "fixtures/samples/governance_cases_gbk.csv")
        )
        cases.get_by_role("button", name="上传并预览").click()
        cases.locator(".import-summary").wait_for()
        cases.locator(".import-summary").scroll_into_view_if_needed()
        snap(cases, "import-preview.png")
        page.goto("/admin/projects/relocationhousehold/import/")
        page.get_by_label("选择文件").set_input_files(
            str(ROOT / "fixtures/samples/projects_households_errors.csv")
        )
        page.get_by_role("button", name="上传并预览").click()
        page.locator(".import-errors").scroll_into_view_if_needed()
        snap(page, "import-errors.png")

        page.goto("/admin/projects/relocationhousehold/export/?status__exact=signed")
        snap(page, "admin-export.png")

        leader_context = new_context(browser, base)
        leader = log_in(leader_context, "lingdao", password)
        leader.goto("/reports/annual/?year=2021")
        snap(leader, "report.png")
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
        TAKEN["report-print.png"] = {**TAKEN["report.png"], "width": "A4"}

        page.goto(
            "/reports/exports/projects.relocationhousehold/"
            "?status=signed&signed_on_after=2021-01-01&signed_on_before=2021-06-30"
        )
        snap(page, "export-centre.png")

        phone = browser.new_context(
            viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=base
        )
        phone.add_cookies(leader_context.cookies())
        LOGGED_IN[phone] = "lingdao"
        small = phone.new_page()
        small.goto("/reports/annual/?year=2021")
        snap(small, "report-phone.png")
        clerk_phone = new_context(browser, base, PHONE)
        clerk = log_in(clerk_phone, "shiye", password)
        clerk.goto("/admin/welfare/welfarerecipient/")
        snap(clerk, "changelist-phone.png")
        shoot_phone_photos(browser, base, password)
        shoot_desk(browser, base, password)
        browser.close()


def shoot_desk(browser, base, password):
    """The worker's desk, as the demo community worker of 高楼社区 sees it."""
    context = new_context(browser, base)
    page = log_in(context, "gaolou", password)
    snap(page, "desk-todo.png")
    page.locator('[data-todo="welfare.due_visit"] .todo-list-link').click()
    page.locator("#result_list").wait_for()
    snap(page, "desk-due-visits.png")
    page.goto("/admin/")
    page.get_by_label("身份证号").fill("321181198512178853")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**/desk/people/*/")
    page.locator(".person-card").first.wait_for()
    snap(page, "desk-person.png", full_page=True)
    person_url = page.url
    page.goto("/desk/notices/")
    snap(page, "desk-notices.png")
    phone = browser.new_context(
        viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=base
    )
    phone.add_cookies(context.cookies())
    LOGGED_IN[phone] = "gaolou"
    small = phone.new_page()
    small.goto(person_url)
    snap(small, "desk-person-phone.png")


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
        # A downloaded file of the whole zone, printed: no page, no role.
        TAKEN[shot] = {"role": "", "user": "", "url": "", "width": "A4"}


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
                write_manifest()
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
    write_manifest()
    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
