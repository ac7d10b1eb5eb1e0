#!/usr/bin/env python3
"""Runs the systemd units' own command lines, as systemd would start them, against a
sandbox platform: proves that what the units ship (ExecStart, Environment=, the
EnvironmentFile example, LoadCredential) makes a working drain and endpoint with the CLI
they install.

    python3 release/check-units.py [--systemd 247|219] CLI UNITS_DIR

UNITS_DIR holds the units as shipped: the tarball's systemd/ (systemd 247 and newer, the
default) or systemd-219/ (`--systemd 219`: CentOS 7 and newer). First, for the 219 set,
every directive must be one systemd 219 knows and every specifier one it has (no `%d`);
then `systemd-analyze verify` must pass every unit with no warning. For each service:
Environment= is applied, then the env file (glorycard.env.example with the platform's
URL, its CA and the listen address of this run filled in; systemd lets an EnvironmentFile
override Environment=), then GLORYCARD_DB points into a temporary folder (the unit's
/var/lib/glorycard). A temporary folder stands in for /etc/glorycard, holding the key,
tls-cert.pem and tls-key.pem, mode 0400 as the 219 set's README installs them; it is also
`%d`, the credentials folder of the 247 set, holding each LoadCredential= file by its
name. `${NAME}` is the variable's value, one word, as systemd expands it. Then:

  1. three deductions enter the outbox (`glorycard outbox add`, as the HIS would);
  2. glorycard-outbox-drain.service's ExecStart delivers them: exit 0, and the sandbox
     holds exactly those three;
  3. glorycard-institution.service's ExecStart serves /deductCheck over HTTPS with a
     certificate made here by openssl; the sandbox's reconciliation finds the same three
     on both sides and no difference.

Exits non-zero, saying why, on any failure.
"""

import argparse
import json
import os
import pwd
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
# Where the README installs the key, the TLS files and the env file.
ETC = "/etc/glorycard"
# Who the services' command lines run as when this check runs as root: an unprivileged
# user owning the key files (0400), so that the files' modes are really in force, as the
# glorycard user's are under systemd.
SERVICE_USER = "nobody" if os.geteuid() == 0 else None
# subprocess's arguments that run a command as that user, with its group and no other.
AS_SERVICE = {"user": SERVICE_USER, "group": pwd.getpwnam(SERVICE_USER).pw_gid,
              "extra_groups": []} if SERVICE_USER else {}
# GB 11643's weights and check characters, for valid resident IDs.
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


# What systemd 219 knows, per section of the units shipped: the unit-file parser's table,
# src/core/load-fragment-gperf.gperf.m4 in github.com/systemd/systemd as of v220 (the table
# that has FileDescriptorStoreMax=, new in 219), less Automount.TimeoutIdleSec=, the one
# unit-file setting NEWS lists for 220, and less SysVStartPriority= (parsed only to warn);
# the same settings systemd.unit(5), systemd.service(5), systemd.exec(5), systemd.kill(5),
# systemd.resource-control(5) and systemd.timer(5) of v219 document.
_EXEC_219 = """WorkingDirectory RootDirectory User Group SupplementaryGroups Nice OOMScoreAdjust
IOSchedulingClass IOSchedulingPriority CPUSchedulingPolicy CPUSchedulingPriority
CPUSchedulingResetOnFork CPUAffinity UMask Environment EnvironmentFile StandardInput
StandardOutput StandardError TTYPath TTYReset TTYVHangup TTYVTDisallocate SyslogIdentifier
SyslogFacility SyslogLevel SyslogLevelPrefix Capabilities SecureBits CapabilityBoundingSet
TimerSlackNSec NoNewPrivileges SystemCallFilter SystemCallArchitectures SystemCallErrorNumber
RestrictAddressFamilies LimitCPU LimitFSIZE LimitDATA LimitSTACK LimitCORE LimitRSS LimitNOFILE
LimitAS LimitNPROC LimitMEMLOCK LimitLOCKS LimitSIGPENDING LimitMSGQUEUE LimitNICE LimitRTPRIO
LimitRTTIME ReadWriteDirectories ReadOnlyDirectories InaccessibleDirectories PrivateTmp
PrivateNetwork PrivateDevices ProtectSystem ProtectHome MountFlags Personality
RuntimeDirectoryMode RuntimeDirectory PAMName IgnoreSIGPIPE UtmpIdentifier UtmpMode
SELinuxContext AppArmorProfile SmackProcessLabel"""
_KILL_219 = "SendSIGKILL SendSIGHUP KillMode KillSignal"
_CGROUP_219 = """Slice CPUAccounting CPUShares StartupCPUShares CPUQuota MemoryAccounting MemoryLimit
DeviceAllow DevicePolicy BlockIOAccounting BlockIOWeight StartupBlockIOWeight
BlockIODeviceWeight BlockIOReadBandwidth BlockIOWriteBandwidth Delegate"""
_CONDITIONS_219 = """PathExists PathExistsGlob PathIsDirectory PathIsSymbolicLink PathIsMountPoint
PathIsReadWrite DirectoryNotEmpty FileNotEmpty FileIsExecutable NeedsUpdate FirstBoot
KernelCommandLine Architecture Virtualization Security Capability Host ACPower Null"""
_UNIT_219 = """Description Documentation SourcePath Requires RequiresOverridable Requisite
RequisiteOverridable Wants BindsTo BindTo Conflicts Before After OnFailure PropagatesReloadTo
PropagateReloadTo ReloadPropagatedFrom PropagateReloadFrom PartOf JoinsNamespaceOf
RequiresMountsFor StopWhenUnneeded RefuseManualStart RefuseManualStop AllowIsolate
DefaultDependencies OnFailureJobMode OnFailureIsolate IgnoreOnIsolate IgnoreOnSnapshot
JobTimeoutSec JobTimeoutAction JobTimeoutRebootArgument"""
_SERVICE_219 = """PIDFile ExecStartPre ExecStart ExecStartPost ExecReload ExecStop ExecStopPost
RestartSec TimeoutSec TimeoutStartSec TimeoutStopSec WatchdogSec StartLimitInterval
StartLimitBurst StartLimitAction RebootArgument FailureAction Type Restart
PermissionsStartOnly RootDirectoryStartOnly RemainAfterExit GuessMainPID
RestartPreventExitStatus RestartForceExitStatus SuccessExitStatus NonBlocking BusName
FileDescriptorStoreMax NotifyAccess Sockets BusPolicy"""
_TIMER_219 = """OnCalendar OnActiveSec OnBootSec OnStartupSec OnUnitActiveSec OnUnitInactiveSec
Persistent WakeSystem AccuracySec Unit"""
DIRECTIVES_219 = {
    "Unit": set(_UNIT_219.split())
    | {kind + name for kind in ("Condition", "Assert") for name in _CONDITIONS_219.split()},
    "Service": set(f"{_SERVICE_219} {_EXEC_219} {_CGROUP_219} {_KILL_219}".split()),
    "Timer": set(_TIMER_219.split()),
    "Install": {"Alias", "WantedBy", "RequiredBy", "Also", "DefaultInstance"},
}
# The specifiers systemd.unit(5) of v219 lists (%d, the credentials folder, came in 247).
SPECIFIERS_219 = set("nNpPiIfcrRtuUhsmbHv%")


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


def unit_sections(path):
    """Every (line number, section, name, value) of a unit file."""
    entries, section = [], None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        name, _, value = line.partition("=")
        entries.append((number, section, name.strip(), value))
    return entries


def check_systemd_219(units):
    """Fails naming every directive or specifier of the units that systemd 219 lacks."""
    problems = []
    for unit in sorted([*units.glob("*.service"), *units.glob("*.timer")]):
        for number, section, name, value in unit_sections(unit):
            if name not in DIRECTIVES_219.get(section, set()):
                problems.append(f"{unit.name}:{number}: [{section}] {name}= is not in systemd 219")
            if name == "SystemCallFilter" and "@" in value:
                problems.append(f"{unit.name}:{number}: system call sets (@...) came in "
                                "systemd 231")
            for specifier in re.findall(r"%(.)", value.replace("%%", "")):
                if specifier not in SPECIFIERS_219:
                    problems.append(f"{unit.name}:{number}: the specifier %{specifier} is not in "
                                    "systemd 219")
    if problems:
        fail("units for systemd 219 use what it does not know:\n  " + "\n  ".join(problems))
    print(f"  every directive and specifier of {units.name}/ is one systemd 219 knows")


def systemd_analyze_verify(cli, units, work):
    """`systemd-analyze verify` on a copy of the units whose ExecStart runs `cli` (verify
    needs the program to exist): no error, no warning."""
    if shutil.which("systemd-analyze") is None:
        fail("no systemd-analyze: install Debian's systemd package (apt-get install systemd)")
    copy = work / f"verify-{units.name}"
    shutil.copytree(units, copy)
    names = []
    for unit in sorted([*copy.glob("*.service"), *copy.glob("*.timer")]):
        unit.write_text(unit.read_text(encoding="utf-8").replace(INSTALLED_CLI, str(cli)),
                        encoding="utf-8")
        names.append(f"./{unit.name}")
    verified = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], cwd=copy,
                              capture_output=True, text=True)
    report = (verified.stdout + verified.stderr).strip()
    if verified.returncode != 0 or report:
        fail(f"systemd-analyze verify of {units.name}/ (exit {verified.returncode}): {report}")
    print(f"  systemd-analyze verify {' '.join(n[2:] for n in names)}: no error, no warning")


def env_file(path):
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def service_command(cli, unit, env_path, etc, overrides):
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
        if source != f"{ETC}/{name}" or not (etc / name).is_file():
            fail(f"{unit.name}: LoadCredential {name} from {source}: no such file installed")
    (exec_start,) = settings["ExecStart"]
    # %d holds each credential under its name: the same files as /etc/glorycard here.
    exec_start = exec_start.replace("%d", str(etc)).replace(f"{ETC}/", f"{etc}/")
    exec_start = re.sub(r"\$\{(\w+)\}", lambda m: shlex.quote(env[m.group(1)]), exec_start)
    argv = shlex.split(exec_start)
    # The README installs the CLI there; here the one under test stands in for it.
    if argv[0] != INSTALLED_CLI:
        fail(f"{unit.name}: ExecStart runs {argv[0]}, not {INSTALLED_CLI}")
    return [str(cli)] + argv[1:], env


def start_server(argv, env, as_user=None):
    """Starts a CLI server (with `as_user`'s subprocess arguments, if given); returns it
    and the URL its first line on stderr names."""
    child = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, **(as_user or {}),
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


def share_with_service_group(path, mode):
    """root:glorycard and `mode`, as the README installs /etc/glorycard and the env file."""
    if SERVICE_USER:
        os.chown(path, 0, pwd.getpwnam(SERVICE_USER).pw_gid)
    path.chmod(mode)


def install_0400(path, text=None):
    """Leaves `path` (written with `text` if given) readable by the service user only, as
    the README installs the key and the TLS files."""
    if text is not None:
        path.write_text(text)
    if SERVICE_USER:
        shutil.chown(path, user=SERVICE_USER)
    path.chmod(0o400)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systemd", choices=["247", "219"], default="247",
                        help="the oldest systemd the units are for (default 247)")
    parser.add_argument("cli")
    parser.add_argument("units")
    args = parser.parse_args()
    cli, units = Path(args.cli).resolve(), Path(args.units).resolve()
    work = Path(tempfile.mkdtemp(prefix="glorycard-units-"))
    servers = []
    try:
        if args.systemd == "219":
            check_systemd_219(units)
        systemd_analyze_verify(cli, units, work)
        # The service user passes through the work folder to its own files only.
        work.chmod(0o711)
        etc = work / "etc-glorycard"
        etc.mkdir()
        share_with_service_group(etc, 0o750)
        install_0400(etc / "key", KEY + "\n")
        # The institution's TLS identity: a CA, and a leaf for localhost signed by it.
        openssl = ["openssl", "req", "-nodes", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256"]
        subprocess.run(openssl + ["-x509", "-days", "2", "-subj", "/CN=glorycard units CA",
                                  "-keyout", work / "ca.key", "-out", work / "ca.pem"],
                       check=True, capture_output=True)
        subprocess.run(openssl + ["-subj", "/CN=localhost", "-keyout", etc / "tls-key.pem",
                                  "-out", work / "leaf.csr"], check=True, capture_output=True)
        (work / "leaf.ext").write_text("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"
                                       "extendedKeyUsage=serverAuth\n")
        subprocess.run(["openssl", "x509", "-req", "-days", "2", "-in", work / "leaf.csr",
                        "-CA", work / "ca.pem", "-CAkey", work / "ca.key", "-CAcreateserial",
                        "-extfile", work / "leaf.ext", "-out", etc / "tls-cert.pem"],
                       check=True, capture_output=True)
        install_0400(etc / "tls-key.pem")
        install_0400(etc / "tls-cert.pem")

        listen_port = free_port()
        platform_ca = work / "platform-ca.pem"
        sandbox, platform_url = start_server(
            [cli, "sandbox", "--listen", "127.0.0.1:0", "--sid", SID, "--key-file",
             etc / "key", "--org-code", ORG_CODE, "--cert-out", platform_ca,
             "--institution-url", f"https://localhost:{listen_port}",
             "--institution-ca", work / "ca.pem"], dict(os.environ))
        servers.append(sandbox)
        print(f"  sandbox platform at {platform_url}")

        # glorycard.env as an operator fills it in from the example.
        example = (units / "glorycard.env.example").read_text(encoding="utf-8")
        if re.search(r"^\s*GLORYCARD_KEY=", example, flags=re.M):
            fail("glorycard.env.example sets GLORYCARD_KEY: the key belongs in its own file")
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
        share_with_service_group(env_path, 0o640)
        state = {"GLORYCARD_DB": str(work / "state" / "outbox.db")}
        # /var/lib/glorycard: the service user's alone.
        (work / "state").mkdir(mode=0o700)
        if SERVICE_USER:
            shutil.chown(work / "state", user=SERVICE_USER)

        ids = [f"UNITS-{n}" for n in range(3)]
        records = "".join(json.dumps({
            "orgCode": ORG_CODE, "certType": "0", "certNo": resident_id(n),
            "certName": "张小凡", "deductionID": ids[n], "totalFee": "25.00",
            "deductionFee": "20.00", "deductionTime": f"2026-11-26 08:00:0{n}",
            "gloryType": "1", "deductionType": "0"}, ensure_ascii=False) + "\n"
            for n in range(3))
        subprocess.run([cli, "outbox", "add"], input=records, text=True, check=True,
                       env={**os.environ, **state}, **AS_SERVICE)

        argv, env = service_command(cli, units / "glorycard-outbox-drain.service", env_path, etc,
                                    state)
        print("  glorycard-outbox-drain.service:", shlex.join(map(str, argv)))
        drained = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120,
                                 **AS_SERVICE)
        if drained.returncode != 0:
            fail(f"the drain unit exited {drained.returncode}: {drained.stdout}{drained.stderr}")
        print("   ", drained.stdout.strip())
        held = sorted(d["deductionID"] for d in admin(platform_url, platform_ca,
                                                      "/admin/deductions"))
        if held != ids:
            fail(f"the sandbox holds {held}, not {ids}")

        argv, env = service_command(cli, units / "glorycard-institution.service", env_path, etc,
                                    state)
        print("  glorycard-institution.service:", shlex.join(map(str, argv)))
        institution, institution_url = start_server(argv, env, as_user=AS_SERVICE)
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
        # The 0400 files' folder stays writable: rmtree removes them.
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
