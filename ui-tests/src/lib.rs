//! The ui suite lives in `tests/ui.rs`.
