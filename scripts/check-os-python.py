#!/usr/bin/env python3
"""Checks the knowledge base's `[[os_python]]` rows against Ubuntu's own archive.

For each row of crates/cudoctor-kb/data/nvidia_cuda_images.toml (`os = "ubuntu22.04"`), it reads
the release's Packages indexes (archive.ubuntu.com/ubuntu/dists/<codename>{,-updates}/
{main,universe}/binary-amd64/Packages.gz), takes the newest version of `python3` and of the pip
wheel a venv gets (`python-pip-whl`, `python3-pip-whl` from 22.04), and compares major.minor of
python3 and the pip version with the row. Prints one line per row; exits 1 on a disagreement.
It downloads (about 100 MB), so it is run by hand, not by `cargo test`:

    python3 scripts/check-os-python.py [--cache DIR]
"""
import gzip, os, re, sys, tomllib, urllib.request

CODENAMES = {"16.04": "xenial", "18.04": "bionic", "20.04": "focal", "22.04": "jammy", "24.04": "noble"}
ARCHIVE = "http://archive.ubuntu.com/ubuntu/dists"


def version_key(v):
    # Numbers compare as numbers, other parts as text (enough for the versions compared here).
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.+~-]", v)]


def newest(indexes, package):
    best = None
    for text in indexes:
        for stanza in text.split("\n\n"):
            if f"\nPackage: {package}\n" not in "\n" + stanza + "\n":
                continue
            m = re.search(r"^Version: (\S+)$", stanza, re.M)
            if m and (best is None or version_key(m.group(1)) > version_key(best)):
                best = m.group(1)
    return best


def indexes(codename, cache):
    out = []
    for suite in (codename, f"{codename}-updates"):
        for comp in ("main", "universe"):
            path = os.path.join(cache, f"{suite}-{comp}.gz")
            if not os.path.exists(path):
                url = f"{ARCHIVE}/{suite}/{comp}/binary-amd64/Packages.gz"
                urllib.request.urlretrieve(url, path)
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                out.append(f.read())
    return out


def main():
    cache = "/tmp/cudoctor-ubuntu-indexes"
    if "--cache" in sys.argv:
        cache = sys.argv[sys.argv.index("--cache") + 1]
    os.makedirs(cache, exist_ok=True)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "crates/cudoctor-kb/data/nvidia_cuda_images.toml"), "rb") as f:
        rows = tomllib.load(f)["os_python"]
    bad = 0
    for row in rows:
        codename = CODENAMES[row["os"].removeprefix("ubuntu")]
        idx = indexes(codename, cache)
        python = newest(idx, "python3")
        pip = newest(idx, "python3-pip-whl") or newest(idx, "python-pip-whl")
        got_python = ".".join(python.split(".")[:2]) if python else None
        got_pip = re.split(r"[+-]", pip)[0] if pip else None
        ok = got_python == row["python"] and got_pip == row["pip"]
        bad += not ok
        print(f"{'ok ' if ok else 'BAD'} {row['os']}: python3 {python} (kb {row['python']}), "
              f"pip wheel {pip} (kb {row['pip']})")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
