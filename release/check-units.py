#!/usr/bin/env python3
"""Runs the systemd units' own command lines, as systemd would start them, against a
sandbox platform: proves that what the units ship (ExecStart, Environment=, the
EnvironmentFile example, LoadCredential) makes a working drain and endpoint with the CLI
they install.

    python3 release/check-units.py CLI UNITS_DIR

UNITS_DIR holds the units as shipped (the tarball's systemd/). For each service:
Environment= is applied, then the env file (glorycard.env.example with the platform's
URL, its CA and the listen address of this run filled in; systemd lets an EnvironmentFile
override Environment=), then GLORYCARD_DB points into a temporary folder (the unit's
/var/lib/glorycard is the StateDirectory systemd would make). `%d` is the credentials
folder, holding each LoadCredential= file by its name; `${NAME}` is the variable's value,
one word, as systemd expands it. Then:

  1. three deductions enter the outbox (`glorycard outbox add`, as the HIS would);
  2. glorycard-outbox-drain.service's ExecStart delivers them: exit 0, and the sandbox
     holds exactly those three;
  3. glorycard-institution.service's ExecStart serves /deductCheck over HTTPS with a
     certificate made here by openssl; the sandbox's reconciliation finds the same three
     on both sides and no difference.

Exits non-zero, saying why, on any failure.
"""

import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

SID = "47258258201708031835123456"
# A key made for this check only (the sandbox and the units share it).
KEY = "3b7c0e1f5a9d4c26b8e04f7d1a2c6e95"
ORG_CODE = "106607"
INSTALLED_CLI = "/usr/local/bin/glorycard"
# GB 11643's weights and check characters, for valid resident IDs.
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def fail(message):
    sys.exit(f"check-units: {message}")


def resident_id(n):
    base = f"3301021980{n:07d}"
    return base + CHECK[sum(int(d) * w for d, w in zip(base, WEIGHTS)) % 11]


def unit_settings(path):
    """The [Service] section's settings, each name with its values in order."""
    settings, section = {}, None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        if section == "Service":
            name, _, value = line.partition("=")
            settings.setdefault(name, []).append(value)
    return settings


def env_file(path):
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def service_command(cli, unit, env_path, creds, overrides):
    """The unit's ExecStart as argv, and the environment systemd would give it."""
    settings = unit_settings(unit)
    env = {"PATH": os.environ["PATH"]}
    for assignment in settings.get("Environment", []):
        for word in shlex.split(assignment):
            name, _, value = word.partition("=")
            env[name] = value
    if settings.get("EnvironmentFile") != ["/etc/glorycard/glorycard.env"]:
        fail(f"{unit.name}: EnvironmentFile is {settings.get('EnvironmentFile')}")
    env.update(env_file(env_path))
    env.update(overrides)
    for credential in settings.get("LoadCredential", []):
        name, _, source = credential.partition(":")
        if not (creds / name).is_file():
            fail(f"{unit.name}: LoadCredential {name} from {source}: no such credential here")
    (exec_start,) = settings["ExecStart"]
    exec_start = exec_start.replace("%d", str(creds))
    exec_start = re.sub(r"\$\{(\w+)\}", lambda m: shlex.quote(env[m.group(1)]), exec_start)
    argv = shlex.split(exec_start)
    # The README installs the CLI there; here the one under test stands in for it.
    if argv[0] != INSTALLED_CLI:
        fail(f"{unit.name}: ExecStart runs {argv[0]}, not {INSTALLED_CLI}")
    return [str(cli)] + argv[1:], env


def start_server(argv, env):
    """Starts a CLI server; returns it and the URL its first line on stderr names."""
    child = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = child.stderr.readline()
    urls = [w for w in line.split() if w.startswith(("https://", "http://"))]
    if not urls:
        child.kill()
        fail(f"{argv[1]} printed no URL: {line!r}{child.stderr.read()}")
    return child, urls[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin(url, ca, path):
    context = ssl.create_default_context(cafile=str(ca))
    with urllib.request.urlopen(url + path, context=context, timeout=30) as answer:
        return json.load(answer)


def main():
    cli, units = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    work = Path(tempfile.mkdtemp(prefix="glorycard-units-"))
    servers = []
    try:
        creds = work / "credentials"
        creds.mkdir()
        (creds / "key").write_text(KEY + "\n")
        # The institution's TLS identity: a CA, and a leaf for localhost signed by it.
        openssl = ["openssl", "req", "-nodes", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256"]
        subprocess.run(openssl + ["-x509", "-days", "2", "-subj", "/CN=glorycard units CA",
                                  "-keyout", work / "ca.key", "-out", work / "ca.pem"],
                       check=True, capture_output=True)
        subprocess.run(openssl + ["-subj", "/CN=localhost", "-keyout", creds / "tls-key.pem",
                                  "-out", work / "leaf.csr"], check=True, capture_output=True)
        (work / "leaf.ext").write_text("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"
                                       "extendedKeyUsage=serverAuth\n")
        subprocess.run(["openssl", "x509", "-req", "-days", "2", "-in", work / "leaf.csr",
                        "-CA", work / "ca.pem", "-CAkey", work / "ca.key", "-CAcreateserial",
                        "-extfile", work / "leaf.ext", "-out", creds / "tls-cert.pem"],
                       check=True, capture_output=True)

        listen_port = free_port()
        platform_ca = work / "platform-ca.pem"
        sandbox, platform_url = start_server(
            [cli, "sandbox", "--listen", "127.0.0.1:0", "--sid", SID, "--key-file",
             creds / "key", "--org-code", ORG_CODE, "--cert-out", platform_ca,
             "--institution-url", f"https://localhost:{listen_port}",
             "--institution-ca", work / "ca.pem"], dict(os.environ))
        servers.append(sandbox)
        print(f"  sandbox platform at {platform_url}")

        # glorycard.env as an operator fills it in from the example.
        example = (units / "glorycard.env.example").read_text(encoding="utf-8")
        filled = re.sub(r"^GLORYCARD_BASE_URL=.*$", f"GLORYCARD_BASE_URL={platform_url}",
                        example, flags=re.M)
        filled = re.sub(r"^GLORYCARD_SID=.*$", f"GLORYCARD_SID={SID}", filled, flags=re.M)
        filled = re.sub(r"^GLORYCARD_ORG_CODE=.*$", f"GLORYCARD_ORG_CODE={ORG_CODE}", filled,
                        flags=re.M)
        filled = filled.replace("#GLORYCARD_CA_CERT=/etc/glorycard/platform-ca.pem",
                                f"GLORYCARD_CA_CERT={platform_ca}")
        filled = re.sub(r"^#GLORYCARD_LISTEN=0\.0\.0\.0:(\d+)$",
                        f"GLORYCARD_LISTEN=127.0.0.1:{listen_port}", filled, flags=re.M)
        if filled.count(str(platform_url)) != 1 or f"127.0.0.1:{listen_port}" not in filled \
                or str(platform_ca) not in filled:
            fail("glorycard.env.example no longer has the settings this check fills in")
        env_path = work / "glorycard.env"
        env_path.write_text(filled, encoding="utf-8")
        state = {"GLORYCARD_DB": str(work / "state" / "outbox.db")}
        (work / "state").mkdir()

        ids = [f"UNITS-{n}" for n in range(3)]
        records = "".join(json.dumps({
            "orgCode": ORG_CODE, "certType": "0", "certNo": resident_id(n),
            "certName": "张小凡", "deductionID": ids[n], "totalFee": "25.00",
            "deductionFee": "20.00", "deductionTime": f"2026-11-26 08:00:0{n}",
            "gloryType": "1", "deductionType": "0"}, ensure_ascii=False) + "\n"
            for n in range(3))
        subprocess.run([cli, "outbox", "add"], input=records, text=True, check=True,
                       env={**os.environ, **state})

        argv, env = service_command(cli, units / "glorycard-outbox-drain.service", env_path, creds,
                                    state)
        print("  glorycard-outbox-drain.service:", shlex.join(map(str, argv)))
        drained = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        if drained.returncode != 0:
            fail(f"the drain unit exited {drained.returncode}: {drained.stdout}{drained.stderr}")
        print("   ", drained.stdout.strip())
        held = sorted(d["deductionID"] for d in admin(platform_url, platform_ca,
                                                      "/admin/deductions"))
        if held != ids:
            fail(f"the sandbox holds {held}, not {ids}")

        argv, env = service_command(cli, units / "glorycard-institution.service", env_path, creds,
                                    state)
        print("  glorycard-institution.service:", shlex.join(map(str, argv)))
        institution, institution_url = start_server(argv, env)
        servers.append(institution)
        if institution_url != f"https://127.0.0.1:{listen_port}":
            fail(f"the endpoint unit serves {institution_url}, not the env file's address")
        report = admin(platform_url, platform_ca, "/admin/reconcile")
        counts = (report.get("platformCount"), report.get("institutionCount"))
        if report.get("differences") != [] or counts != (3, 3):
            fail(f"reconciliation through the endpoint unit: {report}")
        print(f"    reconciliation through it: platform {counts[0]}, institution {counts[1]}, "
              "no difference")
    finally:
        for server in servers:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
