//! What a pod owner sets up: creating its pod and naming a proof submitter.
use super::*;

/// `createPod` action.
///
/// Rules (spec §8.1):
/// 1. Creating pods is not paused.
/// 2. One pod per owner (`EigenPodAlreadyExists`).
/// 3. The pod's address is derived from the owner (`podAddress(owner)`), so validators can be
///    pointed at it before it exists.
pub fn create_pod(ex: &mut Exec<'_>, sender: Address) -> Result<Address, Error> {
    pause::require_not_paused(&ex.state, PauseTarget::PodManager, PAUSED_NEW_EIGENPODS)?;
    if ex.state.pod_of(&sender)?.is_some() {
        return Err(PodError::EigenPodAlreadyExists(sender).into());
    }
    let address = pod_address(&sender);
    let pod = Pod {
        address,
        owner: sender,
        ..Pod::default()
    };
    put_pod(ex, &pod);
    ex.state
        .put(key(OWNER_BY_POD, &[address.as_slice()]), &sender);
    let count = ex.state.pod_count()?.saturating_add(1);
    ex.state.put(COUNT.to_vec(), &count);
    ex.emit(Event::PodDeployed {
        pod: address,
        owner: sender,
    });
    Ok(address)
}

/// `setProofSubmitter` action.
///
/// Rules: only the pod owner; the zero address removes the submitter.
pub fn set_proof_submitter(
    ex: &mut Exec<'_>,
    sender: Address,
    new_proof_submitter: Address,
) -> Result<(), Error> {
    let mut pod = ex
        .state
        .pod_of(&sender)?
        .ok_or(PodError::OnlyEigenPodOwner)?;
    let prev = pod.proof_submitter;
    pod.proof_submitter = new_proof_submitter;
    put_pod(ex, &pod);
    ex.emit(Event::ProofSubmitterUpdated {
        pod: pod.address,
        prev_proof_submitter: prev,
        new_proof_submitter,
    });
    Ok(())
}
