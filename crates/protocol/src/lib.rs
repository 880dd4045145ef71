//! AWS wire-protocol pieces that every API Switchyard serves shares, kept apart from any
//! one service: who may call and from where.
//!
//! - [`sigv4`]: verifies an incoming request's Signature Version 4 (the `Authorization`
//!   header or the query-string form) against configured access keys ([`sigv4::Keys`]),
//!   with AWS's allowed clock skew, and names each failure as AWS does.
//! - [`host`]: the `Host` check that keeps a DNS-rebinding web page from reaching a server
//!   bound to loopback.
//!
//! Both are pure: the caller passes the request's parts and the current time in.
//!
//! ```
//! use protocol::host::HostCheck;
//! let check = HostCheck::new("127.0.0.1", &[]);
//! assert!(check.allows("localhost:8083"));
//! assert!(check.allows("sync-127.0.0.1:8083"));
//! assert!(!check.allows("attacker.example:8083"));
//! ```

pub mod host;
pub mod sigv4;
