#!/bin/bash
# check-reproducible.sh: builds the reactor twice from clean (mvn clean install, tests skipped, each into
# a fresh local repository under ${TMPDIR:-/tmp}/vmcore4j-reproducible/, never ~/.m2; not under target/,
# which the clean deletes) and compares the sha256 of every
# installed jar and POM and of the two executable jars. Exit status 0 when all are identical.
# Before a release; about 2.5 minutes per build on a 2-core machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${TMPDIR:-/tmp}/vmcore4j-reproducible
mkdir -p "$WORK"
# the builds' local repositories take plugins and libraries from ~/.m2, served as a remote
sed "s|@localRepositoryUrl@|file://$HOME/.m2/repository|" "$ROOT/examples-it/src/it/settings.xml" > "$WORK/settings.xml"
cd "$ROOT"
for run in 1 2; do
    rm -rf "$WORK/repo$run"
    echo "build $run (log: $WORK/build$run.log)"
    mvn -B -ntp -s "$WORK/settings.xml" -Dmaven.repo.local="$WORK/repo$run" clean install \
        -DskipTests -Dinvoker.skip=true > "$WORK/build$run.log" 2>&1 || { echo "build $run failed" >&2; exit 1; }
    (cd "$WORK/repo$run/org/vmcore4j" && find . -name '*.jar' -o -name '*.pom' | sort | xargs sha256sum) > "$WORK/sha$run"
    sha256sum cli/target/vmcore4j.jar benchmarks/target/benchmarks.jar >> "$WORK/sha$run"
done
if diff "$WORK/sha1" "$WORK/sha2"; then
    echo "reproducible: $(wc -l < "$WORK/sha1") files identical"
else
    echo "NOT reproducible: the files above differ" >&2
    exit 1
fi
