"""An LTI 1.3 platform for the end-to-end tests, built on lti1p3platform (OpenLearning's platform
implementation from PyPI, pinned in requirements.txt): this file only adapts its abstract request
and response classes to http.server and plays an LMS course page. Neither the OIDC login
initiation, nor the id_token, nor the auto-posted form are written here.

    platform.py --port N --issuer URL --client-id ID --deployment-id ID --tool URL --key PEM

Routes:
  GET /jwks                       the platform's public keys
  GET /launch?user=&name=&roles=&link=&title=&context=&context_title=&deployment=&extra=
                                  a course link: starts the OIDC login at the tool (302)
  GET|POST /auth                  the authorization endpoint: answers the tool's login with the
                                  auto-posting form that carries the id_token to the tool
  GET /course?…                   a course page that embeds /launch?… in an iframe, as LMSs
                                  embed their tools
"""

import argparse
import json
import secrets
import sys
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

from cryptography.hazmat.primitives import serialization
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import MessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration

ARGS = None
LAUNCHES: t.Dict[str, t.Dict[str, str]] = {}


class Platform(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: t.Any) -> None:
        deployment = kwargs.get("deployment") or ARGS.deployment_id
        self._registration = (
            Registration()
            .set_iss(ARGS.issuer)
            .set_client_id(ARGS.client_id)
            .set_deployment_id(deployment)
            .set_oidc_login_url(f"{ARGS.tool}/lti/login")
            .set_launch_url(f"{ARGS.tool}/lti/launch")
            .set_platform_public_key(ARGS.public_pem)
            .set_platform_private_key(ARGS.private_pem)
        )

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        return self._registration


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> t.Tuple[int, t.Dict[str, str], bytes]:
        return 302, {"Location": url}, b""


class Launch(MessageLaunchAbstract):
    def __init__(self, request: t.Dict[str, t.Any], platform: Platform) -> None:
        super().__init__(request, platform)
        self._params = request

    def get_preflight_response(self) -> t.Dict[str, t.Any]:
        return self._params

    def prepare_launch(self, preflight_response: t.Dict[str, t.Any]) -> None:
        launch = LAUNCHES[preflight_response["lti_message_hint"]]
        roles = [role for role in launch.get("roles", "").split(",") if role]
        self.set_user_data(launch["user"], roles, full_name=launch.get("name") or None)
        self.set_resource_link_claim(launch.get("link", "link-1"), title=launch.get("title") or None)
        if launch.get("context"):
            self.set_launch_context_claim(launch["context"], context_title=launch.get("context_title") or None)
        if launch.get("extra"):
            self.set_extra_claims(json.loads(launch["extra"]))

    def render_launch_form(self, launch_data: t.Dict[str, t.Any], **kwargs: t.Any) -> t.Tuple[int, t.Dict[str, str], bytes]:
        fields = "".join(
            f'<input type="hidden" name="{name}" value="{launch_data[name]}">' for name in ("id_token", "state")
        )
        page = (
            f'<!doctype html><html><body><form id="launch" method="post" action="{launch_data["launch_url"]}">{fields}'
            '</form><script>document.getElementById("launch").submit()</script></body></html>'
        )
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: t.Any) -> None:
        pass

    def answer(self, status: int, headers: t.Dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def params(self) -> t.Dict[str, str]:
        url = urlparse(self.path)
        params = dict(parse_qsl(url.query))
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            params.update(parse_qsl(self.rfile.read(length).decode()))
        return params

    def route(self) -> None:
        path = urlparse(self.path).path
        params = self.params()
        if path == "/jwks":
            platform = Platform()
            return self.answer(200, {"Content-Type": "application/json"}, json.dumps(platform.get_jwks()).encode())
        if path == "/launch":
            hint = secrets.token_hex(8)
            LAUNCHES[hint] = params
            platform = Platform(deployment=params.get("deployment"))
            login = Login(params, platform)
            login.set_lti_message_hint(hint=hint)
            return self.answer(*login.initiate_login(params["user"]))
        if path == "/course":
            query = urlparse(self.path).query
            page = f'<!doctype html><html><body><h1>Course</h1><iframe id="tool" src="/launch?{query}" width="900" height="600" allow="camera; microphone"></iframe></body></html>'
            return self.answer(200, {"Content-Type": "text/html; charset=utf-8"}, page.encode())
        if path == "/auth":
            launch = LAUNCHES.get(params.get("lti_message_hint", ""))
            if launch is None or params.get("login_hint") != launch["user"]:
                return self.answer(400, {}, b"unknown login")
            platform = Platform(deployment=launch.get("deployment"))
            return self.answer(*Launch(params, platform).lti_launch())
        self.answer(404, {}, b"not found")

    def do_GET(self) -> None:
        self.route()

    def do_POST(self) -> None:
        self.route()


def main() -> None:
    global ARGS
    parser = argparse.ArgumentParser()
    for name in ("--issuer", "--client-id", "--deployment-id", "--tool", "--key"):
        parser.add_argument(name, required=True)
    parser.add_argument("--port", type=int, default=0)
    ARGS = parser.parse_args()
    with open(ARGS.key, "rb") as pem:
        private = serialization.load_pem_private_key(pem.read(), password=None)
    ARGS.private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    ARGS.public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    print(f"lti platform listening on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
