//! Task integrations.
