//! Which `Host` headers a server answers: the defence against DNS rebinding.
//!
//! A web page can make the user's browser send requests to `127.0.0.1:8083` under a name the
//! page's author controls (the name first resolves to the author's server, then to
//! 127.0.0.1). The browser then sends that name as `Host`. Answering only the names a client
//! of this server uses — loopback addresses, `localhost`, the address the server is bound
//! to, the names configured with `--allowed-host`, and the `sync-` prefixed form of each
//! (the host StartSyncExecution is sent to) — refuses those requests.

use std::net::IpAddr;

/// The names a server answers to.
#[derive(Clone, Debug)]
pub struct HostCheck {
    names: Vec<String>,
    any: bool,
}

impl HostCheck {
    /// A check for a server bound to `bind_host`, also answering `extra` names (`*` answers
    /// every name).
    pub fn new(bind_host: &str, extra: &[String]) -> HostCheck {
        let mut names: Vec<String> = vec!["localhost".into()];
        let bind = strip_brackets(bind_host).to_ascii_lowercase();
        let unspecified = bind.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified());
        if !unspecified {
            names.push(bind);
        }
        names.extend(extra.iter().map(|n| strip_brackets(n).to_ascii_lowercase()));
        HostCheck {
            any: extra.iter().any(|n| n == "*"),
            names,
        }
    }

    /// Whether a request with this `Host` header is answered.
    pub fn allows(&self, host_header: &str) -> bool {
        if self.any {
            return true;
        }
        let name = strip_brackets(strip_port(host_header.trim())).to_ascii_lowercase();
        let name = name.strip_suffix('.').unwrap_or(&name);
        self.allows_name(name) || name.strip_prefix("sync-").is_some_and(|n| self.allows_name(n))
    }

    fn allows_name(&self, name: &str) -> bool {
        match name.parse::<IpAddr>() {
            Ok(ip) if ip.is_loopback() => true,
            Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()) => true,
            _ => self.names.iter().any(|n| n == name),
        }
    }
}

/// Whether a bind address only accepts connections from this machine.
pub fn is_loopback_bind(bind_host: &str) -> bool {
    let host = strip_brackets(bind_host);
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `name:port`, `[v6]:port`, `[v6]` or `name` without the port.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        // A bare IPv6 address has more than one colon and no port.
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

fn strip_brackets(host: &str) -> &str {
    host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_own_and_configured_names_are_answered() {
        let check = HostCheck::new("127.0.0.1", &["sfn.internal".into()]);
        for host in [
            "127.0.0.1:8083",
            "127.1.2.3",
            "localhost",
            "LOCALHOST:8083",
            "localhost.:8083",
            "[::1]:8083",
            "::1",
            "[::ffff:127.0.0.1]:8083",
            "sync-localhost:8083",
            "sync-127.0.0.1:8083",
            "sfn.internal:8083",
            "sync-sfn.internal",
        ] {
            assert!(check.allows(host), "{host}");
        }
        for host in [
            "",
            "attacker.example:8083",
            "localhost.attacker.example",
            "127.0.0.1.attacker.example",
            "192.168.1.10:8083",
            "sync-attacker.example",
            "sfn.internal.attacker.example",
            "[::2]:8083",
        ] {
            assert!(!check.allows(host), "{host}");
        }
    }

    #[test]
    fn the_bind_address_is_answered_unless_it_is_every_address() {
        assert!(HostCheck::new("192.168.1.10", &[]).allows("192.168.1.10:8083"));
        assert!(!HostCheck::new("0.0.0.0", &[]).allows("0.0.0.0:8083"));
        assert!(!HostCheck::new("0.0.0.0", &[]).allows("192.168.1.10:8083"));
        assert!(HostCheck::new("0.0.0.0", &["*".into()]).allows("anything:1"));
        assert!(is_loopback_bind("127.0.0.1") && is_loopback_bind("::1") && is_loopback_bind("[::1]"));
        assert!(!is_loopback_bind("0.0.0.0") && !is_loopback_bind("192.168.1.10"));
    }
}
