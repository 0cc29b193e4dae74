//! Kernel driver, GPUs and device nodes.

use crate::snapshot::Fact;
use std::path::Path;

use cudoctor_kb::version::DriverVersion;

use super::{Ctx, show, snippet};
use crate::snapshot::{DeviceNodes, DriverFacts, Gpu};

const PROC_VERSION: &str = "/proc/driver/nvidia/version";
const SYS_VERSION: &str = "/sys/module/nvidia/version";
const PROC_GPUS: &str = "/proc/driver/nvidia/gpus";

/// What the NVRM banner says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelBanner {
    /// The version.
    pub version: DriverVersion,
    /// `open` or `proprietary`.
    pub flavor: &'static str,
    /// The whole `NVRM version:` line.
    pub line: String,
}

/// Parses `/proc/driver/nvidia/version`.
///
/// Proprietary module (Ubuntu 22.04, driver 535.104.05):
/// ```text
/// NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023
/// GCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04)
/// ```
/// Open module (driver 550.144.03):
/// ```text
/// NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.144.03  Release Build  (dvs-builder@U16-I3-B03-4-3)  Thu Dec 12 09:34:02 UTC 2024
/// GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)
/// ```
pub fn parse_proc_driver_nvidia_version(text: &str) -> Result<KernelBanner, String> {
    let line = text
        .lines()
        .find(|l| l.starts_with("NVRM version:"))
        .ok_or_else(|| "no `NVRM version:` line".to_owned())?;
    let flavor = if line.contains("Open Kernel Module") {
        "open"
    } else {
        "proprietary"
    };
    let after = line
        .split_once("Kernel Module")
        .map(|(_, rest)| rest)
        .ok_or_else(|| format!("no `Kernel Module` in `{}`", snippet(line)))?;
    let version = after
        .split_whitespace()
        .filter(|t| t.contains('.') && t.as_bytes()[0].is_ascii_digit())
        .find_map(|t| t.parse::<DriverVersion>().ok())
        .ok_or_else(|| format!("no driver version in `{}`", snippet(line)))?;
    Ok(KernelBanner {
        version,
        flavor,
        line: line.trim().to_owned(),
    })
}

/// Parses `/sys/module/nvidia/version` (`535.104.05\n`).
pub fn parse_sys_module_version(text: &str) -> Result<DriverVersion, String> {
    let t = text.trim();
    t.parse::<DriverVersion>()
        .map_err(|e| format!("unparsable `{}`: {}", snippet(t), snippet(&e.reason)))
}

/// One GPU from `/proc/driver/nvidia/gpus/<bus>/information`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GpuInformation {
    /// `Model:`.
    pub model: Option<String>,
    /// `GPU UUID:`.
    pub uuid: Option<String>,
    /// `Bus Location:`.
    pub bus_location: Option<String>,
    /// Keys whose value was longer than [`NAME_CHARS`](crate::limits::NAME_CHARS) (or whose
    /// line was longer than [`PROC_LINE_BYTES`](crate::limits::PROC_LINE_BYTES)) and so was not
    /// taken: the fact is unknown, not cut.
    pub too_long: Vec<String>,
}

/// Parses a GPU information file.
///
/// Real sample (Tesla T4 on AWS, driver 535):
/// ```text
/// Model: 		 Tesla T4
/// IRQ:   		 70
/// GPU UUID: 	 GPU-ad8e9ef0-8be5-6b26-5d5a-0f8e4e0d3b3b
/// Video BIOS: 	 90.04.38.00.03
/// Bus Type: 	 PCIe
/// DMA Size: 	 47 bits
/// DMA Mask: 	 0x7fffffffffff
/// Bus Location: 	 0000:00:1e.0
/// Device Minor: 	 0
/// GPU Excluded:	 No
/// ```
#[allow(clippy::tabs_in_doc_comments)] // the real file aligns with tabs
pub fn parse_gpu_information(text: &str) -> GpuInformation {
    let mut info = GpuInformation::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let key = key.trim();
        if line.len() > crate::limits::PROC_LINE_BYTES
            || value.chars().count() > crate::limits::NAME_CHARS
        {
            if matches!(key, "Model" | "GPU UUID" | "Bus Location") {
                info.too_long.push(snippet_key(key));
            }
            continue;
        }
        match key {
            "Model" => info.model = Some(value.to_owned()),
            "GPU UUID" => info.uuid = Some(value.to_owned()),
            "Bus Location" => info.bus_location = Some(value.to_owned()),
            _ => {}
        }
    }
    info
}

fn snippet_key(key: &str) -> String {
    key.chars().take(40).collect()
}

/// Collects the kernel module version.
pub fn collect_kernel(ctx: &mut Ctx<'_>, driver: &mut DriverFacts) {
    let mut unknown: Vec<String> = Vec::new();
    if let Some(b) = read_parsed(
        ctx,
        PROC_VERSION,
        parse_proc_driver_nvidia_version,
        &mut unknown,
    ) {
        driver.kernel_module_version = Fact::known(b.version, PROC_VERSION.to_owned());
        driver.kernel_module_flavor = Some(b.flavor.to_owned());
        driver.kernel_module_banner = Some(b.line);
        return;
    }
    if let Some(v) = read_parsed(ctx, SYS_VERSION, parse_sys_module_version, &mut unknown) {
        driver.kernel_module_version = Fact::known(v, SYS_VERSION.to_owned());
        return;
    }
    // Absent (no module loaded) unless something was there and unreadable.
    if !unknown.is_empty() {
        driver.kernel_module_version = Fact::unknown(unknown.join("; "));
    }
}

/// `parse` of the file at `path`, when it is there and parses. Why it could not be read or
/// parsed is added to `unknown`; a parse failure is also recorded as a probe error.
fn read_parsed<T>(
    ctx: &mut Ctx<'_>,
    path: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
    unknown: &mut Vec<String>,
) -> Option<T> {
    match ctx.read_optional("driver", Path::new(path)) {
        Ok(Some(text)) => match parse(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                let msg = format!("`{path}`: {e}");
                ctx.error("driver", Some(Path::new(path)), msg.clone());
                unknown.push(msg);
                None
            }
        },
        Ok(None) => None,
        Err(reason) => {
            unknown.push(reason);
            None
        }
    }
}

/// Collects GPUs from `/proc/driver/nvidia/gpus/*/information`.
pub fn collect_gpus(ctx: &mut Ctx<'_>) -> Vec<Gpu> {
    let mut out = Vec::new();
    let dir = Path::new(PROC_GPUS);
    let entries = match ctx.root.read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.is_not_found() => return out,
        Err(e) => {
            ctx.error("gpus", Some(dir), e.reason());
            return out;
        }
    };
    for entry in entries {
        let path = entry.path.join("information");
        if let Ok(Some(text)) = ctx.read_optional("gpus", &path) {
            let info = parse_gpu_information(&text);
            for key in &info.too_long {
                ctx.error(
                    "gpus",
                    Some(&path),
                    format!(
                        "the `{key}:` line is longer than the NAME_CHARS cap of {} characters (or the PROC_LINE_BYTES cap of {} bytes); not used",
                        crate::limits::NAME_CHARS,
                        crate::limits::PROC_LINE_BYTES
                    ),
                );
            }
            out.push(Gpu {
                bus_location: info
                    .bus_location
                    .or_else(|| Some(entry.name_str().into_owned())),
                name: info
                    .model
                    .map_or(Fact::Absent, |m| Fact::known(m, show(&path))),
                compute_capability: Fact::from_parts(
                    None,
                    None,
                    Some(
                        "not reported by /proc; derived from the name with the knowledge base"
                            .to_owned(),
                    ),
                ),
                uuid: info.uuid,
                memory_total_bytes: Fact::from_parts(None, None, None),
            });
        }
    }
    out
}

/// Collects `/dev/nvidia*` nodes.
pub fn collect_device_nodes(ctx: &mut Ctx<'_>) -> DeviceNodes {
    let mut nodes = DeviceNodes::default();
    match ctx.root.read_dir(Path::new("/dev")) {
        Ok(entries) => {
            for e in entries {
                let name = e.name_str();
                if name == "nvidiactl" {
                    nodes.nvidiactl = true;
                } else if name == "nvidia-uvm" {
                    nodes.nvidia_uvm = true;
                } else if let Some(rest) = name.strip_prefix("nvidia") {
                    if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
                        nodes.gpus.push(format!("/dev/{name}"));
                    }
                }
            }
            nodes.gpus.sort();
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => nodes.unknown = Some(e.reason()),
    }
    nodes
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn proprietary_banner() {
        let text = "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04) \n";
        let b = parse_proc_driver_nvidia_version(text).unwrap();
        assert_eq!(b.version.as_str(), "535.104.05");
        assert_eq!(b.flavor, "proprietary");
    }

    #[test]
    fn open_banner() {
        let text = "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.144.03  Release Build  (dvs-builder@U16-I3-B03-4-3)  Thu Dec 12 09:34:02 UTC 2024\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14) \n";
        let b = parse_proc_driver_nvidia_version(text).unwrap();
        assert_eq!(b.version.as_str(), "550.144.03");
        assert_eq!(b.flavor, "open");
    }

    #[test]
    fn open_banner_from_a_nix_built_module() {
        // Captured on an H200 host (driver 580.159.04), 2026-11-26.
        let text = "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (nixbld@)  \nGCC version:  gcc version 15.3.0 (GCC) \n";
        let b = parse_proc_driver_nvidia_version(text).unwrap();
        assert_eq!(b.version.as_str(), "580.159.04");
        assert_eq!(b.flavor, "open");
    }

    #[test]
    fn bad_banners_are_errors() {
        assert!(parse_proc_driver_nvidia_version("").is_err());
        assert!(parse_proc_driver_nvidia_version("\u{0}\u{1}garbage").is_err());
        let e = parse_proc_driver_nvidia_version(
            "NVRM version: NVIDIA UNIX x86_64 Kernel Module  X  Sat",
        )
        .unwrap_err();
        assert!(e.contains("Kernel Module  X"), "{e}");
    }

    #[test]
    fn sys_module_version() {
        assert_eq!(
            parse_sys_module_version("535.104.05\n").unwrap().as_str(),
            "535.104.05"
        );
        assert!(parse_sys_module_version("garbage").is_err());
    }

    #[test]
    fn gpu_information() {
        let text = "Model: \t\t Tesla T4\nIRQ:   \t\t 70\nGPU UUID: \t GPU-ad8e9ef0-8be5-6b26-5d5a-0f8e4e0d3b3b\nVideo BIOS: \t 90.04.38.00.03\nBus Type: \t PCIe\nDMA Size: \t 47 bits\nDMA Mask: \t 0x7fffffffffff\nBus Location: \t 0000:00:1e.0\nDevice Minor: \t 0\nGPU Excluded:\t No\n";
        let g = parse_gpu_information(text);
        assert_eq!(g.model.as_deref(), Some("Tesla T4"));
        assert_eq!(g.bus_location.as_deref(), Some("0000:00:1e.0"));
        assert_eq!(
            g.uuid.as_deref(),
            Some("GPU-ad8e9ef0-8be5-6b26-5d5a-0f8e4e0d3b3b")
        );
    }
}
