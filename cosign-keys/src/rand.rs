//! The OS CSPRNG (through AWS-LC). A failure is an error, never a panic.

use crate::{Error, Result};

pub(crate) fn fill(buf: &mut [u8]) -> Result<()> {
    aws_lc_rs::rand::fill(buf).map_err(|_| Error::Rng)
}
