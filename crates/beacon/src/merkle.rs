//! SHA-256 binary Merkle trees as SSZ uses them: a node is `sha256(left ‖ right)`.

use crate::error::BeaconError;
use alloy_primitives::B256;
#[allow(deprecated)]
use sha2::digest::generic_array::GenericArray;
use std::sync::LazyLock;

/// SHA-256 initial state.
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The second block of every 64-byte message: `0x80`, zeros, and the bit length 512.
static PADDING: LazyLock<[u8; 64]> = LazyLock::new(|| {
    let mut block = [0u8; 64];
    block[0] = 0x80;
    block[62] = 0x02;
    block
});

/// `sha256(a ‖ b)`: two compressions, the second over a fixed padding block.
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
            *GenericArray::from_slice(&PADDING[..]),
        ],
    );
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    B256::from(out)
}

/// The root of a tree over `leaves` (a power of two, at least one).
pub fn merkleize_sha256(leaves: &[B256]) -> Result<B256, BeaconError> {
    if leaves.is_empty() || !leaves.len().is_power_of_two() {
        return Err(BeaconError::NotPowerOfTwo(leaves.len()));
    }
    let mut layer = leaves.to_vec();
    while layer.len() > 1 {
        layer = layer
            .chunks_exact(2)
            .map(|pair| match pair {
                [l, r] => hash_pair(l, r),
                _ => B256::ZERO,
            })
            .collect();
    }
    Ok(layer.first().copied().unwrap_or_default())
}

/// Walks from `leaf` up through `proof`: at each level the low bit of `index` says whether the
/// node is a right child (sibling on the left). Every bit of `index` must be used.
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
    if i != 0 {
        return Err(BeaconError::InvalidIndex {
            index,
            siblings: proof.len(),
        });
    }
    Ok(node)
}

/// Checks that `proof` leads from `leaf` at `index` to the non-zero `root`.
pub fn verify_inclusion(
    root: B256,
    leaf: B256,
    index: u64,
    proof: &[B256],
) -> Result<(), BeaconError> {
    check_root(root, leaf, index, proof, "inclusion")
}

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

    #[test]
    fn hash_pair_is_sha256_of_the_concatenation() {
        let a = B256::repeat_byte(0x11);
        let b = B256::repeat_byte(0xee);
        let mut h = Sha256::new();
        h.update(a);
        h.update(b);
        assert_eq!(hash_pair(&a, &b), B256::from_slice(&h.finalize()));
    }

    #[test]
    fn a_proof_with_unused_index_bits_is_refused() {
        let proof = [B256::repeat_byte(1)];
        assert_eq!(
            process_inclusion_proof(&proof, B256::ZERO, 2),
            Err(BeaconError::InvalidIndex {
                index: 2,
                siblings: 1
            })
        );
    }

    #[test]
    fn merkleizing_needs_a_power_of_two() {
        assert_eq!(
            merkleize_sha256(&[B256::ZERO; 3]),
            Err(BeaconError::NotPowerOfTwo(3))
        );
        let l = [B256::repeat_byte(1), B256::repeat_byte(2)];
        assert_eq!(merkleize_sha256(&l).unwrap(), hash_pair(&l[0], &l[1]));
    }
}
