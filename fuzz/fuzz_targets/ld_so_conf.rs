//! `ld.so.conf` trees: the input is split at 0xFF bytes into `/etc/ld.so.conf` and up to seven
//! `/etc/ld.so.conf.d/N.conf` files in a temporary root, which the library collector reads
//! (includes, globs, self-includes); the line parser also runs on the whole input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cudoctor_probe::collect::libraries::parse_ld_so_conf(&String::from_utf8_lossy(data));
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let etc = dir.path().join("etc");
    let _ = std::fs::create_dir_all(etc.join("ld.so.conf.d"));
    for (i, part) in data.split(|b| *b == 0xFF).take(8).enumerate() {
        let path = if i == 0 {
            etc.join("ld.so.conf")
        } else {
            etc.join(format!("ld.so.conf.d/{i}.conf"))
        };
        let _ = std::fs::write(path, part);
    }
    let Ok(root) = cudoctor_probe::Root::dir(dir.path()) else {
        return;
    };
    let env = cudoctor_probe::Env::from_pairs(Vec::<(String, String)>::new());
    let mut ctx = cudoctor_probe::collect::Ctx::new(&root, &env);
    let _ = cudoctor_probe::collect::libraries::ld_so_conf_dirs(&mut ctx);
});
