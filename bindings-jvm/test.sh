#!/usr/bin/env bash
# The JVM binding's whole test: `mvn -B install`, whose generate-sources phase builds the
# native library, uniffi-bindgen and the CLI and generates the Kotlin (native.sh), then the
# Kotlin and Java JUnit 5 suites (every conformance vector; the client, outbox, replica and
# /deductCheck handler against the CLI's sandbox), the jar and the self-contained -all jar
# (both with the Kotlin runtime relocated into org.glorycard.internal.kotlin); the Spring
# Boot starter's tests on Spring Boot 2.7 and 3; the two example HIS applications
# (examples/, each on its Boot parent and that parent's Kotlin pin) end to end against the
# sandbox; then the Java 8 bytecode check, a run of the -all jar with nothing but
# `java -jar`, and the vector and JNI tests with the -all jar as the classes and Boot 2.7's
# kotlin-stdlib beside it. Run from anywhere; exits non-zero on any failure.
#
# Profile: debug by default. The project's test run builds everything else in debug, so
# the dependencies are already compiled; a release build (thin LTO, one codegen unit) would
# add minutes on 2 cores for no difference in what is tested. The library is stripped of
# debug info before it goes into the jar. The benchmark (bench/run.sh) builds release.
#
# For deployment: `bindings-jvm/test.sh --release` (or GLORYCARD_JVM_RELEASE=1) runs the
# same steps on `cargo build --release`, so both jars carry the optimized library
# (target/release/libglorycard_jvm.so). Do not install or ship a jar built without it.
set -euo pipefail
# The outbox and replica tests on PostgreSQL need a server: a throwaway one
# (tests/postgres.sh) unless GLORYCARD_TEST_DATABASE_URL names one.
[ -n "${GLORYCARD_TEST_DATABASE_URL:-}" ] || exec bash "$(dirname "$0")/../tests/postgres.sh" run bash "$0" "$@"

profile=debug
case "${1:-}" in
    --release) profile=release ;;
    "") [ "${GLORYCARD_JVM_RELEASE:-0}" = 1 ] && profile=release ;;
    *) echo "usage: $0 [--release]   (or GLORYCARD_JVM_RELEASE=1)" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
step() { printf '\n==> jvm: %s\n' "$*"; }
started=$SECONDS
version=0.1.0

step "tools (installed when missing)"
need_apt=()
command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 && command -v javap >/dev/null 2>&1 \
    || need_apt+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)     # the examples' run.sh
command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ((${#need_apt[@]})); then
    echo "installing ${need_apt[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
java -version 2>&1 | sed -n 1p
mvn -B -v 2>&1 | sed -n 1p

step "mvn -B install -Dglorycard.profile=$profile: native.sh (cargo build, uniffi-bindgen), Kotlin and Java JUnit 5 suites (the client, outbox, replica and /deductCheck against the sandbox), jar and -all jar (Kotlin relocated)"
# Maven's own lifecycle builds the native library and generates the Kotlin (pom.xml,
# native.sh), as `mvn package` does for a developer: this run proves that path. `install`
# puts the jars in the local repository, where the starter's build finds them.
mvn -B -ntp -f "$here/pom.xml" install -Dglorycard.profile="$profile"

step "Spring Boot starter on Spring Boot 2.7 (compiles the starter as Java 8 bytecode, tests on a real embedded server; installed for the examples)"
starter="$here/spring-boot-starter"
mvn -B -ntp -f "$starter/pom.xml" clean install

step "the same starter classes on Spring Boot 3 (-Pboot3, main compile skipped)"
mvn -B -ntp -f "$starter/pom.xml" verify -Pboot3 -Dmaven.main.skip=true

step "example HIS applications on Spring Boot 2.7 and 3 (their Boot parents' Kotlin pins), end to end against the sandbox: REST enqueue, scheduled drain, replica lookup, /deductCheck reconciled, native log in SLF4J"
GLORYCARD_CLI="$here/target/cli/glorycard" bash "$here/examples/run.sh" "$here/examples/spring-boot-2.7"
GLORYCARD_CLI="$here/target/cli/glorycard" bash "$here/examples/run.sh" "$here/examples/spring-boot-3"

step "bytecode: every class is Java 8 (major version 52) or older, checked with javap"
jar="$here/target/glorycard-$version.jar"
all="$here/target/glorycard-$version-all.jar"
check_jar() { # jar, rule (eq52 | le52)
    local jarfile=$1 rule=$2 classes versions bad
    classes=$(jar tf "$jarfile" | grep '\.class$' | sed 's/\.class$//')
    if grep -q -e '^module-info$' -e '^META-INF/versions/' <<<"$classes"; then
        echo "FAIL: $jarfile holds module-info or multi-release classes" >&2
        return 1
    fi
    versions=$(xargs -n 400 javap -v -cp "$jarfile" <<<"${classes//\//.}" | grep -o 'major version: [0-9]*' | awk '{print $3}')
    if [ "$(wc -l <<<"$versions")" -ne "$(wc -l <<<"$classes")" ]; then
        echo "FAIL: javap reported $(wc -l <<<"$versions") versions for $(wc -l <<<"$classes") classes in $jarfile" >&2
        return 1
    fi
    echo "$(basename "$jarfile"): $(wc -l <<<"$classes") classes; major versions: $(sort -n <<<"$versions" | uniq -c | awk '{printf "%s x %s  ", $2, $1}')"
    case $rule in
        eq52) bad=$(grep -vc '^52$' <<<"$versions" || true) ;;
        le52) bad=$(awk '$1 > 52' <<<"$versions" | wc -l) ;;
    esac
    if [ "$bad" -ne 0 ]; then
        echo "FAIL: $bad classes of $jarfile are not Java 8 bytecode" >&2
        return 1
    fi
}
check_jar "$jar" eq52
check_jar "$all" le52
check_jar "$starter/target/glorycard-spring-boot-starter-$version.jar" eq52
entries=$(jar tf "$jar")
grep -qx 'linux-x86-64/libglorycard_jvm.so' <<<"$entries" || { echo "FAIL: no linux-x86-64/libglorycard_jvm.so in $jar" >&2; exit 1; }
echo "native library packaged: linux-x86-64/libglorycard_jvm.so ($profile build of the library)"

step "immune to the application's Kotlin: no class under kotlin/ in either jar; the POMs (installed, and packaged in the jar) pass on JNA alone, and no test jar"
for j in "$jar" "$all"; do
    listing=$(jar tf "$j")
    if grep -q '^kotlin/' <<<"$listing"; then
        echo "FAIL: $j holds classes under kotlin/: the Kotlin runtime is not relocated" >&2
        exit 1
    fi
    grep -qx 'org/glorycard/internal/kotlin/enums/EnumEntriesKt.class' <<<"$listing" \
        || { echo "FAIL: $j lacks the relocated kotlin/enums/EnumEntriesKt" >&2; exit 1; }
done
unzip -p "$jar" META-INF/maven/org.glorycard/glorycard/pom.xml > "$here/target/packaged-pom.xml"
python3 - "$here/target/dependency-reduced-pom.xml" "$here/target/packaged-pom.xml" "$starter/pom.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"m": "http://maven.apache.org/POM/4.0.0"}
for path in sys.argv[1:]:
    passed_on = []
    for dep in ET.parse(path).getroot().findall("m:dependencies/m:dependency", ns):
        get = lambda tag, default="": (dep.findtext("m:" + tag, default, ns) or default).strip()
        if get("type") == "test-jar" or get("classifier") == "tests":
            sys.exit(f"FAIL: {path} depends on a test jar: {get('groupId')}:{get('artifactId')}")
        if get("scope", "compile") in ("compile", "runtime") and get("optional") != "true":
            passed_on.append(f"{get('groupId')}:{get('artifactId')}")
    if "starter" not in path and passed_on != ["net.java.dev.jna:jna"]:
        sys.exit(f"FAIL: {path} passes on {passed_on}, expected JNA alone")
    print(f"{path}: passes on {passed_on}")
PY

step "the -all jar alone: java -jar (no classpath, no java.library.path) canonicalizes the spec example"
expected=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vectors"][0]["expect"]["stringA"])' tests/vectors/signing.json)
actual=$(cd /tmp && java -jar "$all" < "$root/tests/vectors/spec-example.body.json")
if [ "$actual" != "$expected" ]; then
    printf 'FAIL: java -jar printed\n  %s\nexpected\n  %s\n' "$actual" "$expected" >&2
    exit 1
fi
echo "STRINGA matches the spec example vector"

step "the -all jar as the only classes of the binding on the test classpath, kotlin-stdlib 1.6.21 beside it: the vectors and the JNI path (Surefire)"
# Loaded from a jar, JNA extracts the library to a temporary file and deletes it once
# loaded: this proves the JNI functions are bound to that one copy (KotlinJniTest asserts
# NativeJni.available and counts the calls that took the path), not only when the library
# is a file under target/classes as in the run above.
mvn -B -ntp -f "$here/pom.xml" -Pdist-jar -Dglorycard.native.skip=true \
    -Dglorycard.dist.jar="$all" \
    -Dtest='JavaVectorsTest,KotlinJniTest' -Dsurefire.failIfNoSpecifiedTests=true \
    surefire:test

printf '\njvm binding: all checks passed in %d s (native library: %s profile)\n' $((SECONDS - started)) "$profile"
if [ "$profile" = debug ]; then
    echo "(the jars carry the debug library: for deployment build them with bindings-jvm/test.sh --release)"
fi
