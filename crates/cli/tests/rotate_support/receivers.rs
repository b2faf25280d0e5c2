//! Local receivers for `--notify`: an HTTP listener that answers 200 to one
//! request and hands over its body, and an SMTP sink (RFC 5321, the few
//! commands a client sends) that hands over one message's DATA.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc::{channel, Receiver};
use std::thread::JoinHandle;

pub struct Received {
    pub port: u16,
    rx: Receiver<String>,
    _thread: JoinHandle<()>,
}

impl Received {
    /// What arrived (the request body, or the mail's DATA), waiting up to 30 s.
    pub fn take(&self) -> String {
        self.rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the receiver got nothing")
    }
}

/// One HTTP request: returns "<request line>\n<body>".
pub fn webhook() -> Received {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = channel();
    let thread = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .unwrap();
        let _ = tx.send(format!(
            "{}\n{}",
            request_line.trim_end(),
            String::from_utf8(body).unwrap()
        ));
    });
    Received {
        port,
        rx,
        _thread: thread,
    }
}

/// One SMTP session: returns "MAIL/RCPT lines\n<DATA>".
pub fn smtp_sink() -> Received {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = channel();
    let thread = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut out = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        let mut say = |s: &str| out.write_all(format!("{s}\r\n").as_bytes()).unwrap();
        say("220 sink ESMTP");
        let mut envelope = String::new();
        let mut data = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            let cmd = line.trim_end().to_ascii_uppercase();
            if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                say("250 sink");
            } else if cmd.starts_with("MAIL") || cmd.starts_with("RCPT") {
                envelope.push_str(line.trim_end());
                envelope.push('\n');
                say("250 OK");
            } else if cmd == "DATA" {
                say("354 end with .");
                loop {
                    let mut l = String::new();
                    reader.read_line(&mut l).unwrap();
                    if l == ".\r\n" || l.is_empty() {
                        break;
                    }
                    data.push_str(&l);
                }
                say("250 queued");
            } else if cmd == "QUIT" {
                say("221 bye");
                break;
            } else {
                say("250 OK");
            }
        }
        let _ = tx.send(format!("{envelope}{data}"));
    });
    Received {
        port,
        rx,
        _thread: thread,
    }
}
