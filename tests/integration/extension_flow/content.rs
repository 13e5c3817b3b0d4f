//! Content requests and the app's own downloads they schedule: at install, update and
//! periodically; finished and failed; auth refresh against `serve --require-token`.
