//! A TCP proxy between the server and RabbitMQ that a test can break: cut
//! every live connection (a consumer dying mid-delivery, a network blip) or
//! refuse new ones (a broker that is down). Real sockets, real broker.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::{
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

pub struct FaultProxy {
    pub address: SocketAddr,
    accepting: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    listener: JoinHandle<()>,
}

impl FaultProxy {
    pub async fn start(target: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let address = listener.local_addr().expect("proxy address");
        let accepting = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (open, all) = (accepting.clone(), links.clone());
        let listener = actix_web::rt::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !open.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let link = actix_web::rt::spawn(async move {
                    if let Ok(mut broker) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut broker).await;
                    }
                });
                if let Ok(mut links) = all.lock() {
                    links.push(link);
                }
            }
        });
        FaultProxy {
            address,
            accepting,
            links,
            listener,
        }
    }

    /// `url` with its host and port replaced by the proxy's.
    pub fn url(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("an amqp:// URL");
        let (credentials, rest) = match rest.split_once('@') {
            Some((credentials, rest)) => (format!("{credentials}@"), rest),
            None => (String::new(), rest),
        };
        let path = rest.find('/').map_or("", |i| &rest[i..]);
        format!("{scheme}://{credentials}{}{path}", self.address)
    }

    /// Drops every live connection at once.
    pub fn cut(&self) {
        if let Ok(mut links) = self.links.lock() {
            for link in links.drain(..) {
                link.abort();
            }
        }
    }

    /// Refuses (true) or accepts (false) new connections.
    pub fn refuse(&self, refuse: bool) {
        self.accepting.store(!refuse, Ordering::SeqCst);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.listener.abort();
        self.cut();
    }
}

/// Where the URL points: host:port.
pub fn broker_address(url: &str) -> SocketAddr {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    let host = rest.split('/').next().unwrap_or(rest);
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5672")
    };
    host.replace("localhost", "127.0.0.1")
        .parse()
        .unwrap_or_else(|e| panic!("{host} is not host:port: {e}"))
}
