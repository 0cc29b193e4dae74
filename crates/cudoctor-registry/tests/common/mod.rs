//! Shared by the integration tests: skips (logged), the real `docker-registry`, and a small
//! image built with `buildah` into an OCI layout.
#![allow(clippy::print_stderr, dead_code, clippy::unwrap_used)]

use std::path::Path;

#[allow(unused_imports)]
pub use cudoctor_test::containers::{
    Registry, buildah, free_port, http_status, log_skip, missing, run, skopeo, tool, tools,
};

/// The variable the test image's config sets.
pub const ENV_VAR: &str = "NVIDIA_REQUIRE_CUDA=cuda>=12.1";

/// Builds a one-layer image (`/etc/hello.txt`, `NVIDIA_REQUIRE_CUDA=cuda>=12.1`) from scratch
/// into the OCI layout `t/layout` as `t1`.
pub fn build_image(t: &Path) -> Result<(), String> {
    let rootfs = t.join("rootfs");
    std::fs::create_dir_all(rootfs.join("etc")).map_err(|e| e.to_string())?;
    std::fs::write(rootfs.join("etc/hello.txt"), "hello from cudoctor\n")
        .map_err(|e| e.to_string())?;
    let c = run(buildah(t).args(["from", "scratch"]))?.trim().to_owned();
    run(buildah(t).arg("copy").arg(&c).arg(&rootfs).arg("/"))?;
    run(buildah(t).args(["config", "--env", ENV_VAR, &c]))?;
    run(buildah(t)
        .arg("commit")
        .arg(&c)
        .arg(format!("oci:{}:t1", t.join("layout").display())))?;
    Ok(())
}

/// Pushes `oci:t/layout:TAG` to `docker://HOST/REPO:TAG` (with `--all` for an index).
pub fn push(t: &Path, tag: &str, host: &str, repo: &str, all: bool) -> Result<(), String> {
    let mut c = skopeo(t);
    c.arg("copy").arg("--dest-tls-verify=false");
    if all {
        c.arg("--all");
    }
    c.arg(format!("oci:{}:{tag}", t.join("layout").display()))
        .arg(format!("docker://{host}/{repo}:{tag}"));
    run(&mut c).map(|_| ())
}

/// The `Digest` `skopeo inspect` reports for a reference.
pub fn skopeo_digest(t: &Path, reference: &str) -> Result<String, String> {
    let out = run(skopeo(t)
        .args(["inspect", "--tls-verify=false"])
        .arg(reference))?;
    let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
    v["Digest"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no Digest in {out}"))
}

/// `sha256:HEX` of bytes.
pub fn sha256(bytes: &[u8]) -> String {
    cudoctor_registry::sha256_digest(bytes)
}

/// Writes a blob into the OCI layout `t/layout`; returns its descriptor fields.
pub fn write_blob(t: &Path, bytes: &[u8]) -> (String, u64) {
    let d = sha256(bytes);
    let p = t.join("layout/blobs/sha256").join(&d[7..]);
    std::fs::write(p, bytes).expect("write blob");
    (d, bytes.len() as u64)
}

/// Reads a blob of the OCI layout `t/layout`.
pub fn read_blob(t: &Path, digest: &str) -> Vec<u8> {
    std::fs::read(t.join("layout/blobs/sha256").join(&digest[7..])).expect("read blob")
}

/// Adds an index `multi` to the layout holding `t1` (as linux/amd64) and a hand-made
/// linux/arm64/v8 manifest over the same layer, whose config also sets `MARKER=arm64`.
pub fn add_multi_arch_index(t: &Path) {
    let index_path = t.join("layout/index.json");
    let mut top: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).expect("index.json")).expect("json");
    let t1 = top["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == "t1")
        .expect("t1")
        .clone();
    let t1_digest = t1["digest"].as_str().expect("digest").to_owned();
    let manifest: serde_json::Value =
        serde_json::from_slice(&read_blob(t, &t1_digest)).expect("manifest");
    let mut config: serde_json::Value = serde_json::from_slice(&read_blob(
        t,
        manifest["config"]["digest"].as_str().expect("d"),
    ))
    .expect("config");
    config["architecture"] = "arm64".into();
    config["variant"] = "v8".into();
    config["config"]["Env"]
        .as_array_mut()
        .expect("Env")
        .push("MARKER=arm64".into());
    let (cd, cs) = write_blob(t, &serde_json::to_vec(&config).expect("json"));
    let mut arm = manifest.clone();
    arm["config"]["digest"] = cd.into();
    arm["config"]["size"] = cs.into();
    let (ad, asz) = write_blob(t, &serde_json::to_vec(&arm).expect("json"));
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": t1_digest,
             "size": t1["size"], "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": ad,
             "size": asz, "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}
        ]
    });
    let (id, isz) = write_blob(t, &serde_json::to_vec(&index).expect("json"));
    top["manifests"]
        .as_array_mut()
        .expect("manifests")
        .push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.index.v1+json", "digest": id, "size": isz,
            "annotations": {"org.opencontainers.image.ref.name": "multi"}
        }));
    std::fs::write(&index_path, serde_json::to_vec(&top).expect("json")).expect("write");
}
