#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use super::*;

#[test]
fn lang_parses_names_and_locales() {
    for (s, want) in [
        ("en", Lang::En),
        ("EN", Lang::En),
        ("en_US.UTF-8", Lang::En),
        ("C", Lang::En),
        ("POSIX", Lang::En),
        ("zh", Lang::Zh),
        ("zh-CN", Lang::Zh),
        ("zh_CN.UTF-8", Lang::Zh),
        ("zh_TW", Lang::Zh),
        (" zh ", Lang::Zh),
    ] {
        assert_eq!(s.parse::<Lang>(), Ok(want), "{s}");
    }
    for bad in ["", "fr", "de_DE.UTF-8", "chinese", "zhx"] {
        assert!(bad.parse::<Lang>().is_err(), "{bad:?} should not parse");
    }
    assert_eq!(Lang::Zh.to_string(), "zh");
}

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

#[test]
fn lang_from_environment() {
    assert_eq!(Lang::from_env_with(env(&[])), Lang::En);
    assert_eq!(
        Lang::from_env_with(env(&[("LANG", "zh_CN.UTF-8")])),
        Lang::Zh
    );
    assert_eq!(
        Lang::from_env_with(env(&[("LANG", "en_US.UTF-8")])),
        Lang::En
    );
    // CUDOCTOR_LANG wins over the locale.
    assert_eq!(
        Lang::from_env_with(env(&[("CUDOCTOR_LANG", "en"), ("LANG", "zh_CN.UTF-8")])),
        Lang::En
    );
    assert_eq!(
        Lang::from_env_with(env(&[("CUDOCTOR_LANG", "zh"), ("LANG", "en_US.UTF-8")])),
        Lang::Zh
    );
    // An unknown CUDOCTOR_LANG is ignored, not fatal.
    assert_eq!(
        Lang::from_env_with(env(&[
            ("CUDOCTOR_LANG", "klingon"),
            ("LANG", "zh_CN.UTF-8")
        ])),
        Lang::Zh
    );
    // POSIX order: LC_ALL, then LC_MESSAGES, then LANG; an empty one is skipped.
    assert_eq!(
        Lang::from_env_with(env(&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")])),
        Lang::En
    );
    assert_eq!(
        Lang::from_env_with(env(&[("LC_ALL", ""), ("LC_MESSAGES", "zh_CN.UTF-8")])),
        Lang::Zh
    );
    assert_eq!(
        Lang::from_env_with(env(&[("LC_MESSAGES", "en_GB"), ("LANG", "zh_CN.UTF-8")])),
        Lang::En
    );
}

fn keys(lang: Lang) -> BTreeSet<String> {
    Catalog::get(lang).keys().map(str::to_owned).collect()
}

#[test]
fn catalogs_have_the_same_keys() {
    let en = keys(Lang::En);
    let zh = keys(Lang::Zh);
    assert!(en.len() > 200, "only {} en keys", en.len());
    let missing: Vec<_> = en.difference(&zh).collect();
    let extra: Vec<_> = zh.difference(&en).collect();
    assert!(missing.is_empty(), "keys without a zh message: {missing:?}");
    assert!(extra.is_empty(), "zh keys that en lacks: {extra:?}");
}

#[test]
fn no_key_is_defined_twice() {
    for lang in Lang::ALL {
        let all: Vec<&str> = Catalog::get(lang).keys().collect();
        let set: BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(all.len(), set.len(), "{lang}: a key repeats");
    }
}

#[test]
fn zh_messages_use_exactly_the_variables_of_en() {
    let en = Catalog::get(Lang::En);
    let zh = Catalog::get(Lang::Zh);
    let mut bad = Vec::new();
    for key in en.keys() {
        let (Some(e), Some(z)) = (en.variables(key), zh.variables(key)) else {
            continue;
        };
        if e != z {
            bad.push(format!("{key}: en {e:?}, zh {z:?}"));
        }
    }
    assert!(bad.is_empty(), "variables differ:\n{}", bad.join("\n"));
}

#[test]
fn every_message_has_a_value() {
    for lang in Lang::ALL {
        let c = Catalog::get(lang);
        for key in c.keys() {
            let args: Vec<(&'static str, Arg)> = Vec::new();
            // Formatting without arguments must still produce text (missing variables show as
            // `{$name}`): a key without a value would give None.
            assert!(
                c.message(key, &args).is_some(),
                "{lang}: {key} has no value"
            );
        }
    }
}

/// The zh catalog really is Chinese: each finding message that has words has CJK characters.
#[test]
fn zh_messages_are_translated() {
    let en = Catalog::get(Lang::En);
    let zh = Catalog::get(Lang::Zh);
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let mut same = Vec::new();
    for key in en.keys() {
        let args: Vec<(&'static str, Arg)> = Vec::new();
        let e = en.message(key, &args).unwrap();
        let z = zh.message(key, &args).unwrap();
        // Messages that are only a command, a placeholder or an id stay as they are.
        let mut plain = String::new();
        let mut rest = e.as_str();
        while let Some(i) = rest.find("{$") {
            plain.push_str(&rest[..i]);
            rest = rest[i..].split_once('}').map_or("", |(_, r)| r);
        }
        plain.push_str(rest);
        let words = plain
            .split('`')
            .step_by(2)
            .any(|outside| outside.chars().filter(char::is_ascii_alphabetic).count() > 12);
        // `cudoctor check: VERDICT` names the command, which stays as it is.
        if words && !cjk(&z) && key != "ui-md-title" {
            same.push(key.to_owned());
        }
    }
    assert!(same.is_empty(), "zh messages left in English: {same:?}");
}

#[test]
fn arguments_paste_cleanly_without_isolation_marks() {
    let m = msg!(
        "ld-library-path-current-directory-fix-drop",
        cleaned = "/usr/local/cuda/lib64"
    );
    for lang in Lang::ALL {
        let s = m.render(lang);
        assert!(
            s.contains("`export LD_LIBRARY_PATH=/usr/local/cuda/lib64`"),
            "{lang}: {s}"
        );
        assert!(!s.contains(['\u{2068}', '\u{2069}']), "{lang}: {s:?}");
    }
}

#[test]
fn plurals_and_nested_messages() {
    let counts = |e: usize, w: usize| msg!("verdict-counts", errors = e, warnings = w);
    assert_eq!(counts(1, 0).render(Lang::En), "1 error");
    assert_eq!(counts(2, 1).render(Lang::En), "2 errors, 1 warning");
    assert_eq!(counts(0, 3).render(Lang::En), "3 warnings");
    assert_eq!(counts(2, 1).render(Lang::Zh), "2 个错误，1 个警告");
    let v = msg!("verdict-error-stack", counts = counts(1, 2));
    assert_eq!(
        v.render(Lang::En),
        "The GPU stack is not usable: 1 error, 2 warnings"
    );
    assert_eq!(v.render(Lang::Zh), "GPU 软件栈不可用：1 个错误，2 个警告");
}

#[test]
fn unknown_keys_fall_back() {
    assert_eq!(Catalog::get(Lang::Zh).message("no-such-key", &[]), None);
    assert_eq!(tr(Lang::Zh, "no-such-key", &[]), "no-such-key");
    assert_eq!(Msg::new("no-such-key").render_strict(Lang::En), None);
    // A missing argument makes the strict form fail, the lenient one show the variable.
    let m = Msg::new("ld-library-path-current-directory-fix-drop");
    assert_eq!(m.render_strict(Lang::En), None);
    assert!(m.render(Lang::En).contains("{$cleaned}"));
}

/// Every finding id documented in docs/findings.md has a zh title (`<id>-title`, or
/// `<id>-title-<variant>` where one id has several titles).
#[test]
fn every_documented_finding_id_has_a_zh_title() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/findings.md"
    ))
    .unwrap();
    let ids: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("## `")?.strip_suffix('`'))
        .collect();
    assert!(ids.len() >= 30, "only {} ids parsed: {ids:?}", ids.len());
    let zh = keys(Lang::Zh);
    let missing: Vec<&&str> = ids
        .iter()
        .filter(|id| {
            let exact = format!("{id}-title");
            let variant = format!("{id}-title-");
            !zh.iter().any(|k| *k == exact || k.starts_with(&variant))
        })
        .collect();
    assert!(missing.is_empty(), "ids without a zh title: {missing:?}");
}
