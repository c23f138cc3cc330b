//! Scrypt parameters, the limits checked before deriving, and the derivation
//! of the secretbox key.

use zeroize::Zeroizing;

use crate::{Error, Password, Result};

/// Memory limit applied when decrypting, unless changed: 256 MiB (4 times
/// what cosign's own parameters need, twice its largest accepted N).
pub const DEFAULT_MAX_MEMORY_BYTES: u64 = 256 * 1024 * 1024;
/// Work limit (N·r·p) applied when decrypting, unless changed: 2^21, twice
/// the largest cost cosign accepts (N = 131072, r = 8, p = 1), so a hostile
/// file costs at most about a second of CPU.
pub const DEFAULT_MAX_WORK: u64 = 1 << 21;

/// Validated scrypt parameters.
///
/// ```
/// use cosign_keys::ScryptParams;
/// let p = ScryptParams::cosign_default();
/// assert_eq!((p.n(), p.r(), p.p()), (65536, 8, 1));
/// assert_eq!(p.memory_bytes(), 64 * 1024 * 1024 + 1024);
/// assert!(p.is_cosign_compatible());
/// assert!(!ScryptParams::new(10, 8, 1)?.is_cosign_compatible());
/// assert!(ScryptParams::from_n(1000, 8, 1).is_err()); // not a power of two
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScryptParams {
    log_n: u8,
    r: u32,
    p: u32,
}

impl ScryptParams {
    /// What cosign v2 and v3 write (go-securesystemslib's default):
    /// N = 65536, r = 8, p = 1.
    #[must_use]
    pub const fn cosign_default() -> Self {
        Self {
            log_n: 16,
            r: 8,
            p: 1,
        }
    }

    /// Whether cosign will open a key sealed with these parameters: it
    /// accepts only N of 32768, 65536 or 131072 with r = 8 and p = 1
    /// (go-securesystemslib's `CheckParams`). Other parameters are allowed
    /// when writing, but the file is then readable by cosign-keys only.
    #[must_use]
    pub const fn is_cosign_compatible(&self) -> bool {
        matches!(self.log_n, 15..=17) && self.r == 8 && self.p == 1
    }

    /// Parameters from log2(N), r and p.
    ///
    /// # Errors
    /// [`Error::InvalidKdfParams`] if `log_n` is 0 or over 63, r or p is 0,
    /// or r·p ≥ 2^30 (RFC 7914's bound).
    ///
    /// ```
    /// let p = cosign_keys::ScryptParams::new(10, 8, 1)?;
    /// assert_eq!(p.n(), 1024);
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn new(log_n: u8, r: u32, p: u32) -> Result<Self> {
        let invalid = |reason: &str| {
            Err(Error::InvalidKdfParams {
                reason: reason.to_owned(),
            })
        };
        if log_n == 0 || log_n > 63 {
            return invalid("N must be a power of two between 2 and 2^63");
        }
        if r == 0 || p == 0 {
            return invalid("r and p must be at least 1");
        }
        if u64::from(r) * u64::from(p) >= 1 << 30 {
            return invalid("r·p must be below 2^30");
        }
        Ok(Self { log_n, r, p })
    }

    /// Parameters from N itself, as stored in Cosign's JSON envelope.
    ///
    /// # Errors
    /// [`Error::InvalidKdfParams`] if N is not a power of two greater than 1,
    /// or r, p are out of range (see [`ScryptParams::new`]).
    ///
    /// ```
    /// let p = cosign_keys::ScryptParams::from_n(65536, 8, 1)?;
    /// assert_eq!(p.log_n(), 16);
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn from_n(n: u64, r: u64, p: u64) -> Result<Self> {
        if n < 2 || !n.is_power_of_two() {
            return Err(Error::InvalidKdfParams {
                reason: format!("N = {n} is not a power of two greater than 1"),
            });
        }
        let (Ok(r), Ok(p)) = (u32::try_from(r), u32::try_from(p)) else {
            return Err(Error::InvalidKdfParams {
                reason: "r and p must fit in 32 bits".into(),
            });
        };
        let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| Error::InvalidKdfParams {
            reason: "N too large".into(),
        })?;
        Self::new(log_n, r, p)
    }

    /// log2(N).
    #[must_use]
    pub const fn log_n(&self) -> u8 {
        self.log_n
    }

    /// N, the CPU/memory cost.
    #[must_use]
    pub const fn n(&self) -> u64 {
        1u64 << self.log_n
    }

    /// r, the block size.
    #[must_use]
    pub const fn r(&self) -> u32 {
        self.r
    }

    /// p, the parallelization.
    #[must_use]
    pub const fn p(&self) -> u32 {
        self.p
    }

    /// Bytes of working memory the derivation needs: 128·r·N for the table
    /// plus 128·r·p for the blocks (saturating).
    #[must_use]
    pub fn memory_bytes(&self) -> u64 {
        let r = u128::from(self.r);
        let total = 128 * r * (u128::from(self.n()) + u128::from(self.p));
        u64::try_from(total).unwrap_or(u64::MAX)
    }

    /// N·r·p, proportional to the time the derivation takes (saturating).
    #[must_use]
    pub fn work(&self) -> u64 {
        let w = u128::from(self.n()) * u128::from(self.r) * u128::from(self.p);
        u64::try_from(w).unwrap_or(u64::MAX)
    }
}

impl Default for ScryptParams {
    fn default() -> Self {
        Self::cosign_default()
    }
}

/// Limits applied to scrypt parameters read from a file, checked before any
/// memory is allocated, so a hostile file cannot exhaust memory or CPU.
///
/// ```
/// use cosign_keys::DecryptOptions;
/// let strict = DecryptOptions::default().with_max_memory_bytes(64 << 20);
/// assert_eq!(strict.max_memory_bytes(), 64 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecryptOptions {
    max_memory_bytes: u64,
    max_work: u64,
}

impl Default for DecryptOptions {
    fn default() -> Self {
        Self {
            max_memory_bytes: DEFAULT_MAX_MEMORY_BYTES,
            max_work: DEFAULT_MAX_WORK,
        }
    }
}

impl DecryptOptions {
    /// Sets the memory limit in bytes.
    #[must_use]
    pub const fn with_max_memory_bytes(mut self, bytes: u64) -> Self {
        self.max_memory_bytes = bytes;
        self
    }

    /// Sets the work limit (N·r·p).
    #[must_use]
    pub const fn with_max_work(mut self, work: u64) -> Self {
        self.max_work = work;
        self
    }

    /// The memory limit in bytes.
    #[must_use]
    pub const fn max_memory_bytes(&self) -> u64 {
        self.max_memory_bytes
    }

    /// The work limit (N·r·p).
    #[must_use]
    pub const fn max_work(&self) -> u64 {
        self.max_work
    }

    /// Checks parameters against the limits.
    ///
    /// # Errors
    /// [`Error::KdfLimitExceeded`] if either limit is exceeded.
    pub(crate) fn check(&self, params: &ScryptParams) -> Result<()> {
        let (mem, work) = (params.memory_bytes(), params.work());
        if mem > self.max_memory_bytes || work > self.max_work {
            return Err(Error::KdfLimitExceeded {
                kdf: crate::Kdf::Scrypt,
                required_bytes: mem,
                limit_bytes: self.max_memory_bytes,
                required_work: work,
                limit_work: self.max_work,
            });
        }
        Ok(())
    }
}

/// Derives the 32-byte secretbox key. The caller has checked the limits, so
/// the allocation scrypt makes (128·r·N bytes) is bounded.
pub(crate) fn derive_key(
    password: &Password,
    salt: &[u8],
    params: &ScryptParams,
) -> Result<Zeroizing<[u8; 32]>> {
    let scrypt_params = scrypt::Params::new(params.log_n, params.r, params.p).map_err(|_| {
        Error::InvalidKdfParams {
            reason: "rejected by scrypt".into(),
        }
    })?;
    // scrypt aborts the process if its table cannot be allocated; ask the
    // allocator first (untouched pages cost nothing) and fail cleanly.
    let bytes = usize::try_from(params.memory_bytes()).map_err(|_| Error::OutOfMemory {
        bytes: params.memory_bytes(),
    })?;
    Vec::<u8>::new()
        .try_reserve_exact(bytes)
        .map_err(|_| Error::OutOfMemory {
            bytes: params.memory_bytes(),
        })?;
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password.expose_secret(), salt, &scrypt_params, &mut key[..]).map_err(|_| {
        Error::Crypto {
            context: "scrypt output length",
        }
    })?;
    Ok(key)
}
