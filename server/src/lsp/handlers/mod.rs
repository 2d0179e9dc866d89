//! One file per request or notification. Each turns its params into a
//! call on the session (run off the async runtime by `Backend::on_session`)
//! and the session's plain answers into protocol types.

pub mod code_action;
pub mod code_action_resolve;
pub mod code_lens;
pub mod configuration;
pub mod did_change;
pub mod did_close;
pub mod did_open;
pub mod did_save;
pub mod execute_command;
pub mod hover;
pub mod initialize;
pub mod status;
pub mod watched_files;
pub mod workspace_folders;
