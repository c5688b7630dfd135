//! This machine's signature-recovery rate, to compare the committed rate with.
use super::*;

/// Recovers `total` signatures (cycling through `txs`) on `threads` threads, one contiguous
/// chunk each; with `full`, runs the node's whole admission check (`Transaction::verify`:
/// EIP-712 digest, canonical-form check, recovery, comparison) instead of recovery alone.
/// Returns the elapsed time and how many recovered to the right signer.
pub(super) fn recover_all(
    txs: &[Prepared],
    total: usize,
    threads: usize,
    full: bool,
    chain_id: u64,
) -> (Duration, usize) {
    let per = total.div_ceil(threads.max(1));
    let started = clock::now();
    let ok = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let from = t.saturating_mul(per);
                    let to = from.saturating_add(per).min(total);
                    let mut ok = 0usize;
                    for i in from..to {
                        let Some(p) = i.checked_rem(txs.len()).and_then(|j| txs.get(j)) else {
                            continue;
                        };
                        let good = if full {
                            p.tx.verify(chain_id).is_ok()
                        } else {
                            Signature::from_raw(&p.tx.signature)
                                .and_then(|s| s.recover_address_from_prehash(&p.digest))
                                .is_ok_and(|a| a == p.tx.from)
                        };
                        if good {
                            ok = ok.saturating_add(1);
                        }
                    }
                    ok
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(0))
            .fold(0usize, usize::saturating_add)
    });
    (started.elapsed(), ok)
}
