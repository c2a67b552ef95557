//! Outpost desktop shell.
