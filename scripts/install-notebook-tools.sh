#!/usr/bin/env bash
# Installs what runs examples/notebooks/*.ipynb headless: Debian's jupyter-nbconvert and
# python3-nbclient, and a Java kernel (io.github.padreati:rapaio-jupyter-kernel from Maven
# Central, a self-contained jar) registered as the Jupyter kernel "homi-java", run by a JDK 21 or
# 17 found under /usr/lib/jvm (or $HOMI_NOTEBOOK_JAVA_HOME) with HOMI's JVM flags (bin/jvm-options).
# Spark and the HOMI jar go on the kernel JVM's classpath (links in target/notebook-lib; builds
# HOMI first when it has not been built). Idempotent. Prints the kernel directory at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rjk_version=${HOMI_RJK_VERSION:-3.0.1}
kernel_dir=${HOMI_KERNEL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/jupyter/kernels/homi-java}
log() { echo "[install-notebook-tools] $*" >&2; }

# 1. nbconvert + nbclient (Debian's, on /usr/bin/python3)
if [[ -x /usr/bin/jupyter-nbconvert ]] && /usr/bin/python3 -c 'import nbclient, nbformat' 2>/dev/null; then
  log "jupyter-nbconvert and python3-nbclient already installed"
else
  command -v apt-get >/dev/null 2>&1 || { log "no apt-get: install jupyter-nbconvert and python3-nbclient by hand"; exit 1; }
  sudo=(); (( EUID == 0 )) || sudo=(sudo)
  log "installing jupyter-nbconvert python3-nbclient python3-ipykernel"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    jupyter-nbconvert python3-nbclient python3-ipykernel
fi

# 2. a JDK for the kernel. The kernel jar runs on 17+, and the notebook's code runs inside the
#    kernel's JVM, so that JVM must be one Spark 4.1 runs on: 17 or 21 (on 24+ Hadoop's
#    UserGroupInformation fails: "getSubject is not supported"). 21 is preferred, then 17.
java_home=${HOMI_NOTEBOOK_JAVA_HOME:-}
if [[ -z $java_home ]]; then
  best=0
  for j in /usr/lib/jvm/*/; do
    [[ -x $j/bin/java && -x $j/bin/jshell ]] || continue
    v=$("$j/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    [[ $v == 17 || $v == 21 ]] || continue
    if (( v > best )); then best=$v; java_home=${j%/}; fi
  done
fi
[[ -n $java_home && -x $java_home/bin/java ]] || { log "no JDK 17 or 21 with jshell under /usr/lib/jvm (set HOMI_NOTEBOOK_JAVA_HOME)"; exit 1; }
log "kernel JDK: $java_home"

# 3. the kernel jar, through Maven (Maven Central, the local repository as cache)
jar=$HOME/.m2/repository/io/github/padreati/rapaio-jupyter-kernel/$rjk_version/rapaio-jupyter-kernel-$rjk_version.jar
if [[ ! -f $jar ]]; then
  log "fetching io.github.padreati:rapaio-jupyter-kernel:$rjk_version"
  mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get \
    -Dartifact=io.github.padreati:rapaio-jupyter-kernel:$rjk_version -Dtransitive=false >&2
fi

# 4. Spark and the HOMI jar for the kernel's JVM: links in target/notebook-lib to the jars the
#    examples module resolves (Spark and its dependencies) and to the shaded HOMI jar, the one a
#    user hands to spark-submit --jars (the runtime, JNA and the kernels are inside it). They go on
#    the JVM's own classpath (Spark's code generator, Janino, cannot compile against classes that
#    only the notebook's JShell class loader sees) and, for compiling cells, on RJK_CLASSPATH.
if [[ ! -f $root/examples/target/examples.classpath ]] || ! ls "$root"/spark-connector/target/homi-spark_2.13-*.jar >/dev/null 2>&1; then
  log "building HOMI (mvn -DskipTests package) for the notebook's classpath"
  (cd "$root" && mvn -B -q -DskipTests package) >&2
fi
lib=$root/target/notebook-lib
rm -rf "$lib" && mkdir -p "$lib"
tr ':' '\n' < "$root/examples/target/examples.classpath" | grep -v -E '/(homi-runtime|homi-native|jna)-[^/]*\.jar$' |
  while read -r j; do [[ -n $j ]] && ln -s "$j" "$lib/"; done
log "$(ls "$lib" | wc -l) jars linked in $lib (HOMI: $(ls "$lib" | grep homi-spark))"

# 5. the kernel spec: notebook code runs inside the kernel's JVM, so that JVM gets Spark's flags,
#    and a logging.properties ahead of the kernel jar on its classpath. The kernel reads
#    "logging.properties" from its class path when it starts; its own sets java.util.logging's root
#    level to FINEST. Spark then installs the JUL-to-SLF4J bridge on that root logger, and the bridge
#    formats every record it gets before Log4j decides whether it is wanted. So Janino's FINER
#    tracing (Logger.entering in UnitCompiler.tryAssignmentConversion) is formatted, and formatting
#    its arguments calls Janino's IClass.toString() on the type of the literal `null`, which throws
#    StringIndexOutOfBoundsException: generated code containing `cond ? null : x` (an ordering on a
#    nullable string, say) fails with "InternalCompilerException ... Compiling compare(InternalRow a,
#    InternalRow b)", and whole-stage codegen quietly falls back elsewhere. Same format, root at INFO.
#    (RJK_INIT_SCRIPT cannot do this: the kernel runs it before it reads its logging.properties.)
mkdir -p "$kernel_dir/conf"
cp -f "$jar" "$kernel_dir/rapaio-jupyter-kernel.jar"
cat > "$kernel_dir/conf/logging.properties" <<'PROPS'
# rapaio-jupyter-kernel's logging.properties with the root level at INFO instead of FINEST
# (written by HOMI's scripts/install-notebook-tools.sh; see there why)
handlers= java.util.logging.ConsoleHandler
.level= INFO
java.util.logging.ConsoleHandler.level = INFO
java.util.logging.ConsoleHandler.formatter = java.util.logging.SimpleFormatter
java.util.logging.SimpleFormatter.format=[%1$tF %1$tT] [%4$-7s] %5$s %n
PROPS
args=""
while IFS= read -r f; do
  [[ -z $f || $f == \#* ]] && continue
  args+="    \"$f\",\n"
done < "$root/bin/jvm-options"
tmp=$(mktemp)
printf '{\n  "argv": [\n    "%s",\n%b    "-cp",\n    "%s",\n    "org.rapaio.jupyter.kernel.MainApp",\n    "{connection_file}"\n  ],\n  "display_name": "Java (HOMI, rapaio %s)",\n  "language": "java",\n  "interrupt_mode": "message",\n  "env": {\n    "RJK_CLASSPATH": "%s",\n    "RJK_COMPILER_OPTIONS": "",\n    "RJK_INIT_SCRIPT": "",\n    "RJK_TIMEOUT_MILLIS": "-1"\n  }\n}\n' \
  "$java_home/bin/java" "$args" "$kernel_dir/conf:$kernel_dir/rapaio-jupyter-kernel.jar:$lib/*" "$rjk_version" \
  "$lib/*.jar" > "$tmp"
if cmp -s "$tmp" "$kernel_dir/kernel.json"; then
  log "kernel homi-java up to date"
  rm -f "$tmp"
else
  mv "$tmp" "$kernel_dir/kernel.json"
  log "kernel homi-java written"
fi
echo "$kernel_dir"
