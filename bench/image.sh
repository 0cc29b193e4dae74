#!/usr/bin/env bash
# `cudoctor check --image` against what a user would otherwise run to look inside an image:
# `tar -xOf ARCHIVE > /dev/null` (every byte of the archive read once), on the same `docker save`
# archive. The archive holds TensorFlow 2.9.0's real 0.9 GB framework library
# (`_pywrap_tensorflow_internal.so` from the official wheel, fetched by
# `scripts/fetch-test-artifacts.sh --all`), its METADATA and build_info.py, built with buildah.
# Also: a config-only `check --image docker://...` from a docker-registry on 127.0.0.1.
#
#   bash bench/image.sh            # needs target/release/cudoctor, buildah, skopeo,
#                                  # docker-registry, hyperfine
set -euo pipefail
cd "$(dirname "$0")/.."

bin=target/release/cudoctor
lib=.cache/tensorflow/2.9.0/tensorflow/python/_pywrap_tensorflow_internal.so
[[ -x $bin ]] || { echo "build it first: cargo build --release" >&2; exit 2; }
[[ -f $lib ]] || { echo "\`$lib\` is missing: bash scripts/fetch-test-artifacts.sh --all" >&2; exit 2; }
for tool in buildah skopeo docker-registry hyperfine; do
  command -v "$tool" >/dev/null || { echo "needs $tool (Debian package)" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/cudoctor-bench-image.XXXXXX")
registry_pid=
cleanup() {
  [[ -z $registry_pid ]] || kill "$registry_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

sp=$work/rootfs/opt/venv/lib/python3.8/site-packages
mkdir -p "$sp/tensorflow/python/platform" "$sp/tensorflow-2.9.0.dist-info"
cp "$lib" "$sp/tensorflow/python/"
printf 'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.8.10\n' >"$work/rootfs/opt/venv/pyvenv.cfg"
printf 'Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.9.0\n' >"$sp/tensorflow-2.9.0.dist-info/METADATA"
cat >"$sp/tensorflow/python/platform/build_info.py" <<'PY'
import collections

build_info = collections.OrderedDict([('cuda_compute_capabilities', ['sm_35', 'sm_50', 'sm_60', 'sm_70', 'sm_75', 'compute_80']), ('cuda_version', '11.2'), ('cudnn_version', '8'), ('is_cuda_build', True), ('is_rocm_build', False), ('is_tensorrt_build', True)])
PY

b=(buildah --storage-driver vfs --root "$work/store" --runroot "$work/run")
c=$("${b[@]}" from scratch)
"${b[@]}" copy "$c" "$work/rootfs" / >/dev/null
"${b[@]}" config --env NVIDIA_REQUIRE_CUDA="cuda>=11.2" --env CUDA_VERSION=11.2.1 "$c"
"${b[@]}" commit -q --rm "$c" localhost/tf-bench:2.9.0 >/dev/null
archive=$work/tf.docker.tar
"${b[@]}" push -q localhost/tf-bench:2.9.0 "docker-archive:$archive:localhost/tf-bench:2.9.0"
"${b[@]}" push -q localhost/tf-bench:2.9.0 "oci:$work/layout:2.9.0"
echo "archive: $(du -m "$archive" | cut -f1) MB ($(stat -c %s "$archive") bytes)"

# Both commands read the archive from the page cache after the warm-up runs.
hyperfine --warmup 2 --runs 10 \
  -n "cudoctor check --image" "$bin check --image $archive --format json > /dev/null; true" \
  -n "tar -xOf" "tar -xOf $archive > /dev/null"

echo "what check read of the 0.9 GB library (its GPU code, from the fatbinary headers):"
"$bin" probe --image "$archive" --format json | python3 -c '
import json, sys
snap = json.load(sys.stdin)
for f in snap["frameworks"]:
    print(" ", f["name"], f.get("version"), "compute_capabilities:", f.get("compute_capabilities"), "source:", f.get("compute_capabilities_source"))
for l in snap["libraries"]:
    if "gpu_code" in l or "gpu_code_source" in l:
        print(" ", l["path"], l.get("gpu_code_source"))
'

# A config-only check from a registry on loopback: the manifest and the config, a few KB.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry-data
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
  sleep 0.1
done
printf '{"auths":{}}' >"$work/auth.json"
REGISTRY_AUTH_FILE=$work/auth.json skopeo --insecure-policy copy -q --dest-tls-verify=false \
  "oci:$work/layout:2.9.0" "docker://127.0.0.1:$port/tf-bench:2.9.0"
XDG_CACHE_HOME=$work/xdg hyperfine --warmup 3 --runs 20 \
  -n "cudoctor check --image docker:// (config only)" \
  "$bin check --image docker://127.0.0.1:$port/tf-bench:2.9.0 --format json > /dev/null; true"
