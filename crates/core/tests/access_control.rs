//! Access control: every privileged action refused to the wrong account with the right typed
//! error and no change of state, and the delegated paths (appointees, admins) that do work.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, U256};
use common::*;
use restake_core::allocation::{
    AllocateParams, AllocationError, AllocationRead, CreateSetParams, RegistrationPolicy,
};
use restake_core::config::ConfigRead;
use restake_core::delegation::{DelegationError, DelegationRead};
use restake_core::pause::{PauseError, PauseRead, PauseTarget};
use restake_core::permissions::{PermissionError, PermissionsRead};
use restake_core::pool::PoolRead;
use restake_core::strategy_manager::{StrategyManagerError, StrategyManagerRead};
use restake_core::tokens::{TokenError, TokensRead, token_address};
use restake_core::{Action, Error, Event};
use restake_primitives::OperatorSet;

const STAKER: Address = Address::repeat_byte(1);
const OP: Address = Address::repeat_byte(2);
const AVS: Address = Address::repeat_byte(3);
const OTHER_OP: Address = Address::repeat_byte(4);
const OTHER_AVS: Address = Address::repeat_byte(5);
const APPOINTEE: Address = Address::repeat_byte(6);
const NEW_ADMIN: Address = Address::repeat_byte(7);
const NEW_SLASHER: Address = Address::repeat_byte(8);
const STRANGER: Address = Address::repeat_byte(13);

/// Half of the operator's stETH magnitude.
const HALF: u64 = 500_000_000_000_000_000;

/// A staker delegated to `OP` with 100 stETH; `AVS` owns set 1 over stETH and rETH with `OP` as a
/// member holding half its stETH magnitude there; `OTHER_OP` is a second registered operator and
/// `OTHER_AVS` a second AVS with its own set 1.
fn world() -> Chain {
    let mut c = Chain::new();
    c.deposit(STAKER, "stETH", eth(100));
    c.register_operator(OP);
    c.register_operator(OTHER_OP);
    c.delegate(STAKER, OP);
    c.create_set(AVS, 1, &["stETH", "rETH"]);
    c.create_set(OTHER_AVS, 1, &["stETH"]);
    c.register_for(OP, AVS, &[1]);
    c.allocate(OP, AVS, 1, "stETH", HALF);
    c.advance(1);
    c
}

fn invalid_permissions(account: Address, caller: Address, selector: &str) -> Error {
    Error::Permission(PermissionError::InvalidPermissions {
        account,
        caller,
        selector: selector.into(),
    })
}

fn not_admin(account: Address, caller: Address) -> Error {
    Error::Permission(PermissionError::NotAdmin { account, caller })
}

fn allocate_action(c: &Chain, operator: Option<Address>, magnitude: u64) -> Action {
    Action::ModifyAllocations {
        operator,
        params: vec![AllocateParams {
            avs: AVS,
            operator_set_id: 1,
            strategies: vec![c.strategy("stETH")],
            new_magnitudes: vec![magnitude],
        }],
    }
}

fn slash_action(c: &Chain, avs: Option<Address>, wad_to_slash: U256) -> Action {
    Action::SlashOperator {
        avs,
        operator: OP,
        operator_set_id: 1,
        strategies: vec![c.strategy("stETH")],
        wads_to_slash: vec![wad_to_slash],
        description: "access test".into(),
    }
}

fn set(avs: Address, id: u32) -> OperatorSet {
    OperatorSet::new(avs, id)
}

/// The allocation of `op` to `AVS`'s set 1 in force now, pending changes that matured applied.
fn allocation(c: &Chain, op: Address, symbol: &str) -> restake_core::allocation::Allocation {
    c.state
        .updated_allocation(&op, &set(AVS, 1), &c.strategy(symbol), c.block.number)
        .unwrap()
        .1
}

fn current_magnitude(c: &Chain, op: Address, symbol: &str) -> u64 {
    allocation(c, op, symbol).current_magnitude
}

// ---------------------------------------------------------------------------------------------
// Asset ledger and governance roles
// ---------------------------------------------------------------------------------------------

#[test]
fn only_the_minter_can_mint() {
    let mut c = Chain::new();
    let token = c.token("stETH");
    for caller in [STRANGER, OWNER, PAUSER, UNPAUSER, STAKER] {
        let err = c.fails(
            caller,
            Action::Mint {
                token,
                to: caller,
                amount: eth(1),
            },
        );
        assert_eq!(err, Error::Token(TokenError::NotMinter { token, caller }));
    }
    let before = c.balance(STRANGER, "stETH");
    c.ok(
        MINTER,
        Action::Mint {
            token,
            to: STRANGER,
            amount: eth(1),
        },
    );
    assert_eq!(c.balance(STRANGER, "stETH"), before + eth(1));
}

#[test]
fn only_the_minter_can_burn() {
    let mut c = Chain::new();
    let token = c.token("rETH");
    for caller in [STRANGER, OWNER, PAUSER, STAKER] {
        let err = c.fails(
            caller,
            Action::Burn {
                token,
                amount: eth(1),
            },
        );
        assert_eq!(err, Error::Token(TokenError::NotMinter { token, caller }));
    }
    c.ok(
        MINTER,
        Action::Mint {
            token,
            to: MINTER,
            amount: eth(3),
        },
    );
    let supply = c.state.token(&token).unwrap().unwrap().total_supply;
    c.ok(
        MINTER,
        Action::Burn {
            token,
            amount: eth(2),
        },
    );
    assert_eq!(c.balance(MINTER, "rETH"), eth(1));
    assert_eq!(
        c.state.token(&token).unwrap().unwrap().total_supply,
        supply - eth(2)
    );
}

#[test]
fn only_the_owner_can_register_a_token() {
    let mut c = Chain::new();
    for caller in [STRANGER, MINTER, PAUSER, UNPAUSER] {
        let err = c.fails(
            caller,
            Action::RegisterToken {
                symbol: "EIGEN".into(),
                decimals: 18,
                minter: caller,
            },
        );
        assert_eq!(
            err,
            Error::Token(restake_core::tokens::TokenError::NotOwner(caller))
        );
    }
    c.ok(
        OWNER,
        Action::RegisterToken {
            symbol: "EIGEN".into(),
            decimals: 18,
            minter: MINTER,
        },
    );
    let info = c.state.token(&token_address("EIGEN")).unwrap().unwrap();
    assert_eq!(info.minter, MINTER);
}

#[test]
fn only_the_strategy_whitelister_can_create_a_strategy() {
    let mut c = Chain::new();
    let whitelister = addr(9);
    c.ok(
        OWNER,
        Action::SetStrategyWhitelister {
            new_strategy_whitelister: whitelister,
        },
    );
    c.ok(
        OWNER,
        Action::RegisterToken {
            symbol: "EIGEN".into(),
            decimals: 18,
            minter: MINTER,
        },
    );
    let token = token_address("EIGEN");
    // The owner is no longer the whitelister.
    for caller in [OWNER, STRANGER, MINTER, UNPAUSER] {
        let err = c.fails(caller, Action::CreateStrategy { token });
        assert_eq!(
            err,
            Error::StrategyManager(StrategyManagerError::OnlyStrategyWhitelister(caller))
        );
    }
    assert_eq!(c.state.strategy_for_token(&token).unwrap(), None);
    c.ok(whitelister, Action::CreateStrategy { token });
    let strategy = c.state.strategy_for_token(&token).unwrap().unwrap();
    assert!(c.state.is_whitelisted(&strategy).unwrap());
}

#[test]
fn only_the_strategy_whitelister_can_add_strategies_to_the_deposit_whitelist() {
    let mut c = Chain::new();
    let steth = c.strategy("stETH");
    c.ok(
        OWNER,
        Action::RemoveStrategiesFromDepositWhitelist {
            strategies: vec![steth],
        },
    );
    for caller in [STRANGER, MINTER, PAUSER, UNPAUSER] {
        let err = c.fails(
            caller,
            Action::AddStrategiesToDepositWhitelist {
                strategies: vec![steth],
            },
        );
        assert_eq!(
            err,
            Error::StrategyManager(StrategyManagerError::OnlyStrategyWhitelister(caller))
        );
    }
    assert!(!c.state.is_whitelisted(&steth).unwrap());
    c.ok(
        OWNER,
        Action::AddStrategiesToDepositWhitelist {
            strategies: vec![steth],
        },
    );
    assert!(c.state.is_whitelisted(&steth).unwrap());
}

#[test]
fn only_the_strategy_whitelister_can_remove_strategies_from_the_deposit_whitelist() {
    let mut c = Chain::new();
    let reth = c.strategy("rETH");
    for caller in [STRANGER, MINTER, PAUSER, UNPAUSER, STAKER] {
        let err = c.fails(
            caller,
            Action::RemoveStrategiesFromDepositWhitelist {
                strategies: vec![reth],
            },
        );
        assert_eq!(
            err,
            Error::StrategyManager(StrategyManagerError::OnlyStrategyWhitelister(caller))
        );
    }
    assert!(c.state.is_whitelisted(&reth).unwrap());
}

#[test]
fn only_the_owner_can_change_the_strategy_whitelister_not_even_the_whitelister() {
    let mut c = Chain::new();
    let whitelister = addr(9);
    c.ok(
        OWNER,
        Action::SetStrategyWhitelister {
            new_strategy_whitelister: whitelister,
        },
    );
    for caller in [whitelister, STRANGER, PAUSER, UNPAUSER, MINTER] {
        let err = c.fails(
            caller,
            Action::SetStrategyWhitelister {
                new_strategy_whitelister: caller,
            },
        );
        assert_eq!(
            err,
            Error::StrategyManager(StrategyManagerError::OnlyOwner(caller))
        );
    }
    assert_eq!(c.state.roles().unwrap().strategy_whitelister, whitelister);
}

#[test]
fn only_the_unpauser_can_set_tvl_limits() {
    let mut c = Chain::new();
    let steth = c.strategy("stETH");
    for caller in [OWNER, PAUSER, STRANGER, MINTER] {
        let err = c.fails(
            caller,
            Action::SetTvlLimits {
                strategy: steth,
                max_per_deposit: eth(1),
                max_total_deposits: eth(10),
            },
        );
        assert_eq!(
            err,
            Error::StrategyManager(StrategyManagerError::OnlyUnpauser(caller))
        );
    }
    c.ok(
        UNPAUSER,
        Action::SetTvlLimits {
            strategy: steth,
            max_per_deposit: eth(1),
            max_total_deposits: eth(10),
        },
    );
    let pool = c.state.pool(&steth).unwrap().unwrap();
    assert_eq!(
        (pool.max_per_deposit, pool.max_total_deposits),
        (eth(1), eth(10))
    );
}

// ---------------------------------------------------------------------------------------------
// Operators and delegation
// ---------------------------------------------------------------------------------------------

#[test]
fn another_account_cannot_modify_an_operators_details() {
    let mut c = world();
    for caller in [STRANGER, OTHER_OP, STAKER, AVS, OWNER] {
        let err = c.fails(
            caller,
            Action::ModifyOperatorDetails {
                operator: Some(OP),
                delegation_approver: caller,
            },
        );
        assert_eq!(
            err,
            invalid_permissions(OP, caller, "modifyOperatorDetails")
        );
    }
    assert_eq!(
        c.state
            .operator_details(&OP)
            .unwrap()
            .unwrap()
            .delegation_approver,
        Address::ZERO
    );
}

#[test]
fn another_account_cannot_update_an_operators_metadata_uri() {
    let mut c = world();
    for caller in [STRANGER, OTHER_OP, STAKER, AVS] {
        let err = c.fails(
            caller,
            Action::UpdateOperatorMetadataUri {
                operator: Some(OP),
                metadata_uri: "https://evil.example".into(),
            },
        );
        assert_eq!(
            err,
            invalid_permissions(OP, caller, "updateOperatorMetadataUri")
        );
    }
    assert_eq!(
        c.state.operator_details(&OP).unwrap().unwrap().metadata_uri,
        "https://op.example/meta.json"
    );
}

#[test]
fn only_the_staker_its_operator_or_the_approver_can_undelegate_it() {
    let mut c = world();
    let other_staker = addr(10);
    c.deposit(other_staker, "stETH", eth(5));
    c.delegate(other_staker, OP);
    for caller in [STRANGER, OTHER_OP, other_staker, AVS, OWNER, PAUSER] {
        let err = c.fails(caller, Action::Undelegate { staker: STAKER });
        assert_eq!(
            err,
            Error::Delegation(DelegationError::CallerCannotUndelegate {
                caller,
                staker: STAKER
            })
        );
    }
    // An appointee of the operator for another action cannot either.
    c.ok(
        OP,
        Action::SetAppointee {
            account: OP,
            appointee: APPOINTEE,
            selector: "modifyAllocations".into(),
        },
    );
    let err = c.fails(APPOINTEE, Action::Undelegate { staker: STAKER });
    assert_eq!(
        err,
        Error::Delegation(DelegationError::CallerCannotUndelegate {
            caller: APPOINTEE,
            staker: STAKER
        })
    );
    assert_eq!(c.state.delegated_to(&STAKER).unwrap(), Some(OP));

    // The operator may force it.
    let events = c.ok(OP, Action::Undelegate { staker: STAKER });
    assert!(events.contains(&Event::StakerForceUndelegated {
        staker: STAKER,
        operator: OP
    }));
    assert_eq!(c.state.delegated_to(&STAKER).unwrap(), None);

    // So may the operator's delegation approver.
    let approver = addr(11);
    c.ok(
        OP,
        Action::ModifyOperatorDetails {
            operator: None,
            delegation_approver: approver,
        },
    );
    c.ok(
        approver,
        Action::Undelegate {
            staker: other_staker,
        },
    );
    assert_eq!(c.state.delegated_to(&other_staker).unwrap(), None);
}

#[test]
fn an_operator_appointee_for_undelegate_can_force_undelegate_its_stakers() {
    let mut c = world();
    c.ok(
        OP,
        Action::SetAppointee {
            account: OP,
            appointee: APPOINTEE,
            selector: "undelegate".into(),
        },
    );
    c.ok(APPOINTEE, Action::Undelegate { staker: STAKER });
    assert_eq!(c.state.delegated_to(&STAKER).unwrap(), None);
    assert_eq!(c.operator_shares(OP, "stETH"), U256::ZERO);
}

#[test]
fn only_the_withdrawer_can_complete_a_queued_withdrawal() {
    let mut c = world();
    let root = c.queue(STAKER, "stETH", eth(40));
    c.advance(c.state.params().unwrap().min_withdrawal_delay_blocks + 1);
    for caller in [OP, STRANGER, AVS, OWNER, OTHER_OP] {
        let err = c.fails(
            caller,
            Action::CompleteQueuedWithdrawal {
                withdrawal_root: root,
                receive_as_tokens: true,
            },
        );
        assert_eq!(
            err,
            Error::Delegation(DelegationError::WithdrawerNotCaller(caller))
        );
        let err = c.fails(
            caller,
            Action::CompleteQueuedWithdrawals {
                withdrawal_roots: vec![root],
                receive_as_tokens: vec![false],
            },
        );
        assert_eq!(
            err,
            Error::Delegation(DelegationError::WithdrawerNotCaller(caller))
        );
    }
    assert!(c.state.queued_withdrawal(&root).unwrap().is_some());
    let before = c.balance(STAKER, "stETH");
    c.complete(STAKER, root, true);
    assert_eq!(c.balance(STAKER, "stETH"), before + eth(40));
}

// ---------------------------------------------------------------------------------------------
// AVS administration
// ---------------------------------------------------------------------------------------------

/// Checks that each caller is refused `action` (performed for `AVS`) with `InvalidPermissions`.
fn refused_for_avs(c: &mut Chain, callers: &[Address], action: &Action, selector: &str) {
    for caller in callers {
        let err = c.fails(*caller, action.clone());
        assert_eq!(
            err,
            invalid_permissions(AVS, *caller, selector),
            "{selector}"
        );
    }
}

#[test]
fn another_account_cannot_update_an_avs_metadata_uri() {
    let mut c = world();
    let a = Action::UpdateAvsMetadataUri {
        avs: Some(AVS),
        metadata_uri: "https://evil.example".into(),
    };
    refused_for_avs(
        &mut c,
        &[STRANGER, OTHER_AVS, OP],
        &a,
        "updateAvsMetadataUri",
    );
    assert_eq!(
        c.state.avs_metadata(&AVS).unwrap().as_deref(),
        Some("https://avs.example")
    );
}

#[test]
fn another_account_cannot_create_operator_sets_for_an_avs() {
    let mut c = world();
    let a = Action::CreateOperatorSets {
        avs: Some(AVS),
        params: vec![CreateSetParams {
            operator_set_id: 2,
            strategies: vec![c.strategy("stETH")],
            redistribution_recipient: Some(STRANGER),
            slasher: None,
            registration_policy: RegistrationPolicy::Open,
            equivocation_wad_to_slash: None,
        }],
    };
    refused_for_avs(&mut c, &[STRANGER, OTHER_AVS, OP], &a, "createOperatorSets");
    assert!(c.state.operator_set(&set(AVS, 2)).unwrap().is_none());
}

#[test]
fn another_account_cannot_add_strategies_to_an_avs_operator_set() {
    let mut c = world();
    let a = Action::AddStrategiesToOperatorSet {
        avs: Some(AVS),
        operator_set_id: 1,
        strategies: vec![c.strategy("cbETH")],
    };
    refused_for_avs(
        &mut c,
        &[STRANGER, OTHER_AVS, OP],
        &a,
        "addStrategiesToOperatorSet",
    );
    let info = c.state.operator_set(&set(AVS, 1)).unwrap().unwrap();
    assert_eq!(
        info.strategies,
        vec![c.strategy("stETH"), c.strategy("rETH")]
    );
}

#[test]
fn another_account_cannot_remove_strategies_from_an_avs_operator_set() {
    let mut c = world();
    let a = Action::RemoveStrategiesFromOperatorSet {
        avs: Some(AVS),
        operator_set_id: 1,
        strategies: vec![c.strategy("stETH")],
    };
    // The operator would love to make its allocation unslashable.
    refused_for_avs(
        &mut c,
        &[STRANGER, OTHER_AVS, OP],
        &a,
        "removeStrategiesFromOperatorSet",
    );
    let info = c.state.operator_set(&set(AVS, 1)).unwrap().unwrap();
    assert!(info.strategies.contains(&c.strategy("stETH")));
}

#[test]
fn neither_a_stranger_nor_the_slasher_can_update_the_slasher() {
    let mut c = world();
    c.ok(
        AVS,
        Action::UpdateSlasher {
            avs: None,
            operator_set_id: 1,
            slasher: NEW_SLASHER,
        },
    );
    c.advance(c.state.params().unwrap().slasher_configuration_delay + 1);
    assert_eq!(
        c.state.slasher_at(&set(AVS, 1), c.block.number).unwrap(),
        Some(NEW_SLASHER)
    );
    let a = Action::UpdateSlasher {
        avs: Some(AVS),
        operator_set_id: 1,
        slasher: STRANGER,
    };
    refused_for_avs(
        &mut c,
        &[STRANGER, NEW_SLASHER, OP, OTHER_AVS],
        &a,
        "updateSlasher",
    );
}

#[test]
fn another_account_cannot_set_an_avs_registration_policy() {
    let mut c = world();
    let a = Action::SetRegistrationPolicy {
        avs: Some(AVS),
        operator_set_id: 1,
        policy: RegistrationPolicy::Allowlist,
    };
    refused_for_avs(
        &mut c,
        &[STRANGER, OTHER_AVS, OP],
        &a,
        "setRegistrationPolicy",
    );
    let info = c.state.operator_set(&set(AVS, 1)).unwrap().unwrap();
    assert_eq!(info.registration_policy, RegistrationPolicy::Open);
}

#[test]
fn another_account_cannot_update_an_avs_allowlist() {
    let mut c = world();
    c.ok(
        AVS,
        Action::SetRegistrationPolicy {
            avs: None,
            operator_set_id: 1,
            policy: RegistrationPolicy::Allowlist,
        },
    );
    let a = Action::UpdateAllowlist {
        avs: Some(AVS),
        operator_set_id: 1,
        operators: vec![OTHER_OP],
        allowed: true,
    };
    // An operator cannot put itself on the list.
    refused_for_avs(
        &mut c,
        &[STRANGER, OTHER_AVS, OTHER_OP],
        &a,
        "updateAllowlist",
    );
    assert!(!c.state.is_allowlisted(&set(AVS, 1), &OTHER_OP).unwrap());
    let err = c.fails(
        OTHER_OP,
        Action::RegisterForOperatorSets {
            operator: None,
            avs: AVS,
            operator_set_ids: vec![1],
            approval: None,
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::NotAllowlisted {
            operator: OTHER_OP,
            set: set(AVS, 1)
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Operator-set membership and allocations
// ---------------------------------------------------------------------------------------------

#[test]
fn another_account_cannot_register_an_operator_for_operator_sets() {
    let mut c = world();
    for caller in [STRANGER, AVS, OP, STAKER] {
        let err = c.fails(
            caller,
            Action::RegisterForOperatorSets {
                operator: Some(OTHER_OP),
                avs: AVS,
                operator_set_ids: vec![1],
                approval: None,
            },
        );
        assert_eq!(
            err,
            invalid_permissions(OTHER_OP, caller, "registerForOperatorSets")
        );
    }
    assert!(
        !c.state
            .registration(&OTHER_OP, &set(AVS, 1))
            .unwrap()
            .registered
    );
}

#[test]
fn only_the_operator_or_the_avs_can_deregister_an_operator() {
    let mut c = world();
    c.register_for(OTHER_OP, AVS, &[1]);
    for caller in [STRANGER, OTHER_AVS, OTHER_OP, STAKER] {
        let err = c.fails(
            caller,
            Action::DeregisterFromOperatorSets {
                operator: Some(OP),
                avs: AVS,
                operator_set_ids: vec![1],
            },
        );
        assert_eq!(
            err,
            Error::Allocation(AllocationError::InvalidCaller(caller))
        );
    }
    assert!(c.state.registration(&OP, &set(AVS, 1)).unwrap().registered);

    // The AVS may remove an operator, and an operator may leave.
    c.ok(
        AVS,
        Action::DeregisterFromOperatorSets {
            operator: Some(OP),
            avs: AVS,
            operator_set_ids: vec![1],
        },
    );
    c.ok(
        OTHER_OP,
        Action::DeregisterFromOperatorSets {
            operator: None,
            avs: AVS,
            operator_set_ids: vec![1],
        },
    );
    let until = c.block.number + c.state.params().unwrap().deallocation_delay;
    for op in [OP, OTHER_OP] {
        let r = c.state.registration(&op, &set(AVS, 1)).unwrap();
        assert!(!r.registered);
        assert_eq!(r.slashable_until, until);
    }
}

#[test]
fn another_account_cannot_set_an_operators_allocation_delay() {
    let mut c = world();
    let before = c.state.allocation_delay_info(&OP).unwrap();
    for caller in [STRANGER, AVS, OTHER_OP, STAKER] {
        let err = c.fails(
            caller,
            Action::SetAllocationDelay {
                operator: Some(OP),
                delay: 1_000,
            },
        );
        assert_eq!(err, invalid_permissions(OP, caller, "setAllocationDelay"));
    }
    assert_eq!(c.state.allocation_delay_info(&OP).unwrap(), before);
}

#[test]
fn another_account_cannot_modify_an_operators_allocations() {
    let mut c = world();
    for caller in [STRANGER, AVS, OTHER_OP, STAKER, OWNER] {
        let a = allocate_action(&c, Some(OP), 0);
        let err = c.fails(caller, a);
        assert_eq!(err, invalid_permissions(OP, caller, "modifyAllocations"));
    }
    assert_eq!(current_magnitude(&c, OP, "stETH"), HALF);
}

// ---------------------------------------------------------------------------------------------
// Slashing
// ---------------------------------------------------------------------------------------------

#[test]
fn only_the_sets_slasher_can_slash() {
    let mut c = world();
    for caller in [STRANGER, OP, OTHER_AVS, OTHER_OP, STAKER, OWNER, PAUSER] {
        let a = slash_action(&c, Some(AVS), wad(1, 2));
        let err = c.fails(caller, a);
        assert_eq!(
            err,
            Error::Allocation(AllocationError::InvalidCaller(caller))
        );
    }
    assert_eq!(
        c.max_magnitude(OP, "stETH"),
        restake_primitives::WAD.to::<u64>()
    );
    assert_eq!(c.operator_shares(OP, "stETH"), eth(100));
    // Another AVS's slasher slashing "its" set 1 does not reach OP, who is not a member there.
    let a = slash_action(&c, None, wad(1, 2));
    let err = c.fails(OTHER_AVS, a);
    assert_eq!(
        err,
        Error::Allocation(AllocationError::OperatorNotSlashable {
            operator: OP,
            set: set(OTHER_AVS, 1)
        })
    );
}

#[test]
fn the_avs_cannot_slash_a_set_created_with_another_slasher() {
    let mut c = world();
    c.ok(
        AVS,
        Action::CreateOperatorSets {
            avs: None,
            params: vec![CreateSetParams {
                operator_set_id: 2,
                strategies: vec![c.strategy("stETH")],
                redistribution_recipient: None,
                slasher: Some(NEW_SLASHER),
                registration_policy: RegistrationPolicy::Open,
                equivocation_wad_to_slash: None,
            }],
        },
    );
    c.register_for(OP, AVS, &[2]);
    c.allocate(OP, AVS, 2, "stETH", HALF);
    c.advance(1);
    let strategy = c.strategy("stETH");
    let slash2 = |avs: Option<Address>| Action::SlashOperator {
        avs,
        operator: OP,
        operator_set_id: 2,
        strategies: vec![strategy],
        wads_to_slash: vec![wad(1, 5)],
        description: "set 2".into(),
    };
    let err = c.fails(AVS, slash2(None));
    assert_eq!(err, Error::Allocation(AllocationError::InvalidCaller(AVS)));
    c.ok(NEW_SLASHER, slash2(Some(AVS)));
    // 20% of a half allocation: a tenth of the operator's stake.
    assert_eq!(c.max_magnitude(OP, "stETH"), 900_000_000_000_000_000);
    assert_eq!(c.operator_shares(OP, "stETH"), eth(90));
}

#[test]
fn a_new_slasher_takes_over_exactly_at_the_effect_block() {
    let mut c = world();
    let delay = c.state.params().unwrap().slasher_configuration_delay;
    let start = c.block.number;
    c.ok(
        AVS,
        Action::UpdateSlasher {
            avs: None,
            operator_set_id: 1,
            slasher: NEW_SLASHER,
        },
    );
    // Effect block is `b + SLASHER_CONFIGURATION_DELAY + 1` (spec §6.3); one block before it the
    // old slasher is still in charge.
    c.advance(delay);
    assert_eq!(c.block.number, start + delay);
    let a = slash_action(&c, Some(AVS), wad(1, 10));
    let err = c.fails(NEW_SLASHER, a);
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InvalidCaller(NEW_SLASHER))
    );
    let a = slash_action(&c, None, wad(1, 10));
    c.ok(AVS, a);
    // ceil(0.5e18 * 0.1) = 0.05e18 of magnitude.
    assert_eq!(c.max_magnitude(OP, "stETH"), 950_000_000_000_000_000);

    c.advance(1);
    let a = slash_action(&c, None, wad(1, 10));
    let err = c.fails(AVS, a);
    assert_eq!(err, Error::Allocation(AllocationError::InvalidCaller(AVS)));
    let a = slash_action(&c, Some(AVS), wad(1, 10));
    c.ok(NEW_SLASHER, a);
    // ceil(0.45e18 * 0.1) = 0.045e18 more.
    assert_eq!(c.max_magnitude(OP, "stETH"), 905_000_000_000_000_000);
}

// ---------------------------------------------------------------------------------------------
// Permissions
// ---------------------------------------------------------------------------------------------

#[test]
fn non_admins_cannot_manage_an_accounts_permissions() {
    let mut c = world();
    // Give OP one pending admin and one appointee so the removals have something to remove.
    c.ok(
        OP,
        Action::AddPendingAdmin {
            account: OP,
            admin: NEW_ADMIN,
        },
    );
    c.ok(
        OP,
        Action::SetAppointee {
            account: OP,
            appointee: APPOINTEE,
            selector: "modifyAllocations".into(),
        },
    );
    for caller in [STRANGER, AVS, OTHER_OP, APPOINTEE, NEW_ADMIN, OWNER] {
        let actions = [
            Action::AddPendingAdmin {
                account: OP,
                admin: caller,
            },
            Action::RemovePendingAdmin {
                account: OP,
                admin: NEW_ADMIN,
            },
            Action::RemoveAdmin {
                account: OP,
                admin: OP,
            },
            Action::SetAppointee {
                account: OP,
                appointee: caller,
                selector: "modifyAllocations".into(),
            },
            Action::RemoveAppointee {
                account: OP,
                appointee: APPOINTEE,
                selector: "modifyAllocations".into(),
            },
        ];
        for a in actions {
            let name = a.name();
            let err = c.fails(caller, a);
            assert_eq!(err, not_admin(OP, caller), "{name} by {caller}");
        }
    }
    // Only the proposed admin may accept.
    for caller in [STRANGER, APPOINTEE, OTHER_OP] {
        let err = c.fails(caller, Action::AcceptAdmin { account: OP });
        assert_eq!(
            err,
            Error::Permission(PermissionError::AdminNotPending(caller))
        );
    }
    assert_eq!(c.state.admins(&OP).unwrap(), Vec::<Address>::new());
    assert_eq!(c.state.pending_admins(&OP).unwrap(), vec![NEW_ADMIN]);
}

#[test]
fn an_appointee_for_a_permission_action_still_cannot_manage_permissions() {
    let mut c = world();
    for selector in ["setAppointee", "addPendingAdmin"] {
        c.ok(
            OP,
            Action::SetAppointee {
                account: OP,
                appointee: APPOINTEE,
                selector: selector.into(),
            },
        );
    }
    let err = c.fails(
        APPOINTEE,
        Action::SetAppointee {
            account: OP,
            appointee: APPOINTEE,
            selector: "modifyAllocations".into(),
        },
    );
    assert_eq!(err, not_admin(OP, APPOINTEE));
    let err = c.fails(
        APPOINTEE,
        Action::AddPendingAdmin {
            account: OP,
            admin: APPOINTEE,
        },
    );
    assert_eq!(err, not_admin(OP, APPOINTEE));
}

#[test]
fn an_appointee_for_modify_allocations_can_allocate_for_the_operator_until_removed() {
    let mut c = world();
    let err = c.fails(APPOINTEE, allocate_action(&c, Some(OP), HALF / 2));
    assert_eq!(err, invalid_permissions(OP, APPOINTEE, "modifyAllocations"));

    c.ok(
        OP,
        Action::SetAppointee {
            account: OP,
            appointee: APPOINTEE,
            selector: "modifyAllocations".into(),
        },
    );
    // A deallocation of slashable magnitude: queued for DEALLOCATION_DELAY + 1 blocks.
    let a = allocate_action(&c, Some(OP), HALF / 2);
    c.ok(APPOINTEE, a);
    let stored = allocation(&c, OP, "stETH");
    let dealloc_delay = c.state.params().unwrap().deallocation_delay;
    assert_eq!(stored.current_magnitude, HALF);
    assert_eq!(stored.pending_diff, -i128::from(HALF / 2));
    assert_eq!(stored.effect_block, c.block.number + dealloc_delay + 1);
    // The appointment is for the operator's allocations only; as itself the appointee has no
    // allocation delay, and it may not act for the operator in anything else.
    let err = c.fails(APPOINTEE, allocate_action(&c, None, HALF));
    assert_eq!(
        err,
        Error::Allocation(AllocationError::UninitializedAllocationDelay(APPOINTEE))
    );
    let err = c.fails(
        APPOINTEE,
        Action::SetAllocationDelay {
            operator: Some(OP),
            delay: 5,
        },
    );
    assert_eq!(
        err,
        invalid_permissions(OP, APPOINTEE, "setAllocationDelay")
    );
    let err = c.fails(
        APPOINTEE,
        Action::DeregisterFromOperatorSets {
            operator: Some(OP),
            avs: AVS,
            operator_set_ids: vec![1],
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InvalidCaller(APPOINTEE))
    );

    c.advance(dealloc_delay + 1);
    c.ok(
        OP,
        Action::RemoveAppointee {
            account: OP,
            appointee: APPOINTEE,
            selector: "modifyAllocations".into(),
        },
    );
    let err = c.fails(APPOINTEE, allocate_action(&c, Some(OP), HALF));
    assert_eq!(err, invalid_permissions(OP, APPOINTEE, "modifyAllocations"));
    assert_eq!(current_magnitude(&c, OP, "stETH"), HALF / 2);
}

#[test]
fn an_appointment_is_for_the_exact_action_name() {
    let mut c = world();
    c.ok(
        OP,
        Action::SetAppointee {
            account: OP,
            appointee: APPOINTEE,
            selector: "modifyallocations".into(),
        },
    );
    let err = c.fails(APPOINTEE, allocate_action(&c, Some(OP), 0));
    assert_eq!(err, invalid_permissions(OP, APPOINTEE, "modifyAllocations"));
    // Appointed by another account, the appointee gains nothing over OP.
    c.ok(
        OTHER_OP,
        Action::SetAppointee {
            account: OTHER_OP,
            appointee: APPOINTEE,
            selector: "modifyAllocations".into(),
        },
    );
    let err = c.fails(APPOINTEE, allocate_action(&c, Some(OP), 0));
    assert_eq!(err, invalid_permissions(OP, APPOINTEE, "modifyAllocations"));
    assert_eq!(current_magnitude(&c, OP, "stETH"), HALF);
}

#[test]
fn an_accepted_admin_acts_for_the_account_and_the_account_itself_then_cannot() {
    let mut c = world();
    c.ok(
        OP,
        Action::AddPendingAdmin {
            account: OP,
            admin: NEW_ADMIN,
        },
    );
    // Pending is not enough.
    let err = c.fails(
        NEW_ADMIN,
        Action::UpdateOperatorMetadataUri {
            operator: Some(OP),
            metadata_uri: "https://admin.example".into(),
        },
    );
    assert_eq!(
        err,
        invalid_permissions(OP, NEW_ADMIN, "updateOperatorMetadataUri")
    );
    // The account still administers itself until the admin accepts.
    c.ok(
        OP,
        Action::UpdateOperatorMetadataUri {
            operator: None,
            metadata_uri: "https://op.example/v2".into(),
        },
    );

    c.ok(NEW_ADMIN, Action::AcceptAdmin { account: OP });
    assert_eq!(c.state.admins(&OP).unwrap(), vec![NEW_ADMIN]);
    assert_eq!(c.state.pending_admins(&OP).unwrap(), Vec::<Address>::new());

    c.ok(
        NEW_ADMIN,
        Action::UpdateOperatorMetadataUri {
            operator: Some(OP),
            metadata_uri: "https://admin.example".into(),
        },
    );
    c.ok(NEW_ADMIN, allocate_action(&c, Some(OP), HALF + 1));
    let stored = allocation(&c, OP, "stETH");
    assert_eq!(stored.current_magnitude, HALF + 1);
    assert_eq!(
        c.state.operator_details(&OP).unwrap().unwrap().metadata_uri,
        "https://admin.example"
    );

    // The operator itself is no longer an admin of its own account.
    let err = c.fails(
        OP,
        Action::UpdateOperatorMetadataUri {
            operator: None,
            metadata_uri: "https://op.example/v3".into(),
        },
    );
    assert_eq!(
        err,
        invalid_permissions(OP, OP, "updateOperatorMetadataUri")
    );
    c.advance(1);
    let err = c.fails(OP, allocate_action(&c, None, HALF));
    assert_eq!(err, invalid_permissions(OP, OP, "modifyAllocations"));
    let err = c.fails(
        OP,
        Action::AddPendingAdmin {
            account: OP,
            admin: OP,
        },
    );
    assert_eq!(err, not_admin(OP, OP));
    // Even undelegating its own stakers now needs the admin.
    let err = c.fails(OP, Action::Undelegate { staker: STAKER });
    assert_eq!(
        err,
        Error::Delegation(DelegationError::CallerCannotUndelegate {
            caller: OP,
            staker: STAKER
        })
    );

    // Until the admin makes it one again.
    c.ok(
        NEW_ADMIN,
        Action::AddPendingAdmin {
            account: OP,
            admin: OP,
        },
    );
    c.ok(OP, Action::AcceptAdmin { account: OP });
    c.ok(OP, allocate_action(&c, None, HALF));
    assert_eq!(c.state.admins(&OP).unwrap(), vec![NEW_ADMIN, OP]);
}

#[test]
fn an_avs_admin_can_run_the_avs_and_the_avs_key_then_cannot() {
    let mut c = world();
    c.ok(
        AVS,
        Action::AddPendingAdmin {
            account: AVS,
            admin: NEW_ADMIN,
        },
    );
    c.ok(NEW_ADMIN, Action::AcceptAdmin { account: AVS });
    c.ok(
        NEW_ADMIN,
        Action::CreateOperatorSets {
            avs: Some(AVS),
            params: vec![CreateSetParams {
                operator_set_id: 9,
                strategies: vec![c.strategy("cbETH")],
                redistribution_recipient: None,
                slasher: None,
                registration_policy: RegistrationPolicy::Open,
                equivocation_wad_to_slash: None,
            }],
        },
    );
    let info = c.state.operator_set(&set(AVS, 9)).unwrap().unwrap();
    // The default slasher is the AVS account, not the admin who created the set.
    assert_eq!(info.slasher.slasher, AVS);
    let err = c.fails(
        AVS,
        Action::UpdateAvsMetadataUri {
            avs: None,
            metadata_uri: "https://avs.example/v2".into(),
        },
    );
    assert_eq!(err, invalid_permissions(AVS, AVS, "updateAvsMetadataUri"));
}

#[test]
fn the_last_admin_cannot_be_removed() {
    let mut c = world();
    c.ok(
        OP,
        Action::AddPendingAdmin {
            account: OP,
            admin: NEW_ADMIN,
        },
    );
    c.ok(NEW_ADMIN, Action::AcceptAdmin { account: OP });
    let err = c.fails(
        NEW_ADMIN,
        Action::RemoveAdmin {
            account: OP,
            admin: NEW_ADMIN,
        },
    );
    assert_eq!(
        err,
        Error::Permission(PermissionError::CannotHaveZeroAdmins)
    );

    // With a second admin, one may remove the other; the survivor then cannot leave.
    c.ok(
        NEW_ADMIN,
        Action::AddPendingAdmin {
            account: OP,
            admin: addr(12),
        },
    );
    c.ok(addr(12), Action::AcceptAdmin { account: OP });
    c.ok(
        addr(12),
        Action::RemoveAdmin {
            account: OP,
            admin: NEW_ADMIN,
        },
    );
    assert_eq!(c.state.admins(&OP).unwrap(), vec![addr(12)]);
    let err = c.fails(
        addr(12),
        Action::RemoveAdmin {
            account: OP,
            admin: addr(12),
        },
    );
    assert_eq!(
        err,
        Error::Permission(PermissionError::CannotHaveZeroAdmins)
    );
    // The removed admin has lost its powers.
    let err = c.fails(
        NEW_ADMIN,
        Action::RemoveAdmin {
            account: OP,
            admin: addr(12),
        },
    );
    assert_eq!(err, not_admin(OP, NEW_ADMIN));
    // An account without admins has none to remove.
    let err = c.fails(
        OTHER_OP,
        Action::RemoveAdmin {
            account: OTHER_OP,
            admin: OTHER_OP,
        },
    );
    assert_eq!(
        err,
        Error::Permission(PermissionError::AdminNotSet(OTHER_OP))
    );
}

// ---------------------------------------------------------------------------------------------
// Pausing
// ---------------------------------------------------------------------------------------------

#[test]
fn only_a_pauser_can_pause() {
    let mut c = Chain::new();
    let pool = PauseTarget::Pool(c.strategy("stETH"));
    for caller in [STRANGER, UNPAUSER, OWNER, MINTER] {
        for target in [
            PauseTarget::TokenManager,
            PauseTarget::DelegationManager,
            PauseTarget::AllocationManager,
            PauseTarget::Evidence,
            pool,
        ] {
            let err = c.fails(
                caller,
                Action::Pause {
                    target,
                    new_paused_status: 1,
                },
            );
            assert_eq!(err, Error::Pause(PauseError::OnlyPauser(caller)));
        }
        let err = c.fails(caller, Action::PauseAll {});
        assert_eq!(err, Error::Pause(PauseError::OnlyPauser(caller)));
    }
    c.ok(
        PAUSER,
        Action::Pause {
            target: pool,
            new_paused_status: 1,
        },
    );
    assert!(c.state.is_paused(pool, 0).unwrap());
}

#[test]
fn pause_all_stops_every_component_including_native_restaking_and_rewards() {
    let mut c = Chain::new();
    let events = c.ok(PAUSER, Action::PauseAll {});
    let targets = [
        PauseTarget::TokenManager,
        PauseTarget::DelegationManager,
        PauseTarget::AllocationManager,
        PauseTarget::Evidence,
        PauseTarget::PodManager,
        PauseTarget::Rewards,
    ];
    assert_eq!(events.len(), targets.len());
    for target in targets {
        assert_eq!(
            c.state.paused_status(target).unwrap(),
            u64::MAX,
            "{target:?}"
        );
    }
}

#[test]
fn only_the_unpauser_can_unpause_and_a_pauser_cannot() {
    let mut c = Chain::new();
    c.ok(PAUSER, Action::PauseAll {});
    for caller in [PAUSER, STRANGER, OWNER, MINTER] {
        let err = c.fails(
            caller,
            Action::Unpause {
                target: PauseTarget::DelegationManager,
                new_paused_status: 0,
            },
        );
        assert_eq!(err, Error::Pause(PauseError::OnlyUnpauser(caller)));
    }
    assert_eq!(
        c.state
            .paused_status(PauseTarget::DelegationManager)
            .unwrap(),
        u64::MAX
    );
    c.ok(
        UNPAUSER,
        Action::Unpause {
            target: PauseTarget::DelegationManager,
            new_paused_status: 0,
        },
    );
    assert_eq!(
        c.state
            .paused_status(PauseTarget::DelegationManager)
            .unwrap(),
        0
    );
}

#[test]
fn only_the_owner_can_update_the_validator_set() {
    use restake_core::validators::{self, ValidatorChange, ValidatorError};
    let mut c = Chain::new();
    let key = restake_primitives::ed25519::SecretKey::from_seed(&[3; 32]).public();
    let update = Action::UpdateValidatorSet {
        changes: vec![ValidatorChange {
            consensus_key: key,
            power: 5,
        }],
        activation_height: 1_000,
    };
    for caller in [STRANGER, MINTER, PAUSER, UNPAUSER, ORACLE[0]] {
        let err = c.fails(caller, update.clone());
        assert_eq!(err, Error::Validator(ValidatorError::OnlyOwner(caller)));
    }
    let events = c.ok(OWNER, update);
    assert!(matches!(
        events.as_slice(),
        [Event::ValidatorSetUpdateQueued {
            activation_height: 1_000,
            ..
        }]
    ));
    // Queued, not yet in force.
    assert!(validators::next_set(&c.state).unwrap().is_empty());
}
