//! Bounded concurrency for backends without a batch API: many requests in
//! flight at once, but never more than a fixed number, results in input order.
//!
//! Runtime-agnostic: the futures are polled inside the
//! caller's task, so the I/O they start proceeds concurrently on whatever
//! runtime drives that task.

use std::future::Future;

use futures_util::stream::{self, StreamExt as _};

/// Default number of requests a KMS backend keeps in flight when it signs
/// many digests one request at a time.
#[cfg_attr(not(feature = "aws"), allow(dead_code))]
pub(crate) const MAX_IN_FLIGHT: usize = 8;

/// Runs `f` on every item with at most `limit` futures in flight (a `limit`
/// of 0 counts as 1) and returns the outputs in the order of `items`
/// (`futures-util`'s `buffered`).
///
/// Each output is whatever `f`'s future returns, so a `Result` per item keeps
/// one failure from losing the others.
pub(crate) async fn map_bounded<'a, T, R, F, Fut>(items: &'a [T], limit: usize, f: F) -> Vec<R>
where
    F: Fn(&'a T) -> Fut,
    Fut: Future<Output = R>,
{
    // The futures are made up front (a future does nothing until polled):
    // a closure inside the stream would make the caller's future fail the
    // `Send` check of `async_trait` (a known higher-ranked lifetime limit).
    let futures: Vec<Fut> = items.iter().map(f).collect();
    stream::iter(futures).buffered(limit.max(1)).collect().await
}

#[cfg(test)]
mod tests {
    use super::map_bounded;
    use std::cell::Cell;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// Pending `n` times (waking itself), then ready.
    struct YieldN(u32);
    impl Future for YieldN {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 == 0 {
                Poll::Ready(())
            } else {
                self.0 -= 1;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    #[test]
    fn keeps_input_order_and_bounds_concurrency() {
        let live = Cell::new(0usize);
        let peak = Cell::new(0usize);
        let items: Vec<u32> = (0..50).collect();
        let out = pollster::block_on(map_bounded(&items, 8, |&n| {
            let live = &live;
            let peak = &peak;
            async move {
                live.set(live.get() + 1);
                peak.set(peak.get().max(live.get()));
                // Later items finish sooner: completion order != input order.
                YieldN(50 - n).await;
                live.set(live.get() - 1);
                if n % 7 == 3 {
                    Err(format!("item {n} failed"))
                } else {
                    Ok(n * 10)
                }
            }
        }));
        assert_eq!(out.len(), 50);
        for (n, r) in (0u32..).zip(&out) {
            if n % 7 == 3 {
                assert_eq!(r.as_ref().unwrap_err(), &format!("item {n} failed"));
            } else {
                assert_eq!(r.as_ref().unwrap(), &(n * 10));
            }
        }
        assert_eq!(peak.get(), 8);
    }

    #[test]
    fn empty_input_and_zero_limit() {
        let none: Vec<u8> = Vec::new();
        assert!(pollster::block_on(map_bounded(&none, 8, |_| async { 1 })).is_empty());
        let one = [5u8];
        assert_eq!(
            pollster::block_on(map_bounded(&one, 0, |&x| async move { x })),
            [5]
        );
    }
}
