#!/usr/bin/env bash
# Download binary packages from Debian bookworm's non-free and contrib sections (the real NVIDIA
# user-space driver libraries, the CUDA toolkit) and check them, without apt and without touching
# the system's package setup.
#
#   scripts/debian-nonfree.sh DEST_DIR PACKAGE...            download PACKAGE_*.deb into DEST_DIR
#   scripts/debian-nonfree.sh --extract DEST_DIR PACKAGE...  also unpack each into DEST_DIR/root/
#
# How it checks what it downloads (the chain apt itself uses):
#   1. `dists/bookworm/InRelease` is verified with `gpgv` against the Debian archive keyring
#      (/usr/share/keyrings/debian-archive-keyring.gpg, package debian-archive-keyring;
#      CUDOCTOR_DEBIAN_KEYRING names another file);
#   2. each section's `binary-amd64/Packages.xz` must match the SHA256 that the signed InRelease
#      lists for it;
#   3. each .deb must match the SHA256 and size that the Packages index lists for it.
# A file that fails a check is deleted and the script exits 1.
#
# Already-downloaded files are kept: DEST_DIR/.verified records `PACKAGE FILE SHA256` for every
# .deb that passed step 3, and a rerun whose files all still match that record needs no network.
# An unpacked .deb leaves a stamp in DEST_DIR/.extracted/, so it is unpacked once (while
# DEST_DIR/root/ exists).
#
# Environment: CUDOCTOR_DEBIAN_MIRROR (default http://deb.debian.org/debian; plain HTTP is fine,
# the signature and hashes are what is trusted), CUDOCTOR_DEBIAN_KEYRING.
# Needs: curl, gpgv, xz, sha256sum, awk; dpkg-deb for --extract.
set -euo pipefail

me=debian-nonfree.sh
mirror=${CUDOCTOR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=${CUDOCTOR_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
suite=bookworm
sections=(non-free contrib)
arch=amd64

die() { echo "$me: $*" >&2; exit 1; }

extract=0
if [[ ${1:-} == --extract ]]; then extract=1; shift; fi
dest=${1:-}
[[ -n $dest ]] || { echo "usage: $me [--extract] DEST_DIR PACKAGE..." >&2; exit 2; }
shift
(($#)) || { echo "$me: name at least one package" >&2; exit 2; }
for p in "$@"; do
  [[ $p =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || { echo "$me: \`$p\` is not a Debian package name" >&2; exit 2; }
done
for tool in curl sha256sum awk; do
  command -v "$tool" >/dev/null || die "\`$tool\` is needed"
done
((extract == 0)) || command -v dpkg-deb >/dev/null || die "\`dpkg-deb\` is needed for --extract"

mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
record=$dest/.verified
touch "$record"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# The file a package's last verified download left, if it still matches its recorded hash.
verified_file() {
  local p=$1 name sum
  read -r name sum < <(awk -v p="$p" '$1 == p { f = $2; s = $3 } END { if (f != "") print f, s }' "$record") || return 1
  [[ -f $dest/$name && $(sha256_of "$dest/$name") == "$sum" ]] || return 1
  printf '%s\n' "$name"
}

missing=()
for p in "$@"; do verified_file "$p" >/dev/null || missing+=("$p"); done

if ((${#missing[@]})); then
  for tool in gpgv xz; do command -v "$tool" >/dev/null || die "\`$tool\` is needed"; done
  [[ -r $keyring ]] || die "no Debian archive keyring at \`$keyring\` (install debian-archive-keyring or set CUDOCTOR_DEBIAN_KEYRING)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  fetch() { curl --fail --silent --show-error --location --retry 3 --connect-timeout 30 -o "$2" "$1"; }

  # 1. The signed release file.
  fetch "$mirror/dists/$suite/InRelease" "$work/InRelease" || die "could not download \`$mirror/dists/$suite/InRelease\`"
  gpgv --quiet --keyring "$keyring" --output "$work/Release" "$work/InRelease" 2>"$work/gpgv.log" ||
    { cat "$work/gpgv.log" >&2; die "the signature of \`$mirror/dists/$suite/InRelease\` does not verify against \`$keyring\`"; }

  # 2. Each section's package index, checked against the SHA256 list of the verified release file.
  : >"$work/Packages"
  for section in "${sections[@]}"; do
    index=$section/binary-$arch/Packages.xz
    want=$(awk -v f="$index" '/^[^ ]/ { in256 = ($1 == "SHA256:") } in256 && $3 == f { print $1 }' "$work/Release")
    [[ -n $want ]] || die "the release file lists no SHA256 for \`$index\`"
    fetch "$mirror/dists/$suite/$index" "$work/index.xz" || die "could not download \`$mirror/dists/$suite/$index\`"
    [[ $(sha256_of "$work/index.xz") == "$want" ]] || die "\`$index\` does not match the SHA256 the signed release file lists"
    xz -dc "$work/index.xz" >>"$work/Packages"
    printf '\n' >>"$work/Packages"
  done

  # 3. Each package: its file name, size and SHA256 from the index; download, check, record.
  for p in "${missing[@]}"; do
    read -r file size sum < <(awk -v RS= -v p="$p" '
      {
        n = split($0, line, "\n"); name = ""; file = ""; size = ""; sum = ""
        for (i = 1; i <= n; i++) {
          if (line[i] ~ /^Package: /) name = substr(line[i], 10)
          else if (line[i] ~ /^Filename: /) file = substr(line[i], 11)
          else if (line[i] ~ /^Size: /) size = substr(line[i], 7)
          else if (line[i] ~ /^SHA256: /) sum = substr(line[i], 9)
        }
        if (name == p) { print file, size, sum; exit }
      }' "$work/Packages") || die "\`$p\` is not in bookworm's ${sections[*]} sections for $arch"
    [[ -n $file && -n $size && -n $sum ]] || die "the index entry of \`$p\` lacks Filename, Size or SHA256"
    name=${file##*/}
    [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9+.~_-]*\.deb$ ]] || die "unexpected file name \`$name\` for \`$p\`"
    if ! [[ -f $dest/$name && $(sha256_of "$dest/$name") == "$sum" ]]; then
      fetch "$mirror/$file" "$dest/$name.part" || { rm -f "$dest/$name.part"; die "could not download \`$mirror/$file\`"; }
      got_size=$(stat -c %s "$dest/$name.part")
      got_sum=$(sha256_of "$dest/$name.part")
      if [[ $got_size != "$size" || $got_sum != "$sum" ]]; then
        rm -f "$dest/$name.part"
        die "\`$name\` does not match the Packages index (size $got_size, want $size; sha256 $got_sum, want $sum)"
      fi
      mv "$dest/$name.part" "$dest/$name"
    fi
    awk -v p="$p" '$1 != p' "$record" >"$record.new"
    printf '%s %s %s\n' "$p" "$name" "$sum" >>"$record.new"
    mv "$record.new" "$record"
  done
fi

for p in "$@"; do
  name=$(verified_file "$p") || die "\`$p\` has no verified download in \`$dest\`"
  if ((extract)); then
    stamp=$dest/.extracted/$name
    if [[ ! -e $stamp || ! -d $dest/root ]]; then
      dpkg-deb -x "$dest/$name" "$dest/root"
      mkdir -p "${stamp%/*}"
      touch "$stamp"
    fi
  fi
  printf '%s\n' "$dest/$name"
done
