//! `proxy_from_env`: a request goes to the proxy `ALL_PROXY` names. Its own test binary, so
//! that setting the variable races no other test.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

#[test]
fn requests_go_through_the_proxy_of_the_environment() {
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = proxy.local_addr().unwrap();
    // SAFETY: the only test of this binary, before any other thread of ours starts.
    // Whatever proxy the machine running the tests has is not the one under test.
    unsafe {
        for v in cudoctor_http::PROXY_ENV_VARS {
            std::env::remove_var(v);
        }
        std::env::set_var("ALL_PROXY", format!("http://{addr}"));
    }
    let server = std::thread::spawn(move || {
        let (stream, _) = proxy.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let head = |reader: &mut BufReader<_>| {
            let mut first = String::new();
            reader.read_line(&mut first).unwrap();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
                line.clear();
            }
            first
        };
        // ureq tunnels every request through the proxy: CONNECT, then the request inside.
        let connect = head(&mut reader);
        (&stream)
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .unwrap();
        let request = head(&mut reader);
        (&stream)
            .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
        (connect, request)
    });
    let a = cudoctor_http::agent(cudoctor_http::Timeout::Whole(Duration::from_secs(5)), true);
    let r = a.get("http://index.invalid/simple/").call().unwrap();
    assert_eq!(r.status(), 204);
    let (connect, request) = server.join().unwrap();
    assert_eq!(connect, "CONNECT index.invalid:80 HTTP/1.1\r\n");
    assert_eq!(request, "GET /simple/ HTTP/1.1\r\n");
}
