//! bgassets' integration tests, one binary (as ripgrep's `tests/` are): one module per area,
//! all sharing one helper module, [`support`]. One binary links the whole stack (egui included)
//! once instead of once per test file.
//!
//! Run one area with its module path as the filter: `cargo test --test integration engine_transport::`;
//! one test with `--exact`: `cargo test --test integration -- --exact ipc_load::NAME`.
//! Where a new test goes: `tests/README.md`.

// Tests state what they expect with `unwrap`/`expect`: a failure is the test's report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod app_downloads;

mod cli_download;
mod cli_download_priority;
mod cli_manager;
mod cli_pack;
mod crash_loop;
mod delta_edges;
mod delta_update;
mod demo;
mod desktop;
mod download_kill;
mod engine_destinations;
mod engine_disk;
mod engine_download;
mod engine_durability;
mod engine_failover;
mod engine_failover_hops;
mod engine_failover_mix;
mod engine_held;
mod engine_moved;
mod engine_nginx;
mod engine_refusals;
mod engine_schedule;
mod engine_segments;
mod engine_segments_faults;
mod engine_segments_hosts;
mod engine_segments_ramp;
mod engine_transport;
mod extension_flow;
mod extensions;
mod fault_matrix;
mod full_disk;
mod fuzz_corpus;
mod gui_access;
mod gui_backend;
mod gui_details;
mod gui_kittest;
mod gui_preferences;
mod gui_window;
mod hostile_archives;
mod hostile_manifests;
mod hostile_plists;
mod install;
mod install_cancel;
mod ipc;
mod ipc_load;
mod manager_burst;
mod manager_folder_watch;
mod manager_intent;
mod manager_lifecycle;
mod manager_model;
mod manager_policy;
mod manager_scale;
mod manager_timeline;
mod model_app;
mod model_app_errors;
mod model_manifests;
mod model_server_manifest;
mod model_status;
mod names;
mod notify;
mod pack_build;
mod publish;
mod queue_intent;
mod resident;
mod serve_authority;
mod serve_clients;
mod serve_demo;
mod serve_faults;
mod serve_http;
mod serve_log;
mod serve_token;
mod status_changes;
mod sync_words;
mod tray;
mod typed_api;
