//! The local socket apps and `bgassets ctl` talk to the manager through: newline-delimited JSON
//! over a Unix domain socket (mode 0600) at [`crate::store::Paths::socket_path`], documented
//! message by message in `docs/protocol.md` so that apps in any language can use it.
//!
//! - [`protocol`]: the lines: request and response envelopes, events, limits, error kinds.
//! - [`server`]: takes the socket and serves every connection against a [`server::Service`]
//!   (the manager's handle, or a fake in tests); [`connection`] is one client, server side.
//! - [`client`]: a connection from the client side: calls with ids, and event receivers.
//! - [`socket`]: the platform's transport. Windows has none yet (named pipes are planned):
//!   binding and connecting there fail with a message saying so.

pub mod client;
pub mod connection;
pub mod protocol;
pub mod server;
pub mod socket;

pub use client::{CallError, Connection, ConnectionError, Events, Notice};
pub use server::{Service, SocketServer};
pub use socket::BindError;
