#!/usr/bin/env python3
"""Runs a built `glorycard` CLI over every signing vector in tests/vectors/signing.json.

usage: check-cli.py [--runner "qemu-aarch64-static -L /usr/aarch64-linux-gnu"] CLI

For each vector with an expected sign: `canon` prints its STRINGA, `sign` prints its sign,
`verify` of that sign exits 0 and of a sign one digit off exits 1. For each error vector:
`sign` exits 2 and names the vector's error code. The runner (qemu-user, wine) is put in
front of every command, so the same check proves a foreign-architecture binary. The key
goes through --key-file (bytes on disk, not a command line re-encoded by wine).
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors")


def body_bytes(vector):
    if "body" in vector:
        return vector["body"].encode("utf-8")
    return bytes.fromhex(vector["bodyHex"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runner", default="", help="command to run the CLI under")
    parser.add_argument("cli")
    args = parser.parse_args()
    runner = shlex.split(args.runner)
    with open(os.path.join(VECTORS, "signing.json"), encoding="utf-8") as f:
        vectors = json.load(f)["vectors"]

    failures = []
    signed = errors = 0
    with tempfile.TemporaryDirectory() as tmp:

        def run(*cli_args, key=None):
            env = dict(os.environ)
            env.pop("GLORYCARD_KEY", None)
            command = [*runner, args.cli, *cli_args]
            if key is not None and key != "":
                key_path = os.path.join(tmp, "key")
                with open(key_path, "wb") as f:
                    f.write(key.encode("utf-8"))
                command[len(runner) + 2 : len(runner) + 2] = ["--key-file", key_path]
            elif key == "":
                env["GLORYCARD_KEY"] = ""
            return subprocess.run(command, capture_output=True, env=env, timeout=120)

        for vector in vectors:
            name = vector["name"]
            body_path = os.path.join(tmp, "body.json")
            with open(body_path, "wb") as f:
                f.write(body_bytes(vector))
            key, timestamp, expect = vector["key"], vector["timestamp"], vector["expect"]

            def check(condition, what, result):
                if not condition:
                    failures.append(
                        f"{name}: {what} (exit {result.returncode}, stdout {result.stdout[:200]!r}, "
                        f"stderr {result.stderr[:300]!r})"
                    )

            sign = run("sign", "--timestamp", timestamp, body_path, key=key)
            if "error" in expect:
                code = expect["error"]
                check(sign.returncode == 2 and code.encode() in sign.stderr, f"sign: not error {code}", sign)
                errors += 1
                continue
            check(sign.returncode == 0 and sign.stdout.decode().strip() == expect["sign"], "sign", sign)
            canon = run("canon", body_path)
            check(
                canon.returncode == 0 and canon.stdout == expect["stringA"].encode("utf-8") + b"\n",
                "canon",
                canon,
            )
            good = run("verify", "--timestamp", timestamp, "--sign", expect["sign"], body_path, key=key)
            check(good.returncode == 0, "verify of the expected sign", good)
            last = expect["sign"][-1]
            wrong = expect["sign"][:-1] + ("0" if last != "0" else "1")
            bad = run("verify", "--timestamp", timestamp, "--sign", wrong, body_path, key=key)
            check(bad.returncode == 1, "verify of a wrong sign", bad)
            signed += 1

    where = f" under {args.runner}" if args.runner else ""
    if failures:
        print(f"{args.cli}{where}: {len(failures)} failures", file=sys.stderr)
        for failure in failures:
            print("  " + failure, file=sys.stderr)
        sys.exit(1)
    if signed + errors != len(vectors) or signed == 0 or errors == 0:
        sys.exit(f"checked {signed} + {errors} of {len(vectors)} vectors")
    print(
        f"{os.path.basename(args.cli)}{where}: {signed} vectors signed, canonicalized and "
        f"verified (and a wrong sign refused), {errors} error vectors refused with their codes"
    )


if __name__ == "__main__":
    main()
