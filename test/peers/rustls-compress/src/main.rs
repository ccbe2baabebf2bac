//! RFC 8879 interop peer for typetls tests (rustls with its brotli and zlib features).
//!
//!   rustls-compress-peer server CERT_PEM KEY_PEM [CLIENT_CA_PEM] [ALGS]
//!       listens on 127.0.0.1:0, prints "PORT <n>", serves one connection: reads a line,
//!       answers "rustls: <line>", prints "CLIENT_CERTS <n>" and exits.
//!   rustls-compress-peer client PORT CA_PEM SERVER_NAME [CERT_PEM KEY_PEM] [ALGS]
//!       connects, sends "ping\n", prints what comes back, exits.
//! ALGS: "default", "zlib", "brotli" (compressors offered / used).
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use rustls::compress::{CertCompressor, CertDecompressor};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

fn certs(path: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path).expect("cert file").map(|c| c.expect("cert")).collect()
}

fn key(path: &str) -> PrivateKeyDer<'static> {
    PrivateKeyDer::from_pem_file(path).expect("key file")
}

fn roots(path: &str) -> Arc<rustls::RootCertStore> {
    let mut r = rustls::RootCertStore::empty();
    for c in certs(path) {
        r.add(c).expect("root");
    }
    Arc::new(r)
}

fn algs(name: &str) -> (Vec<&'static dyn CertCompressor>, Vec<&'static dyn CertDecompressor>) {
    match name {
        "zlib" => (vec![rustls::compress::ZLIB_COMPRESSOR], vec![rustls::compress::ZLIB_DECOMPRESSOR]),
        "brotli" => (vec![rustls::compress::BROTLI_COMPRESSOR], vec![rustls::compress::BROTLI_DECOMPRESSOR]),
        _ => (rustls::compress::default_cert_compressors().to_vec(), rustls::compress::default_cert_decompressors().to_vec()),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    match args.get(1).map(|s| s.as_str()) {
        Some("server") => {
            let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
                .with_protocol_versions(&[&rustls::version::TLS13])
                .unwrap();
            let ca = args.get(4).filter(|s| !s.is_empty() && *s != "-");
            let builder = match ca {
                Some(ca) => builder.with_client_cert_verifier(
                    rustls::server::WebPkiClientVerifier::builder_with_provider(roots(ca), provider.clone()).build().unwrap(),
                ),
                None => builder.with_no_client_auth(),
            };
            let mut config = builder.with_single_cert(certs(&args[2]), key(&args[3])).unwrap();
            let (c, d) = algs(args.get(5).map(|s| s.as_str()).unwrap_or("default"));
            config.cert_compressors = c;
            config.cert_decompressors = d;
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            println!("PORT {}", listener.local_addr().unwrap().port());
            std::io::stdout().flush().unwrap();
            let (sock, _) = listener.accept().unwrap();
            let conn = rustls::ServerConnection::new(Arc::new(config)).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, sock);
            let mut line = String::new();
            let mut reader = BufReader::new(&mut tls);
            match reader.read_line(&mut line) {
                Ok(_) => {}
                Err(e) => {
                    println!("ERROR {e}");
                    std::process::exit(1);
                }
            }
            let n = tls.conn.peer_certificates().map(|c| c.len()).unwrap_or(0);
            println!("CLIENT_CERTS {n}");
            tls.write_all(format!("rustls: {line}").as_bytes()).unwrap();
            tls.conn.send_close_notify();
            let _ = tls.flush();
            std::io::stdout().flush().unwrap();
        }
        Some("client") => {
            let port: u16 = args[2].parse().unwrap();
            let builder = rustls::ClientConfig::builder_with_provider(provider)
                .with_protocol_versions(&[&rustls::version::TLS13])
                .unwrap()
                .with_root_certificates(roots(&args[3]));
            let cert = args.get(5).filter(|s| !s.is_empty() && *s != "-");
            let mut config = match cert {
                Some(cert) => builder.with_client_auth_cert(certs(cert), key(&args[6])).unwrap(),
                None => builder.with_no_client_auth(),
            };
            let (c, d) = algs(args.get(7).map(|s| s.as_str()).unwrap_or("default"));
            config.cert_compressors = c;
            config.cert_decompressors = d;
            let name = ServerName::try_from(args[4].clone()).unwrap();
            let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
            let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, sock);
            if let Err(e) = tls.write_all(b"ping\n") {
                println!("ERROR {e}");
                std::process::exit(1);
            }
            let mut out = Vec::new();
            match tls.read_to_end(&mut out) {
                Ok(_) => println!("GOT {}", String::from_utf8_lossy(&out).trim_end()),
                Err(e) => {
                    println!("ERROR {e}");
                    std::process::exit(1);
                }
            }
        }
        _ => {
            eprintln!("usage: server CERT KEY [CA|-] [ALGS] | client PORT CA NAME [CERT|- KEY] [ALGS]");
            std::process::exit(2);
        }
    }
}
