//! The library half of the `rehash` command: credential stores (files and
//! databases) and the batch engine behind `rehash scan` and `rehash wrap`.
//! Public so that fuzz targets and tools can drive the same readers.
//!
//! Nothing here prints: errors are [`Error`] (the run failed) and
//! [`RowError`] (one row could not be changed), and `wrap` reports its
//! progress through [`batch::Progress`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod batch;
pub mod error;
pub mod secret;
pub mod store;

pub use error::{Error, RowError};
