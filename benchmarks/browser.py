"""devzone over real HTTP on loopback: app servers under gunicorn, and a member of
staff who logs in through the login form and fills in forms as a browser would.

Used by the load test (``benchmarks/load.py``) and by the test that runs two app
servers on one database (``tests/devzone/test_two_servers.py``).
"""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
ORIGIN = "https://127.0.0.1"
COOKIE = re.compile(r"^([^=;\s]+)=([^;]*)")


def free_port():
    """Return a TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict):
    """Return the DATABASE_URL of a connection's settings, for a server to use."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user, password = settings_dict["USER"], settings_dict["PASSWORD"]
    return (
        f"postgres://{user}:{password}@{settings_dict['HOST']}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )


def development_keys() -> dict[str, str]:
    """Return the sealing keys of the environment, else DEBUG's derived ones."""
    from devzone.sealing import development_key_settings

    keys = development_key_settings(
        os.environ.get("DJANGO_SECRET_KEY") or "devzone-insecure-development-key"
    )
    return {name: os.environ.get(name) or value for name, value in keys.items()}


def server_environment(**extra):
    """Return the environment of a production-like app server (DEBUG off)."""
    env = {
        **os.environ,
        # Not the caller's: pytest's tests.settings gives each process its own
        # upload folder.
        "DJANGO_SETTINGS_MODULE": "devzone.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY")
        or secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # The benchmarks time lists and exports behind a password login; the
        # second factor is proved by its own tests (tests/devzone/test_two_factor.py).
        "DEVZONE_ENFORCE_2FA": "0",
        "PYTHONPATH": str(ROOT),
        # The keys the data was written with: the caller's, else the ones DEBUG
        # derives from the development secret key (the benchmarks' generator).
        **development_keys(),
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


def collect_static(env):
    """Collect the static files a server with DEBUG off needs (its manifest)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )


class Server:
    """A gunicorn running devzone on 127.0.0.1, stopped on ``stop()`` or exit."""

    def __init__(self, env, workers=2, port=None, log=None):
        self.port = port or free_port()
        self.log = log or open(os.devnull, "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "devzone.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )

    def wait_ready(self, timeout=30):
        """Wait until ``/healthz`` answers 200, or raise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, 2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn on port {self.port} not ready in {timeout} s")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self.wait_ready()

    def __exit__(self, *exc):
        self.stop()


class FormParser(HTMLParser):
    """Collect each ``<form>``'s action and the fields a browser would submit."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": []})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            fields.append(
                (name, attrs.get("value", "on" if kind == "checkbox" else ""))
            )
        elif tag == "select" and name:
            self.select = {"name": name, "first": None, "chosen": []}
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in attrs:
                self.select["chosen"].append(value)
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_endtag(self, tag):
        if tag == "select" and self.select is not None:
            chosen = self.select["chosen"] or [self.select["first"] or ""]
            self.forms[-1]["fields"] += [(self.select["name"], v) for v in chosen]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.forms[-1]["fields"].append(tuple(self.textarea))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


def forms_of(html):
    """Return the page's forms: [{"action": …, "fields": [(name, value), …]}]."""
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def multipart(fields, files):
    """Return (body, content type) of a multipart form with ``files`` attached."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Browser:
    """One member of staff's cookies and connection to one app server."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.timeout = timeout
        self.cookies = {}
        self.connection = None

    def request(self, method, path, body=None, content_type=None):
        """Return (status, headers, body bytes); one retry on a closed connection."""
        # As nginx forwards it (deploy/nginx.conf): HTTPS ended at the proxy.
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
        if method == "POST":
            headers["Origin"] = ORIGIN
            headers["Referer"] = ORIGIN + path
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        path = quote(path, safe="/?&=%:+,;@")
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=self.timeout
                )
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            if match := COOKIE.match(header):
                self.cookies[match[1]] = match[2]
        if response.will_close:
            self.connection.close()
            self.connection = None
        return response.status, response.headers, data

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields, files=None):
        """POST ``fields`` (pairs) and the page's CSRF token, as a form would."""
        fields = [f for f in fields if f[0] != "csrfmiddlewaretoken"]
        fields.append(("csrfmiddlewaretoken", self.cookies.get("csrftoken", "")))
        if files:
            body, content_type = multipart(fields, files)
        else:
            body = urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request("POST", path, body, content_type)

    def form(self, path):
        """GET a page and return (its status, the fields of its largest form)."""
        status, _headers, data = self.get(path)
        forms = forms_of(data.decode())
        largest = max(forms, key=lambda form: len(form["fields"]), default=None)
        return status, (largest["fields"] if largest else [])

    def log_in(self, username, password):
        """Log in through the admin's login form; raise if it is refused."""
        _status, fields = self.form("/admin/login/")
        fields = [f for f in fields if f[0] not in {"username", "password"}]
        fields += [("username", username), ("password", password)]
        status, headers, _data = self.post("/admin/login/?next=/admin/", fields)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login of {username} refused ({status})")
        return self
