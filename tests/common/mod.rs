//! Shared helpers for the end-to-end tests. Each test binary uses a different subset.
#![allow(dead_code)]

pub mod lab;
pub mod netns;
pub mod webdriver;
