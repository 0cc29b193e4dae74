//! The Chinese causes and fixes: every signature has them, step for step, with the same
//! placeholders, commands, sonames and versions as the English, and a match gives them through
//! `Match::cause_in` / `Match::fix_in` without changing the JSON contract.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::io::Cursor;

use cudoctor_explain::{Lang, Signature, scan, signatures};
use regex::Regex;

fn set(re: &Regex, text: &str) -> BTreeSet<String> {
    re.find_iter(text).map(|m| m.as_str().to_string()).collect()
}

fn english(s: &Signature) -> String {
    let mut t = vec![s.cause.clone()];
    t.extend(s.fix.iter().cloned());
    t.extend(s.specific_cause.iter().cloned());
    t.extend(s.specific_fix.iter().cloned());
    t.join("\n")
}

fn chinese(s: &Signature) -> String {
    let mut t = vec![s.cause_zh.clone()];
    t.extend(s.fix_zh.iter().cloned());
    t.extend(s.specific_cause_zh.iter().cloned());
    t.extend(s.specific_fix_zh.iter().cloned());
    t.join("\n")
}

#[test]
fn every_signature_has_its_chinese_cause_and_fix() {
    let cjk = Regex::new(r"[\p{Han}]").unwrap();
    let mut bad = Vec::new();
    for s in signatures() {
        if s.cause_zh.trim().is_empty() || !cjk.is_match(&s.cause_zh) {
            bad.push(format!("{}: no Chinese cause_zh", s.id));
        }
        if s.fix_zh.len() != s.fix.len() {
            bad.push(format!(
                "{}: fix_zh has {} steps, fix has {}",
                s.id,
                s.fix_zh.len(),
                s.fix.len()
            ));
        }
        for step in &s.fix_zh {
            if !cjk.is_match(step) {
                bad.push(format!("{}: fix_zh step is not Chinese: {step}", s.id));
            }
        }
        if s.specific_cause.is_some() != s.specific_cause_zh.is_some() {
            bad.push(format!(
                "{}: specific_cause and specific_cause_zh differ",
                s.id
            ));
        }
        if s.specific_fix.is_some() != s.specific_fix_zh.is_some() {
            bad.push(format!("{}: specific_fix and specific_fix_zh differ", s.id));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn chinese_keeps_placeholders_commands_sonames_and_versions() {
    let placeholder = Regex::new(r"\{[A-Za-z0-9_]+\}").unwrap();
    let backticked = Regex::new(r"`[^`]+`").unwrap();
    let soname = Regex::new(r"lib[A-Za-z_]+\.so(?:\.[0-9<>a-z]+)*").unwrap();
    let version = Regex::new(r"(?:^|[^\w.])([0-9]+\.[0-9]+(?:\.[0-9]+)*)").unwrap();
    let versions = |t: &str| -> BTreeSet<String> {
        version.captures_iter(t).map(|c| c[1].to_string()).collect()
    };
    let mut bad = Vec::new();
    for s in signatures() {
        // Placeholders: the same set, template by template.
        for (en, zh, what) in [
            (
                s.specific_cause.as_deref(),
                s.specific_cause_zh.as_deref(),
                "specific_cause",
            ),
            (
                s.specific_fix.as_deref(),
                s.specific_fix_zh.as_deref(),
                "specific_fix",
            ),
            (Some(s.cause.as_str()), Some(s.cause_zh.as_str()), "cause"),
        ] {
            let (en, zh) = (en.unwrap_or(""), zh.unwrap_or(""));
            if set(&placeholder, en) != set(&placeholder, zh) {
                bad.push(format!(
                    "{} {what}: placeholders {:?} in English, {:?} in Chinese",
                    s.id,
                    set(&placeholder, en),
                    set(&placeholder, zh)
                ));
            }
        }
        // Commands, sonames and versions of the English are all in the Chinese.
        let (en, zh) = (english(s), chinese(s));
        for (what, want, got) in [
            ("command", set(&backticked, &en), set(&backticked, &zh)),
            ("soname", set(&soname, &en), set(&soname, &zh)),
            ("version", versions(&en), versions(&zh)),
        ] {
            let missing: Vec<&String> = want.difference(&got).collect();
            if !missing.is_empty() {
                bad.push(format!("{}: Chinese lacks the {what}s {missing:?}", s.id));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The checks above can fail: a translation that drops a placeholder or a command is caught.
#[test]
fn the_checks_catch_a_broken_translation() {
    let placeholder = Regex::new(r"\{[A-Za-z0-9_]+\}").unwrap();
    let backticked = Regex::new(r"`[^`]+`").unwrap();
    let s = signatures()
        .iter()
        .find(|s| s.id == "tf-libcudart-missing")
        .unwrap();
    let en = s.specific_cause.as_deref().unwrap();
    let broken = s
        .specific_cause_zh
        .as_deref()
        .unwrap()
        .replace("{soname_major}", "");
    assert_ne!(set(&placeholder, en), set(&placeholder, &broken));
    let broken = chinese(s).replace("`sudo ldconfig`", "sudo ldconfig");
    assert!(!set(&backticked, &english(s)).is_subset(&set(&backticked, &broken)));
}

#[test]
fn a_match_gives_chinese_text_and_keeps_the_json_english() {
    let log = "2021-04-09 19:52:41.024315: W tensorflow/stream_executor/platform/default/dso_loader.cc:60] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory\n";
    let r = scan(Cursor::new(log.as_bytes().to_vec())).unwrap();
    let m = &r.matches[0];
    assert_eq!(m.signature, "tf-libcudart-missing");
    let zh = m.cause_in(Lang::Zh);
    // The specific sentence filled with the captures, then the kb fact, then the general text.
    assert!(
        zh.starts_with("该日志请求加载 libcudart.so.11.0，即 CUDA 11 的运行时"),
        "{zh}"
    );
    assert!(zh.contains("TensorFlow 2.6-2.10, 2.12-2.14"), "{zh}");
    assert!(
        zh.ends_with(
            &signatures()
                .iter()
                .find(|s| s.id == m.signature)
                .unwrap()
                .cause_zh
        )
    );
    let fix = m.fix_in(Lang::Zh);
    assert_eq!(fix.len(), m.fix.len());
    assert!(fix[0].contains("nvidia-cuda-runtime-cu11"), "{fix:?}");
    assert_eq!(m.cause_in(Lang::En), m.cause);
    // JSON stays English and has no zh fields.
    let v = serde_json::to_value(r.to_json()).unwrap();
    let json = v.to_string();
    assert!(!json.contains("cause_zh") && !json.contains("fix_zh") && !json.contains("text_zh"));
    assert_eq!(v["matches"][0]["cause"], m.cause.as_str());
}
