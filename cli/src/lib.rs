//! The library half of the `rehash` command: credential stores (files and
//! databases) and the batch engine behind `rehash scan` and `rehash wrap`.
//! Public so that fuzz targets and tools can drive the same readers.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod batch;
pub mod secret;
pub mod store;
