//! The local socket apps and `bgassets ctl` talk to the manager through: newline-delimited JSON
//! over a Unix domain socket (mode 0600) at [`crate::store::Paths::socket_path`], documented
//! message by message in `docs/protocol.md` so that apps in any language can use it.
//!
//! - [`protocol`]: the request lines, and the methods; [`reply`]: the server's lines (response
//!   envelopes, events; a published status document encoded once, `encoded`); [`hello`]: the
//!   first line, saying who the connection is.
//! - [`authority`]: who may ask what (controller, app, nobody yet), as pure decisions; [`gate`]
//!   applies them to one connection; [`capability`]: the secret that makes a controller;
//!   [`leases`]: the exclusive-control leases a connection holds, released when it closes.
//! - [`server`]: takes the socket and serves every connection against a [`service::Service`]
//!   (the manager's handle, or a fake in tests); [`connection`] is one client, server side;
//!   [`line`](mod@line) reads its request lines, capped.
//! - [`client`]: a connection from the client side: calls with ids, typed results
//!   ([`crate::manager::api::ManagerApi`]), and event receivers.
//! - [`window`]: `showWindow`, how a second launch shows the running window.
//! - [`socket`]: the platform's transport. Windows has none yet (named pipes are planned):
//!   binding and connecting there fail with a message saying so.

pub mod authority;
pub mod capability;
pub mod client;
pub mod connection;
mod encoded;
pub mod gate;
pub mod hello;
pub mod leases;
pub mod line;
pub mod protocol;
pub mod reply;
pub mod server;
pub mod service;
pub mod socket;
pub mod window;

pub use authority::Role;
pub use capability::{Capability, CapabilityError};
pub use client::{CallError, Connection, ConnectionError, Events, Notice};
pub use protocol::Hello;
pub use server::SocketServer;
pub use service::Service;
pub use socket::BindError;
pub use window::WindowShown;
