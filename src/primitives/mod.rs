//! Building blocks that several families share, below them in the layering:
//! a family imports these, never another family.

pub(crate) mod argon2;
pub(crate) mod crypt3;
pub(crate) mod md;
pub(crate) mod md5;
pub(crate) mod plain;
pub(crate) mod pool;
pub(crate) mod prf;
pub(crate) mod scrypt;
pub(crate) mod sha_crypt;
pub(crate) mod yescrypt;
