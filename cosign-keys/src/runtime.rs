//! Running the async stores and KMS clients from synchronous code.
//!
//! With a network feature on, futures run on one private multi-thread Tokio
//! runtime (created on first use). Called from inside another Tokio runtime,
//! where blocking that runtime's thread would panic or deadlock, the future
//! runs on a scoped helper thread instead. Without network features the
//! stores never wait on I/O readiness, and a minimal executor polls them.

use std::future::Future;

/// Runs `future` to completion on the calling thread (or a helper thread).
#[cfg(feature = "tokio")]
pub(crate) fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    use std::sync::OnceLock;
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("cosign-keys-io")
            .enable_all()
            .build()
            .ok()
    });
    match runtime {
        Some(rt) if tokio::runtime::Handle::try_current().is_err() => rt.block_on(future),
        Some(rt) => std::thread::scope(|scope| match scope.spawn(|| rt.block_on(future)).join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        }),
        // Creating a runtime only fails when the OS refuses threads or an
        // epoll instance; a current-thread runtime on a helper thread needs
        // neither up front.
        None => std::thread::scope(|scope| {
            match scope
                .spawn(|| {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    rt.map(|rt| rt.block_on(future))
                })
                .join()
            {
                Ok(Ok(out)) => out,
                Ok(Err(e)) => std::panic::panic_any(format!("cannot start an async runtime: {e}")),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }),
    }
}

/// Runs `future` to completion on the calling thread.
#[cfg(not(feature = "tokio"))]
pub(crate) fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    pollster::block_on(future)
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs_a_future() {
        assert_eq!(super::block_on(async { 40 + 2 }), 42);
    }

    #[cfg(feature = "tokio")]
    #[test]
    fn does_not_panic_inside_a_runtime() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let out = rt.block_on(async { super::block_on(async { 7 }) });
        assert_eq!(out, 7);
    }
}
