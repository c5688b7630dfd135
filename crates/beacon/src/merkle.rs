//! SHA-256 binary Merkle trees as SSZ uses them: a node is `sha256(left ‖ right)`, and a proof
//! is the list of siblings from the leaf up, with a generalized index whose bit `i` (least
//! significant first) says whether the node at depth `i` is a right child.

use crate::error::BeaconError;
use alloy_primitives::B256;
#[allow(deprecated)]
use sha2::digest::generic_array::GenericArray;

/// SHA-256 initial state.
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The second block of every 64-byte message: `0x80`, zeros, and the message length in bits
/// (512 = `0x0200`, big-endian in the last 8 bytes).
const PADDING: [u8; 64] = {
    let mut block = [0u8; 64];
    block[0] = 0x80;
    block[62] = 0x02;
    block
};

/// `sha256(a ‖ b)`: two compressions, the second over the fixed padding block (SHA-NI or
/// the platform's fastest path, as `sha2` selects at run time).
// sha2 0.10's block type is generic-array 0.14's, deprecated in favour of a version sha2 0.10
// does not use.
#[allow(deprecated)]
pub fn hash_pair(a: &B256, b: &B256) -> B256 {
    let mut block = [0u8; 64];
    let (left, right) = block.split_at_mut(32);
    left.copy_from_slice(a.as_slice());
    right.copy_from_slice(b.as_slice());
    let mut state = IV;
    sha2::compress256(
        &mut state,
        &[
            *GenericArray::from_slice(&block),
            *GenericArray::from_slice(&PADDING),
        ],
    );
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    B256::from(out)
}

/// One level up: the parents of consecutive pairs (`layer` has an even length).
fn parents(layer: &[B256]) -> Vec<B256> {
    layer
        .chunks_exact(2)
        .map(|pair| match pair {
            [l, r] => hash_pair(l, r),
            _ => B256::ZERO,
        })
        .collect()
}

fn require_power_of_two(leaves: &[B256]) -> Result<(), BeaconError> {
    if leaves.is_empty() || !leaves.len().is_power_of_two() {
        return Err(BeaconError::NotPowerOfTwo(leaves.len()));
    }
    Ok(())
}

/// The root of a tree over `leaves` (EigenLayer's `merkleizeSha256`): the count must be a power
/// of two (one leaf is its own root).
pub fn merkleize_sha256(leaves: &[B256]) -> Result<B256, BeaconError> {
    require_power_of_two(leaves)?;
    let mut layer = leaves.to_vec();
    while layer.len() > 1 {
        layer = parents(&layer);
    }
    layer.first().copied().ok_or(BeaconError::NotPowerOfTwo(0))
}

/// The siblings proving `leaves[index]` in the tree over `leaves` (a power of two), leaf to
/// root; [`process_inclusion_proof`] with the same `index` gives back [`merkleize_sha256`].
pub fn merkle_proof(leaves: &[B256], index: usize) -> Result<Vec<B256>, BeaconError> {
    require_power_of_two(leaves)?;
    if index >= leaves.len() {
        return Err(BeaconError::InvalidIndex {
            index: u64::try_from(index).unwrap_or(u64::MAX),
            siblings: usize::try_from(leaves.len().trailing_zeros()).unwrap_or(usize::MAX),
        });
    }
    let mut proof = Vec::new();
    let mut layer = leaves.to_vec();
    let mut i = index;
    while layer.len() > 1 {
        proof.push(layer.get(i ^ 1).copied().unwrap_or_default());
        layer = parents(&layer);
        i >>= 1;
    }
    Ok(proof)
}

/// Walks from `leaf` up through `proof` (EigenLayer's `Merkle.processInclusionProofSha256`): at
/// each level the low bit of `index` says whether the node is a right child, so its sibling goes
/// on the left. Refuses an empty proof (`InvalidProofLength`) and an index with bits left over
/// after the last sibling (`InvalidIndex`), so a proof for one position is never accepted for
/// another.
pub fn process_inclusion_proof(
    proof: &[B256],
    leaf: B256,
    index: u64,
) -> Result<B256, BeaconError> {
    if proof.is_empty() {
        return Err(BeaconError::InvalidProofLength {
            which: "inclusion",
            expected: 1,
            actual: 0,
        });
    }
    let used = u32::try_from(proof.len()).unwrap_or(u32::MAX);
    if index.checked_shr(used).unwrap_or(0) != 0 {
        return Err(BeaconError::InvalidIndex {
            index,
            siblings: proof.len(),
        });
    }
    let mut node = leaf;
    let mut i = index;
    for sibling in proof {
        node = if i & 1 == 0 {
            hash_pair(&node, sibling)
        } else {
            hash_pair(sibling, &node)
        };
        i >>= 1;
    }
    Ok(node)
}

/// Checks that `proof` leads from `leaf` at `index` to `root`: a zero root is refused
/// (`EmptyRoot`), a different result is `RootMismatch`.
pub fn verify_inclusion(
    root: B256,
    leaf: B256,
    index: u64,
    proof: &[B256],
) -> Result<(), BeaconError> {
    check_root(root, leaf, index, proof, "inclusion")
}

/// [`verify_inclusion`], naming the proof in the mismatch error.
pub(crate) fn check_root(
    root: B256,
    leaf: B256,
    index: u64,
    proof: &[B256],
    which: &'static str,
) -> Result<(), BeaconError> {
    if root.is_zero() {
        return Err(BeaconError::EmptyRoot);
    }
    if process_inclusion_proof(proof, leaf, index)? != root {
        return Err(BeaconError::RootMismatch { which });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn leaf(i: u8) -> B256 {
        B256::repeat_byte(i)
    }

    #[test]
    fn hash_pair_is_sha256_of_the_concatenation() {
        for (a, b) in [
            (leaf(0x11), leaf(0xee)),
            (B256::ZERO, B256::ZERO),
            (leaf(0xff), leaf(0)),
        ] {
            let mut h = Sha256::new();
            h.update(a);
            h.update(b);
            assert_eq!(hash_pair(&a, &b), B256::from_slice(&h.finalize()));
        }
    }

    #[test]
    fn the_hash_of_two_zero_leaves_is_the_known_ssz_zero_subtree() {
        // zerohashes[1] of the consensus specs.
        assert_eq!(
            hash_pair(&B256::ZERO, &B256::ZERO),
            "0xf5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b"
                .parse::<B256>()
                .unwrap()
        );
    }

    #[test]
    fn a_proof_with_unused_index_bits_is_refused() {
        let proof = [leaf(1)];
        assert_eq!(
            process_inclusion_proof(&proof, B256::ZERO, 2),
            Err(BeaconError::InvalidIndex {
                index: 2,
                siblings: 1
            })
        );
        assert!(process_inclusion_proof(&proof, B256::ZERO, 1).is_ok());
    }

    #[test]
    fn an_empty_proof_is_refused() {
        assert_eq!(
            process_inclusion_proof(&[], leaf(1), 0),
            Err(BeaconError::InvalidProofLength {
                which: "inclusion",
                expected: 1,
                actual: 0
            })
        );
    }

    #[test]
    fn merkleizing_needs_a_power_of_two() {
        assert_eq!(
            merkleize_sha256(&[B256::ZERO; 3]),
            Err(BeaconError::NotPowerOfTwo(3))
        );
        assert_eq!(merkleize_sha256(&[]), Err(BeaconError::NotPowerOfTwo(0)));
        assert_eq!(merkleize_sha256(&[leaf(7)]), Ok(leaf(7)));
        let l = [leaf(1), leaf(2)];
        assert_eq!(merkleize_sha256(&l).unwrap(), hash_pair(&l[0], &l[1]));
        let four = [leaf(1), leaf(2), leaf(3), leaf(4)];
        assert_eq!(
            merkleize_sha256(&four).unwrap(),
            hash_pair(
                &hash_pair(&four[0], &four[1]),
                &hash_pair(&four[2], &four[3])
            )
        );
    }

    #[test]
    fn a_generated_proof_leads_back_to_the_root_only_at_its_index() {
        let leaves: Vec<B256> = (0..8).map(leaf).collect();
        let root = merkleize_sha256(&leaves).unwrap();
        for i in 0..8usize {
            let proof = merkle_proof(&leaves, i).unwrap();
            assert_eq!(proof.len(), 3);
            verify_inclusion(root, leaves[i], i as u64, &proof).unwrap();
            let other = (i as u64 + 1) % 8;
            assert_eq!(
                verify_inclusion(root, leaves[i], other, &proof),
                Err(BeaconError::RootMismatch { which: "inclusion" })
            );
        }
        assert!(matches!(
            merkle_proof(&leaves, 8),
            Err(BeaconError::InvalidIndex { index: 8, .. })
        ));
    }

    #[test]
    fn a_zero_root_is_refused_before_hashing() {
        assert_eq!(
            verify_inclusion(B256::ZERO, leaf(1), 0, &[leaf(2)]),
            Err(BeaconError::EmptyRoot)
        );
    }
}
