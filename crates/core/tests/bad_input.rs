//! Bad input: zero amounts, unknown ids, duplicates, mismatched arrays, out-of-range numbers and
//! malformed JSON. Each is refused with a typed error (or a JSON decoding error) and changes
//! nothing; nothing panics.
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
use alloy_primitives::{Address, B256, U256};
use common::*;
use proptest::prelude::*;
use restake_core::allocation::{
    AllocateParams, AllocationError, CreateSetParams, RegistrationPolicy,
};
use restake_core::config::ConfigRead;
use restake_core::delegation::{DelegationError, QueuedWithdrawalParams};
use restake_core::pause::{PauseError, PauseTarget};
use restake_core::permissions::PermissionError;
use restake_core::pool::{MAX_TOTAL_SHARES, PoolError, PoolRead};
use restake_core::strategy_manager::StrategyManagerError;
use restake_core::tokens::TokenError;
use restake_core::{Action, Error};
use restake_primitives::math::MathError;
use restake_primitives::{DEFAULT_BURN_ADDRESS, OperatorSet, WAD};

const STAKER: Address = Address::repeat_byte(1);
const OP: Address = Address::repeat_byte(2);
const AVS: Address = Address::repeat_byte(3);
const STRANGER: Address = Address::repeat_byte(13);
/// An address that is no strategy, token or account.
const NOWHERE: Address = Address::repeat_byte(0x77);

const HALF: u64 = 500_000_000_000_000_000;
const WAD_U64: u64 = 1_000_000_000_000_000_000;

/// `STAKER` delegated to `OP` with 100 stETH and 50 rETH; `AVS` owns set 1 over stETH and rETH,
/// `OP` is a member and allocated half its stETH magnitude, in force.
fn world() -> Chain {
    let mut c = Chain::new();
    c.deposit(STAKER, "stETH", eth(100));
    c.deposit(STAKER, "rETH", eth(50));
    c.register_operator(OP);
    c.delegate(STAKER, OP);
    c.create_set(AVS, 1, &["stETH", "rETH"]);
    c.register_for(OP, AVS, &[1]);
    c.allocate(OP, AVS, 1, "stETH", HALF);
    c.advance(1);
    c
}

fn set_params(id: u32, strategies: Vec<Address>) -> CreateSetParams {
    CreateSetParams {
        operator_set_id: id,
        strategies,
        redistribution_recipient: None,
        slasher: None,
        registration_policy: RegistrationPolicy::Open,
        equivocation_wad_to_slash: None,
    }
}

fn queue_action(strategies: Vec<Address>, shares: Vec<U256>) -> Action {
    Action::QueueWithdrawals {
        params: vec![QueuedWithdrawalParams {
            strategies,
            deposit_shares: shares,
        }],
    }
}

fn alloc_action(avs: Address, id: u32, strategies: Vec<Address>, mags: Vec<u64>) -> Action {
    Action::ModifyAllocations {
        operator: None,
        params: vec![AllocateParams {
            avs,
            operator_set_id: id,
            strategies,
            new_magnitudes: mags,
        }],
    }
}

fn slash_action(strategies: Vec<Address>, wads: Vec<U256>) -> Action {
    Action::SlashOperator {
        avs: None,
        operator: OP,
        operator_set_id: 1,
        strategies,
        wads_to_slash: wads,
        description: "bad input".into(),
    }
}

fn deposit_action(c: &Chain, symbol: &str, amount: U256) -> Action {
    Action::DepositIntoStrategy {
        strategy: c.strategy(symbol),
        token: c.token(symbol),
        amount,
    }
}

// ---------------------------------------------------------------------------------------------
// Zero amounts
// ---------------------------------------------------------------------------------------------

#[test]
fn zero_token_amounts_are_refused() {
    let mut c = Chain::new();
    let token = c.token("stETH");
    let err = c.fails(
        STAKER,
        Action::Transfer {
            token,
            to: STRANGER,
            amount: U256::ZERO,
        },
    );
    assert_eq!(err, Error::Token(TokenError::ZeroAmount));
    let err = c.fails(
        MINTER,
        Action::Mint {
            token,
            to: STRANGER,
            amount: U256::ZERO,
        },
    );
    assert_eq!(err, Error::Token(TokenError::ZeroAmount));
    let err = c.fails(
        MINTER,
        Action::Burn {
            token,
            amount: U256::ZERO,
        },
    );
    assert_eq!(err, Error::Token(TokenError::ZeroAmount));
}

#[test]
fn a_zero_deposit_is_refused_because_it_mints_no_shares() {
    let mut c = Chain::new();
    let a = deposit_action(&c, "stETH", U256::ZERO);
    let err = c.fails(STAKER, a);
    assert_eq!(err, Error::Pool(PoolError::NewSharesZero));
}

#[test]
fn queueing_zero_shares_is_refused() {
    let mut c = world();
    let steth = c.strategy("stETH");
    let err = c.fails(STAKER, queue_action(vec![steth], vec![U256::ZERO]));
    assert_eq!(
        err,
        Error::StrategyManager(StrategyManagerError::SharesAmountZero)
    );
}

#[test]
fn slashing_a_zero_wad_is_refused() {
    let mut c = world();
    let steth = c.strategy("stETH");
    let err = c.fails(AVS, slash_action(vec![steth], vec![U256::ZERO]));
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InvalidWadToSlash(U256::ZERO))
    );
}

// ---------------------------------------------------------------------------------------------
// Unknown ids
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_tokens_are_refused() {
    let mut c = Chain::new();
    let err = c.fails(
        STAKER,
        Action::Transfer {
            token: NOWHERE,
            to: STRANGER,
            amount: eth(1),
        },
    );
    assert_eq!(err, Error::Token(TokenError::UnknownToken(NOWHERE)));
    let err = c.fails(
        MINTER,
        Action::Mint {
            token: NOWHERE,
            to: STRANGER,
            amount: eth(1),
        },
    );
    assert_eq!(err, Error::Token(TokenError::UnknownToken(NOWHERE)));
    let err = c.fails(
        MINTER,
        Action::Burn {
            token: NOWHERE,
            amount: eth(1),
        },
    );
    assert_eq!(err, Error::Token(TokenError::UnknownToken(NOWHERE)));
    let err = c.fails(OWNER, Action::CreateStrategy { token: NOWHERE });
    assert_eq!(err, Error::Token(TokenError::UnknownToken(NOWHERE)));
}

#[test]
fn depositing_the_wrong_token_into_a_pool_is_refused() {
    let mut c = Chain::new();
    let steth = c.strategy("stETH");
    let reth_token = c.token("rETH");
    let err = c.fails(
        STAKER,
        Action::DepositIntoStrategy {
            strategy: steth,
            token: reth_token,
            amount: eth(1),
        },
    );
    assert_eq!(
        err,
        Error::Pool(PoolError::OnlyUnderlyingToken {
            strategy: steth,
            underlying: c.token("stETH"),
            token: reth_token,
        })
    );
    let err = c.fails(
        STAKER,
        Action::DepositIntoStrategy {
            strategy: steth,
            token: NOWHERE,
            amount: eth(1),
        },
    );
    assert!(
        matches!(err, Error::Pool(PoolError::OnlyUnderlyingToken { token, .. }) if token == NOWHERE),
        "{err:?}"
    );
}

#[test]
fn unknown_strategies_are_refused() {
    let mut c = world();
    let stoken = c.token("stETH");
    // Not whitelisted, since it does not exist.
    let err = c.fails(
        STAKER,
        Action::DepositIntoStrategy {
            strategy: NOWHERE,
            token: stoken,
            amount: eth(1),
        },
    );
    assert_eq!(
        err,
        Error::StrategyManager(StrategyManagerError::StrategyNotWhitelisted(NOWHERE))
    );
    let unknown = Error::Pool(PoolError::UnknownStrategy(NOWHERE));
    let err = c.fails(
        OWNER,
        Action::AddStrategiesToDepositWhitelist {
            strategies: vec![NOWHERE],
        },
    );
    assert_eq!(err, unknown);
    let err = c.fails(
        UNPAUSER,
        Action::SetTvlLimits {
            strategy: NOWHERE,
            max_per_deposit: eth(1),
            max_total_deposits: eth(1),
        },
    );
    assert_eq!(err, unknown);
    let err = c.fails(
        AVS,
        Action::CreateOperatorSets {
            avs: None,
            params: vec![set_params(2, vec![NOWHERE])],
        },
    );
    assert_eq!(err, unknown);
    let err = c.fails(
        AVS,
        Action::AddStrategiesToOperatorSet {
            avs: None,
            operator_set_id: 1,
            strategies: vec![NOWHERE],
        },
    );
    assert_eq!(err, unknown);
    let err = c.fails(OP, alloc_action(AVS, 1, vec![NOWHERE], vec![1]));
    assert_eq!(err, unknown);
    let err = c.fails(
        AVS,
        Action::RemoveStrategiesFromOperatorSet {
            avs: None,
            operator_set_id: 1,
            strategies: vec![NOWHERE],
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::StrategyNotInOperatorSet(NOWHERE))
    );
    let err = c.fails(AVS, slash_action(vec![NOWHERE], vec![wad(1, 2)]));
    assert_eq!(
        err,
        Error::Allocation(AllocationError::StrategyNotInOperatorSet(NOWHERE))
    );
}

#[test]
fn queueing_a_strategy_never_deposited_is_refused_as_too_many_shares() {
    // Undelegated: the token manager refuses to remove shares that are not there.
    let mut c = Chain::new();
    c.deposit(STAKER, "stETH", eth(10));
    let err = c.fails(STAKER, queue_action(vec![NOWHERE], vec![eth(1)]));
    assert_eq!(
        err,
        Error::StrategyManager(StrategyManagerError::SharesAmountTooHigh {
            held: U256::ZERO,
            asked: eth(1),
        })
    );
    // Delegated: the same request gets the same answer (handler rule 3 of `queueWithdrawals`).
    let mut c = world();
    let err = c.fails(STAKER, queue_action(vec![NOWHERE], vec![eth(1)]));
    assert_eq!(
        err,
        Error::StrategyManager(StrategyManagerError::SharesAmountTooHigh {
            held: U256::ZERO,
            asked: eth(1),
        })
    );
}

#[test]
fn unknown_operator_sets_are_refused() {
    let mut c = world();
    let missing = OperatorSet::new(AVS, 42);
    let invalid = Error::Allocation(AllocationError::InvalidOperatorSet(missing));
    let steth = c.strategy("stETH");
    let actions = [
        (
            OP,
            Action::RegisterForOperatorSets {
                operator: None,
                avs: AVS,
                operator_set_ids: vec![42],
                approval: None,
            },
        ),
        (
            OP,
            Action::DeregisterFromOperatorSets {
                operator: None,
                avs: AVS,
                operator_set_ids: vec![42],
            },
        ),
        (OP, alloc_action(AVS, 42, vec![steth], vec![1])),
        (
            AVS,
            Action::SlashOperator {
                avs: None,
                operator: OP,
                operator_set_id: 42,
                strategies: vec![steth],
                wads_to_slash: vec![wad(1, 2)],
                description: String::new(),
            },
        ),
        (
            AVS,
            Action::AddStrategiesToOperatorSet {
                avs: None,
                operator_set_id: 42,
                strategies: vec![steth],
            },
        ),
        (
            AVS,
            Action::RemoveStrategiesFromOperatorSet {
                avs: None,
                operator_set_id: 42,
                strategies: vec![steth],
            },
        ),
        (
            AVS,
            Action::UpdateSlasher {
                avs: None,
                operator_set_id: 42,
                slasher: STRANGER,
            },
        ),
        (
            AVS,
            Action::SetRegistrationPolicy {
                avs: None,
                operator_set_id: 42,
                policy: RegistrationPolicy::Allowlist,
            },
        ),
        (
            AVS,
            Action::UpdateAllowlist {
                avs: None,
                operator_set_id: 42,
                operators: vec![OP],
                allowed: true,
            },
        ),
    ];
    for (sender, a) in actions {
        let name = a.name();
        let err = c.fails(sender, a);
        assert_eq!(err, invalid, "{name}");
    }
    // An AVS that never published metadata has no sets to create.
    let err = c.fails(
        STRANGER,
        Action::CreateOperatorSets {
            avs: None,
            params: vec![set_params(1, vec![steth])],
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::NonexistentAvsMetadata(STRANGER))
    );
    // An existing id cannot be created again.
    let err = c.fails(
        AVS,
        Action::CreateOperatorSets {
            avs: None,
            params: vec![set_params(1, vec![steth])],
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InvalidOperatorSet(OperatorSet::new(
            AVS, 1
        )))
    );
    // Nothing to flush for a slash that never happened.
    let err = c.fails(
        STRANGER,
        Action::ClearBurnOrRedistributableShares {
            avs: AVS,
            operator_set_id: 1,
            slash_id: 7,
        },
    );
    assert_eq!(
        err,
        Error::StrategyManager(StrategyManagerError::NothingToClear)
    );
}

#[test]
fn unknown_withdrawal_roots_are_refused() {
    let mut c = world();
    let root = B256::repeat_byte(0x42);
    let err = c.fails(
        STAKER,
        Action::CompleteQueuedWithdrawal {
            withdrawal_root: root,
            receive_as_tokens: true,
        },
    );
    assert_eq!(
        err,
        Error::Delegation(DelegationError::WithdrawalNotQueued(root))
    );
    // A completed root is unknown afterwards; a batch naming it twice fails as a whole.
    let real = c.queue(STAKER, "rETH", eth(5));
    c.advance(c.state.params().unwrap().min_withdrawal_delay_blocks + 1);
    let err = c.fails(
        STAKER,
        Action::CompleteQueuedWithdrawals {
            withdrawal_roots: vec![real, real],
            receive_as_tokens: vec![true, true],
        },
    );
    assert_eq!(
        err,
        Error::Delegation(DelegationError::WithdrawalNotQueued(real))
    );
    c.complete(STAKER, real, true);
    let err = c.fails(
        STAKER,
        Action::CompleteQueuedWithdrawal {
            withdrawal_root: real,
            receive_as_tokens: false,
        },
    );
    assert_eq!(
        err,
        Error::Delegation(DelegationError::WithdrawalNotQueued(real))
    );
}

#[test]
fn unknown_operators_are_refused() {
    let mut c = world();
    let err = c.fails(
        addr(10),
        Action::DelegateTo {
            operator: STRANGER,
            approver_signature: None,
            approver_expiry: 0,
            approver_salt: B256::ZERO,
        },
    );
    assert_eq!(
        err,
        Error::Delegation(DelegationError::OperatorNotRegistered(STRANGER))
    );
    let err = c.fails(
        STRANGER,
        Action::ModifyOperatorDetails {
            operator: None,
            delegation_approver: STRANGER,
        },
    );
    assert_eq!(
        err,
        Error::Delegation(DelegationError::OperatorNotRegistered(STRANGER))
    );
    let err = c.fails(
        STRANGER,
        Action::UpdateOperatorMetadataUri {
            operator: None,
            metadata_uri: "x".into(),
        },
    );
    assert_eq!(
        err,
        Error::Delegation(DelegationError::OperatorNotRegistered(STRANGER))
    );
    let err = c.fails(
        STRANGER,
        Action::RegisterForOperatorSets {
            operator: None,
            avs: AVS,
            operator_set_ids: vec![1],
            approval: None,
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InvalidOperator(STRANGER))
    );
    let err = c.fails(
        STRANGER,
        Action::SetAllocationDelay {
            operator: None,
            delay: 3,
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InvalidOperator(STRANGER))
    );
    let steth = c.strategy("stETH");
    let err = c.fails(STRANGER, alloc_action(AVS, 1, vec![steth], vec![1]));
    assert_eq!(
        err,
        Error::Allocation(AllocationError::UninitializedAllocationDelay(STRANGER))
    );
    let err = c.fails(
        AVS,
        Action::SlashOperator {
            avs: None,
            operator: STRANGER,
            operator_set_id: 1,
            strategies: vec![steth],
            wads_to_slash: vec![wad(1, 2)],
            description: String::new(),
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::OperatorNotSlashable {
            operator: STRANGER,
            set: OperatorSet::new(AVS, 1)
        })
    );
    let err = c.fails(STRANGER, Action::Undelegate { staker: STRANGER });
    assert_eq!(
        err,
        Error::Delegation(DelegationError::NotActivelyDelegated(STRANGER))
    );
    // An operator is not a staker that can be undelegated.
    let err = c.fails(OP, Action::Undelegate { staker: OP });
    assert_eq!(
        err,
        Error::Delegation(DelegationError::OperatorsCannotUndelegate)
    );
}

// ---------------------------------------------------------------------------------------------
// Duplicates
// ---------------------------------------------------------------------------------------------

#[test]
fn a_strategy_repeated_in_one_withdrawal_is_refused() {
    let mut c = world();
    let steth = c.strategy("stETH");
    let err = c.fails(
        STAKER,
        queue_action(vec![steth, steth], vec![eth(1), eth(1)]),
    );
    assert_eq!(
        err,
        Error::Delegation(DelegationError::DuplicateStrategy(steth))
    );
}

#[test]
fn a_strategy_repeated_in_one_allocation_is_refused() {
    let mut c = world();
    let reth = c.strategy("rETH");
    let err = c.fails(OP, alloc_action(AVS, 1, vec![reth, reth], vec![1, 2]));
    assert_eq!(
        err,
        Error::Allocation(AllocationError::DuplicateStrategy(reth))
    );
}

#[test]
fn a_strategy_repeated_in_a_new_operator_set_is_refused() {
    let mut c = world();
    let steth = c.strategy("stETH");
    let err = c.fails(
        AVS,
        Action::CreateOperatorSets {
            avs: None,
            params: vec![set_params(2, vec![steth, steth])],
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::StrategyAlreadyInOperatorSet(steth))
    );
    // A set id repeated within one call is refused too.
    let err = c.fails(
        AVS,
        Action::CreateOperatorSets {
            avs: None,
            params: vec![set_params(2, vec![steth]), set_params(2, vec![steth])],
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InvalidOperatorSet(OperatorSet::new(
            AVS, 2
        )))
    );
    let err = c.fails(
        AVS,
        Action::AddStrategiesToOperatorSet {
            avs: None,
            operator_set_id: 1,
            strategies: vec![steth],
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::StrategyAlreadyInOperatorSet(steth))
    );
}

#[test]
fn a_strategy_repeated_or_out_of_order_in_a_slash_is_refused() {
    let mut c = world();
    let mut both = [c.strategy("stETH"), c.strategy("rETH")];
    both.sort();
    let err = c.fails(
        AVS,
        slash_action(vec![both[0], both[0]], vec![wad(1, 2), wad(1, 2)]),
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::StrategiesMustBeInAscendingOrder)
    );
    let err = c.fails(
        AVS,
        slash_action(vec![both[1], both[0]], vec![wad(1, 2), wad(1, 2)]),
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::StrategiesMustBeInAscendingOrder)
    );
}

#[test]
fn a_set_id_repeated_in_one_registration_is_refused() {
    let mut c = world();
    c.register_operator(addr(4));
    let err = c.fails(
        addr(4),
        Action::RegisterForOperatorSets {
            operator: None,
            avs: AVS,
            operator_set_ids: vec![1, 1],
            approval: None,
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::AlreadyMemberOfSet(OperatorSet::new(
            AVS, 1
        )))
    );
    let err = c.fails(
        OP,
        Action::DeregisterFromOperatorSets {
            operator: None,
            avs: AVS,
            operator_set_ids: vec![1, 1],
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::NotMemberOfSet(OperatorSet::new(AVS, 1)))
    );
}

// ---------------------------------------------------------------------------------------------
// Arrays of different lengths
// ---------------------------------------------------------------------------------------------

#[test]
fn arrays_of_different_lengths_are_refused() {
    let mut c = world();
    let steth = c.strategy("stETH");
    let reth = c.strategy("rETH");
    let err = c.fails(STAKER, queue_action(vec![steth, reth], vec![eth(1)]));
    assert_eq!(
        err,
        Error::Delegation(DelegationError::InputArrayLengthMismatch)
    );
    let err = c.fails(STAKER, queue_action(vec![steth], vec![eth(1), eth(1)]));
    assert_eq!(
        err,
        Error::Delegation(DelegationError::InputArrayLengthMismatch)
    );
    let err = c.fails(OP, alloc_action(AVS, 1, vec![steth, reth], vec![1]));
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InputArrayLengthMismatch)
    );
    let err = c.fails(OP, alloc_action(AVS, 1, vec![], vec![1]));
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InputArrayLengthMismatch)
    );
    let err = c.fails(AVS, slash_action(vec![steth], vec![wad(1, 2), wad(1, 2)]));
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InputArrayLengthMismatch)
    );
    let err = c.fails(AVS, slash_action(vec![steth, reth], vec![]));
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InputArrayLengthMismatch)
    );
    let root = c.queue(STAKER, "stETH", eth(1));
    c.advance(c.state.params().unwrap().min_withdrawal_delay_blocks + 1);
    let err = c.fails(
        STAKER,
        Action::CompleteQueuedWithdrawals {
            withdrawal_roots: vec![root],
            receive_as_tokens: vec![true, false],
        },
    );
    assert_eq!(
        err,
        Error::Delegation(DelegationError::InputArrayLengthMismatch)
    );
    let err = c.fails(
        STAKER,
        Action::CompleteQueuedWithdrawals {
            withdrawal_roots: vec![root],
            receive_as_tokens: vec![],
        },
    );
    assert_eq!(
        err,
        Error::Delegation(DelegationError::InputArrayLengthMismatch)
    );
    let err = c.fails(
        STRANGER,
        Action::ClearDeallocationQueue {
            operator: OP,
            strategies: vec![steth, reth],
            num_to_clear: vec![1],
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InputArrayLengthMismatch)
    );
    let err = c.fails(
        STRANGER,
        Action::ClearDeallocationQueue {
            operator: OP,
            strategies: vec![],
            num_to_clear: vec![u16::MAX],
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InputArrayLengthMismatch)
    );
}

// ---------------------------------------------------------------------------------------------
// Out-of-range numbers
// ---------------------------------------------------------------------------------------------

#[test]
fn depositing_u256_max_is_refused_for_lack_of_funds() {
    let mut c = Chain::new();
    let a = deposit_action(&c, "stETH", U256::MAX);
    let err = c.fails(STAKER, a);
    assert_eq!(
        err,
        Error::Token(TokenError::InsufficientBalance {
            token: c.token("stETH"),
            account: STAKER,
            balance: eth(1_000_000),
            needed: U256::MAX,
        })
    );
    let err = c.fails(
        STAKER,
        Action::Transfer {
            token: c.token("stETH"),
            to: STRANGER,
            amount: U256::MAX,
        },
    );
    assert!(
        matches!(
            err,
            Error::Token(TokenError::InsufficientBalance { needed, .. }) if needed == U256::MAX
        ),
        "{err:?}"
    );
}

#[test]
fn minting_past_u256_max_total_supply_is_refused_as_overflow() {
    let mut c = Chain::new();
    let token = c.token("cbETH");
    let err = c.fails(
        MINTER,
        Action::Mint {
            token,
            to: STRANGER,
            amount: U256::MAX,
        },
    );
    assert_eq!(err, Error::Math(MathError::Overflow));
}

#[test]
fn a_deposit_above_the_total_share_cap_is_refused() {
    let mut c = Chain::new();
    let whale = addr(20);
    let token = c.token("stETH");
    // Enough tokens to go past 1e38 - 1 shares in the empty pool (1 share per token there).
    c.ok(
        MINTER,
        Action::Mint {
            token,
            to: whale,
            amount: MAX_TOTAL_SHARES + eth(1),
        },
    );
    let a = deposit_action(&c, "stETH", MAX_TOTAL_SHARES + U256::from(1));
    let err = c.fails(whale, a);
    assert_eq!(err, Error::Pool(PoolError::TotalSharesExceedsMax));
    // Exactly at the cap is accepted; one more wei is not.
    let a = deposit_action(&c, "stETH", MAX_TOTAL_SHARES);
    c.ok(whale, a);
    let pool = c.state.pool(&c.strategy("stETH")).unwrap().unwrap();
    assert_eq!(pool.total_shares, MAX_TOTAL_SHARES);
    assert_eq!(c.deposit_shares(whale, "stETH"), MAX_TOTAL_SHARES);
    let a = deposit_action(&c, "stETH", U256::from(1));
    let err = c.fails(whale, a);
    assert_eq!(err, Error::Pool(PoolError::TotalSharesExceedsMax));
}

#[test]
fn deposits_beyond_the_tvl_limits_are_refused() {
    let mut c = Chain::new();
    let steth = c.strategy("stETH");
    let err = c.fails(
        UNPAUSER,
        Action::SetTvlLimits {
            strategy: steth,
            max_per_deposit: eth(2),
            max_total_deposits: eth(1),
        },
    );
    assert_eq!(
        err,
        Error::Pool(PoolError::MaxPerDepositExceedsMax {
            per_deposit: eth(2),
            total: eth(1)
        })
    );
    c.ok(
        UNPAUSER,
        Action::SetTvlLimits {
            strategy: steth,
            max_per_deposit: eth(5),
            max_total_deposits: eth(8),
        },
    );
    let a = deposit_action(&c, "stETH", eth(5) + U256::from(1));
    let err = c.fails(STAKER, a);
    assert_eq!(
        err,
        Error::Pool(PoolError::MaxPerDepositExceeded {
            amount: eth(5) + U256::from(1),
            limit: eth(5)
        })
    );
    c.deposit(STAKER, "stETH", eth(5));
    let a = deposit_action(&c, "stETH", eth(4));
    let err = c.fails(STAKER, a);
    assert_eq!(
        err,
        Error::Pool(PoolError::BalanceExceedsMaxTotalDeposits {
            balance: eth(9),
            limit: eth(8)
        })
    );
}

#[test]
fn magnitudes_above_one_wad_are_refused() {
    let mut c = world();
    let reth = c.strategy("rETH");
    for m in [WAD_U64 + 1, u64::MAX] {
        let err = c.fails(OP, alloc_action(AVS, 1, vec![reth], vec![m]));
        assert_eq!(
            err,
            Error::Allocation(AllocationError::MagnitudeExceedsWad(m))
        );
    }
    // Exactly one WAD is fine for a strategy with nothing else allocated...
    c.ok(OP, alloc_action(AVS, 1, vec![reth], vec![WAD_U64]));
    // ...but not where half is already promised elsewhere.
    let steth = c.strategy("stETH");
    c.create_set(AVS, 2, &["stETH"]);
    let err = c.fails(OP, alloc_action(AVS, 2, vec![steth], vec![HALF + 1]));
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InsufficientMagnitude {
            strategy: steth,
            encumbered: WAD_U64 + 1,
            max: WAD_U64,
        })
    );
}

#[test]
fn wads_to_slash_outside_zero_to_one_wad_are_refused() {
    let mut c = world();
    let steth = c.strategy("stETH");
    for w in [U256::ZERO, WAD + U256::from(1), U256::MAX] {
        let err = c.fails(AVS, slash_action(vec![steth], vec![w]));
        assert_eq!(
            err,
            Error::Allocation(AllocationError::InvalidWadToSlash(w))
        );
    }
    // A zero equivocation WAD means "no rule", as when omitted; above one WAD is refused.
    for w in [WAD + U256::from(1), U256::MAX] {
        let mut p = set_params(3, vec![steth]);
        p.equivocation_wad_to_slash = Some(w);
        let err = c.fails(
            AVS,
            Action::CreateOperatorSets {
                avs: None,
                params: vec![p],
            },
        );
        assert_eq!(
            err,
            Error::Allocation(AllocationError::InvalidWadToSlash(w))
        );
    }
    // One WAD slashes the whole allocation: half the operator's stake.
    c.ok(AVS, slash_action(vec![steth], vec![WAD]));
    assert_eq!(c.max_magnitude(OP, "stETH"), HALF);
    assert_eq!(c.operator_shares(OP, "stETH"), eth(50));
}

#[test]
fn an_allocation_delay_that_overflows_the_block_number_is_refused() {
    let mut c = world();
    let big = addr(4);
    c.ok(
        big,
        Action::RegisterAsOperator {
            delegation_approver: Address::ZERO,
            allocation_delay: u32::MAX,
            metadata_uri: String::new(),
        },
    );
    let steth = c.strategy("stETH");
    let err = c.fails(big, alloc_action(AVS, 1, vec![steth], vec![1]));
    assert_eq!(err, Error::Math(MathError::Overflow));
}

#[test]
fn withdrawing_more_shares_than_held_is_refused() {
    // Undelegated staker.
    let mut c = Chain::new();
    c.deposit(STAKER, "stETH", eth(10));
    let steth = c.strategy("stETH");
    let err = c.fails(
        STAKER,
        queue_action(vec![steth], vec![eth(10) + U256::from(1)]),
    );
    assert_eq!(
        err,
        Error::StrategyManager(StrategyManagerError::SharesAmountTooHigh {
            held: eth(10),
            asked: eth(10) + U256::from(1),
        })
    );
    // Delegated, with other stakers' shares at the same operator to hide behind.
    let mut c = world();
    c.deposit(addr(10), "stETH", eth(500));
    c.delegate(addr(10), OP);
    let err = c.fails(STAKER, queue_action(vec![steth], vec![eth(101)]));
    assert_eq!(
        err,
        Error::StrategyManager(StrategyManagerError::SharesAmountTooHigh {
            held: eth(100),
            asked: eth(101),
        })
    );
}

#[test]
fn withdrawing_more_shares_than_held_is_refused_the_same_way_when_alone_with_the_operator() {
    // The sole staker of an operator: the operator's shares equal the staker's, so asking for
    // more must still be reported as too many deposit shares, not as an arithmetic underflow.
    let mut c = world();
    let steth = c.strategy("stETH");
    let err = c.fails(
        STAKER,
        queue_action(vec![steth], vec![eth(100) + U256::from(1)]),
    );
    assert_eq!(
        err,
        Error::StrategyManager(StrategyManagerError::SharesAmountTooHigh {
            held: eth(100),
            asked: eth(100) + U256::from(1),
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Empty input, zero addresses and malformed names
// ---------------------------------------------------------------------------------------------

#[test]
fn an_empty_withdrawal_request_is_refused() {
    let mut c = world();
    let err = c.fails(STAKER, Action::QueueWithdrawals { params: vec![] });
    assert_eq!(
        err,
        Error::Delegation(DelegationError::InputArrayLengthZero)
    );
    let err = c.fails(STAKER, queue_action(vec![], vec![]));
    assert_eq!(
        err,
        Error::Delegation(DelegationError::InputArrayLengthZero)
    );
}

#[test]
fn empty_batches_that_eigenlayer_accepts_change_nothing() {
    // `modifyAllocations([])`, `createOperatorSets([])` and `completeQueuedWithdrawals([], [])`
    // loop over nothing (spec §6.6, §6.3, §5.2): accepted, with no effect at all.
    let mut c = world();
    for (sender, a) in [
        (
            OP,
            Action::ModifyAllocations {
                operator: None,
                params: vec![],
            },
        ),
        (
            AVS,
            Action::CreateOperatorSets {
                avs: None,
                params: vec![],
            },
        ),
        (
            STAKER,
            Action::CompleteQueuedWithdrawals {
                withdrawal_roots: vec![],
                receive_as_tokens: vec![],
            },
        ),
        (
            STRANGER,
            Action::ClearDeallocationQueue {
                operator: OP,
                strategies: vec![],
                num_to_clear: vec![],
            },
        ),
    ] {
        let before = c.state.clone();
        let events = c.ok(sender, a);
        assert!(events.is_empty(), "{events:?}");
        assert_eq!(c.state, before);
    }
}

#[test]
fn zero_addresses_are_refused_where_they_would_lose_funds_or_roles() {
    let mut c = world();
    let token = c.token("stETH");
    let steth = c.strategy("stETH");
    let err = c.fails(
        STAKER,
        Action::Transfer {
            token,
            to: Address::ZERO,
            amount: eth(1),
        },
    );
    assert_eq!(err, Error::Token(TokenError::ZeroRecipient));
    let err = c.fails(
        MINTER,
        Action::Mint {
            token,
            to: Address::ZERO,
            amount: eth(1),
        },
    );
    assert_eq!(err, Error::Token(TokenError::ZeroRecipient));
    let err = c.fails(
        AVS,
        Action::UpdateSlasher {
            avs: None,
            operator_set_id: 1,
            slasher: Address::ZERO,
        },
    );
    assert_eq!(err, Error::Allocation(AllocationError::InputAddressZero));
    let err = c.fails(
        AVS,
        Action::UpdateAllowlist {
            avs: None,
            operator_set_id: 1,
            operators: vec![OP, Address::ZERO],
            allowed: true,
        },
    );
    assert_eq!(err, Error::Allocation(AllocationError::InputAddressZero));
    // A zero slasher or recipient means the default (the AVS; burning), exactly as when the
    // field is omitted: both sign the same, so they must execute the same.
    let mut p = set_params(5, vec![steth]);
    p.slasher = Some(Address::ZERO);
    p.redistribution_recipient = Some(Address::ZERO);
    c.ok(
        AVS,
        Action::CreateOperatorSets {
            avs: None,
            params: vec![p],
        },
    );
    let info = restake_core::allocation::AllocationRead::operator_set(
        &c.state,
        &restake_primitives::OperatorSet::new(AVS, 5),
    )
    .unwrap()
    .unwrap();
    assert_eq!(info.slasher.slasher, AVS);
    assert_eq!(info.redistribution_recipient, None);
    let mut p = set_params(6, vec![steth]);
    p.redistribution_recipient = Some(DEFAULT_BURN_ADDRESS);
    let err = c.fails(
        AVS,
        Action::CreateOperatorSets {
            avs: None,
            params: vec![p],
        },
    );
    assert_eq!(
        err,
        Error::Allocation(AllocationError::InvalidRedistributionRecipient)
    );
}

#[test]
fn malformed_token_symbols_and_selectors_are_refused() {
    let mut c = Chain::new();
    for symbol in ["", "st-ETH", "ETH ", "ABCDEFGHIJKLMNOPQ", "ΞTH"] {
        let err = c.fails(
            OWNER,
            Action::RegisterToken {
                symbol: symbol.into(),
                decimals: 18,
                minter: MINTER,
            },
        );
        assert_eq!(err, Error::Token(TokenError::InvalidSymbol(symbol.into())));
    }
    let err = c.fails(
        OWNER,
        Action::RegisterToken {
            symbol: "stETH".into(),
            decimals: 18,
            minter: MINTER,
        },
    );
    assert_eq!(err, Error::Token(TokenError::TokenExists("stETH".into())));
    for selector in [
        "",
        "modify_allocations",
        "modifyAllocations()",
        &"a".repeat(65),
    ] {
        let err = c.fails(
            OP,
            Action::SetAppointee {
                account: OP,
                appointee: STRANGER,
                selector: selector.into(),
            },
        );
        assert_eq!(
            err,
            Error::Permission(PermissionError::InvalidSelector(selector.into()))
        );
    }
}

#[test]
fn pause_bitmaps_move_only_one_way() {
    let mut c = Chain::new();
    c.ok(
        PAUSER,
        Action::Pause {
            target: PauseTarget::TokenManager,
            new_paused_status: 0b10,
        },
    );
    let err = c.fails(
        PAUSER,
        Action::Pause {
            target: PauseTarget::TokenManager,
            new_paused_status: 0b01,
        },
    );
    assert_eq!(
        err,
        Error::Pause(PauseError::InvalidNewPausedStatus {
            current: 0b10,
            new: 0b01
        })
    );
    let err = c.fails(
        UNPAUSER,
        Action::Unpause {
            target: PauseTarget::TokenManager,
            new_paused_status: 0b11,
        },
    );
    assert_eq!(
        err,
        Error::Pause(PauseError::InvalidNewPausedStatus {
            current: 0b10,
            new: 0b11
        })
    );
}

// ---------------------------------------------------------------------------------------------
// JSON: the public shapes
// ---------------------------------------------------------------------------------------------

fn parse(json: &str) -> Action {
    match serde_json::from_str::<Action>(json) {
        Ok(a) => a,
        Err(e) => panic!("public action shape did not parse: {e}\n{json}"),
    }
}

fn refuse(json: &str) {
    assert!(
        serde_json::from_str::<Action>(json).is_err(),
        "accepted bad JSON: {json}"
    );
}

const A1: &str = "0x1111111111111111111111111111111111111111";
const A2: &str = "0x2222222222222222222222222222222222222222";
const A3: &str = "0x3333333333333333333333333333333333333333";
const SALT: &str = "0x4242424242424242424242424242424242424242424242424242424242424242";

fn a(byte: u8) -> Address {
    Address::repeat_byte(byte)
}

#[test]
fn the_public_json_shapes_parse_to_the_expected_actions() {
    let cases: Vec<(String, Action)> = vec![
        (
            format!(
                r#"{{"type":"depositIntoStrategy","strategy":"{A1}","token":"{A2}","amount":"1000000000000000000"}}"#
            ),
            Action::DepositIntoStrategy {
                strategy: a(0x11),
                token: a(0x22),
                amount: WAD,
            },
        ),
        (
            format!(
                r#"{{"type":"registerAsOperator","delegationApprover":"{A1}","allocationDelay":0,"metadataUri":"https://op.example/m.json"}}"#
            ),
            Action::RegisterAsOperator {
                delegation_approver: a(0x11),
                allocation_delay: 0,
                metadata_uri: "https://op.example/m.json".into(),
            },
        ),
        (
            format!(
                r#"{{"type":"delegateTo","operator":"{A2}","approverSignature":null,"approverExpiry":0,"approverSalt":"{SALT}"}}"#
            ),
            Action::DelegateTo {
                operator: a(0x22),
                approver_signature: None,
                approver_expiry: 0,
                approver_salt: B256::repeat_byte(0x42),
            },
        ),
        (
            format!(r#"{{"type":"undelegate","staker":"{A1}"}}"#),
            Action::Undelegate { staker: a(0x11) },
        ),
        (
            format!(
                r#"{{"type":"queueWithdrawals","params":[{{"strategies":["{A1}"],"depositShares":["5"]}}]}}"#
            ),
            Action::QueueWithdrawals {
                params: vec![QueuedWithdrawalParams {
                    strategies: vec![a(0x11)],
                    deposit_shares: vec![U256::from(5)],
                }],
            },
        ),
        (
            format!(
                r#"{{"type":"completeQueuedWithdrawal","withdrawalRoot":"{SALT}","receiveAsTokens":true}}"#
            ),
            Action::CompleteQueuedWithdrawal {
                withdrawal_root: B256::repeat_byte(0x42),
                receive_as_tokens: true,
            },
        ),
        (
            format!(
                r#"{{"type":"createOperatorSets","params":[{{"operatorSetId":1,"strategies":["{A1}"],"redistributionRecipient":null}}]}}"#
            ),
            Action::CreateOperatorSets {
                avs: None,
                params: vec![CreateSetParams {
                    operator_set_id: 1,
                    strategies: vec![a(0x11)],
                    redistribution_recipient: None,
                    slasher: None,
                    registration_policy: RegistrationPolicy::Open,
                    equivocation_wad_to_slash: None,
                }],
            },
        ),
        (
            format!(r#"{{"type":"registerForOperatorSets","avs":"{A3}","operatorSetIds":[1]}}"#),
            Action::RegisterForOperatorSets {
                operator: None,
                avs: a(0x33),
                operator_set_ids: vec![1],
                approval: None,
            },
        ),
        (
            format!(
                r#"{{"type":"modifyAllocations","params":[{{"avs":"{A3}","operatorSetId":1,"strategies":["{A1}"],"newMagnitudes":["500000000000000000"]}}]}}"#
            ),
            Action::ModifyAllocations {
                operator: None,
                params: vec![AllocateParams {
                    avs: a(0x33),
                    operator_set_id: 1,
                    strategies: vec![a(0x11)],
                    new_magnitudes: vec![HALF],
                }],
            },
        ),
        (
            format!(
                r#"{{"type":"slashOperator","operator":"{A2}","operatorSetId":1,"strategies":["{A1}"],"wadsToSlash":["250000000000000000"],"description":"double sign"}}"#
            ),
            Action::SlashOperator {
                avs: None,
                operator: a(0x22),
                operator_set_id: 1,
                strategies: vec![a(0x11)],
                wads_to_slash: vec![wad(1, 4)],
                description: "double sign".into(),
            },
        ),
    ];
    for (json, expected) in cases {
        let parsed = parse(&json);
        assert_eq!(parsed, expected, "{json}");
        // What we write we read back.
        let written = serde_json::to_string(&parsed).unwrap();
        assert_eq!(serde_json::from_str::<Action>(&written).unwrap(), parsed);
    }
}

#[test]
fn actions_are_written_with_camel_case_names_and_decimal_string_amounts() {
    let json = serde_json::to_value(Action::DepositIntoStrategy {
        strategy: a(0x11),
        token: a(0x22),
        amount: U256::MAX,
    })
    .unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "type": "depositIntoStrategy",
            "strategy": A1,
            "token": A2,
            "amount": U256::MAX.to_string(),
        })
    );
    let json = serde_json::to_value(Action::SlashOperator {
        avs: None,
        operator: a(0x22),
        operator_set_id: 7,
        strategies: vec![a(0x11)],
        wads_to_slash: vec![WAD],
        description: "d".into(),
    })
    .unwrap();
    assert_eq!(json["type"], "slashOperator");
    assert_eq!(json["operatorSetId"], 7);
    assert_eq!(
        json["wadsToSlash"],
        serde_json::json!(["1000000000000000000"])
    );
    let json = serde_json::to_value(Action::PauseAll {}).unwrap();
    assert_eq!(json, serde_json::json!({"type": "pauseAll"}));
    assert_eq!(parse(r#"{"type":"pauseAll"}"#), Action::PauseAll {});
    assert_eq!(
        parse(r#"{"type":"pause","target":"tokenManager","newPausedStatus":"1"}"#),
        Action::Pause {
            target: PauseTarget::TokenManager,
            new_paused_status: 1
        }
    );
}

// ---------------------------------------------------------------------------------------------
// JSON: malformed input
// ---------------------------------------------------------------------------------------------

/// A deposit with `amount` spliced in as raw JSON.
fn deposit_json(amount: &str) -> String {
    format!(
        r#"{{"type":"depositIntoStrategy","strategy":"{A1}","token":"{A2}","amount":{amount}}}"#
    )
}

#[test]
fn json_with_an_unknown_or_missing_type_is_refused() {
    for ty in [
        r#""mintEverything""#,
        r#""DepositIntoStrategy""#,
        r#""deposit_into_strategy""#,
        r#""depositintostrategy""#,
        r#""""#,
        "1",
        "null",
        "[]",
    ] {
        refuse(&format!(r#"{{"type":{ty},"staker":"{A1}"}}"#));
    }
    refuse(&format!(r#"{{"staker":"{A1}"}}"#));
    refuse("{}");
    for not_an_object in ["", " ", "null", "true", "0", "\"undelegate\"", "[]", "[{}]"] {
        refuse(not_an_object);
    }
}

#[test]
fn json_with_unknown_or_duplicate_fields_is_refused() {
    refuse(&format!(
        r#"{{"type":"undelegate","staker":"{A1}","extra":1}}"#
    ));
    refuse(&format!(
        r#"{{"type":"undelegate","staker":"{A1}","Staker":"{A1}"}}"#
    ));
    refuse(&format!(
        r#"{{"type":"undelegate","staker":"{A1}","staker":"{A2}"}}"#
    ));
    refuse(&format!(
        r#"{{"type":"undelegate","type":"undelegate","staker":"{A1}"}}"#
    ));
    refuse(r#"{"type":"pauseAll","all":true}"#);
    // Snake case is not the wire format.
    refuse(&format!(
        r#"{{"type":"depositIntoStrategy","strategy":"{A1}","token":"{A2}","amount":"1","max_per_deposit":"1"}}"#
    ));
    // Unknown fields inside nested parameters are refused too.
    refuse(&format!(
        r#"{{"type":"queueWithdrawals","params":[{{"strategies":["{A1}"],"depositShares":["5"],"withdrawer":"{A2}"}}]}}"#
    ));
    refuse(&format!(
        r#"{{"type":"modifyAllocations","params":[{{"avs":"{A3}","operatorSetId":1,"strategies":["{A1}"],"newMagnitudes":["1"],"extra":null}}]}}"#
    ));
    refuse(&format!(
        r#"{{"type":"createOperatorSets","params":[{{"operatorSetId":1,"strategies":["{A1}"],"redistributionRecipient":null,"slashers":[]}}]}}"#
    ));
}

#[test]
fn json_missing_a_required_field_is_refused() {
    refuse(r#"{"type":"undelegate"}"#);
    refuse(&format!(
        r#"{{"type":"depositIntoStrategy","strategy":"{A1}","token":"{A2}"}}"#
    ));
    refuse(&format!(
        r#"{{"type":"completeQueuedWithdrawal","withdrawalRoot":"{SALT}"}}"#
    ));
    refuse(&format!(
        r#"{{"type":"queueWithdrawals","params":[{{"strategies":["{A1}"]}}]}}"#
    ));
    refuse(r#"{"type":"undelegate","staker":null}"#);
}

#[test]
fn amounts_must_be_canonical_decimal_strings() {
    // The valid baseline.
    assert!(serde_json::from_str::<Action>(&deposit_json(r#""12""#)).is_ok());
    // 2^256: one more than the largest amount.
    let two_pow_256 =
        "\"115792089237316195423570985008687907853269984665640564039457584007913129639936\"";
    for bad in [
        "1",
        "1000000000000000000",
        "1e18",
        "1.0",
        "-1",
        "null",
        "true",
        "[\"1\"]",
        r#""""#,
        r#""-1""#,
        r#""+1""#,
        r#""0x10""#,
        r#""0X10""#,
        r#""ff""#,
        r#""012""#,
        r#""00""#,
        r#"" 1""#,
        r#""1 ""#,
        r#""1_000""#,
        r#""1e18""#,
        r#""1.5""#,
        r#""١""#,
        two_pow_256,
        r#""1157920892373161954235709850086879078532699846656405640394575840079131296399350""#,
    ] {
        refuse(&deposit_json(bad));
    }
    // The largest amount is accepted by the decoder (the ledger refuses it later).
    assert_eq!(
        parse(&deposit_json(&format!("\"{}\"", U256::MAX))),
        Action::DepositIntoStrategy {
            strategy: a(0x11),
            token: a(0x22),
            amount: U256::MAX,
        }
    );
    // The same rules hold in lists of amounts.
    for bad in [r#"[5]"#, r#"["05"]"#, r#"["-5"]"#, r#"["0x5"]"#, r#""5""#] {
        refuse(&format!(
            r#"{{"type":"queueWithdrawals","params":[{{"strategies":["{A1}"],"depositShares":{bad}}}]}}"#
        ));
        refuse(&format!(
            r#"{{"type":"slashOperator","operator":"{A2}","operatorSetId":1,"strategies":["{A1}"],"wadsToSlash":{bad},"description":""}}"#
        ));
    }
}

#[test]
fn the_equivocation_wad_must_be_a_canonical_decimal_string() {
    // Like every other amount (`restake_primitives::decimal`): ASCII digits only, no sign, no
    // separators, no leading zeros, not empty.
    let with = |w: &str| {
        format!(
            r#"{{"type":"createOperatorSets","params":[{{"operatorSetId":1,"strategies":["{A1}"],"equivocationWadToSlash":{w}}}]}}"#
        )
    };
    let wad_of = |json: &str| match parse(json) {
        Action::CreateOperatorSets { params, .. } => params[0].equivocation_wad_to_slash,
        other => panic!("wrong action {other:?}"),
    };
    assert_eq!(wad_of(&with(r#""500000000000000000""#)), Some(wad(1, 2)));
    assert_eq!(wad_of(&with("null")), None);
    let accepted: Vec<&str> = [
        "5",
        r#""""#,
        r#""-1""#,
        r#""+1""#,
        r#""0x10""#,
        r#""05""#,
        r#""00""#,
        r#"" 5""#,
        r#""5_0""#,
        r#""_5""#,
        r#""5_""#,
        r#""1e17""#,
    ]
    .into_iter()
    .filter(|bad| serde_json::from_str::<Action>(&with(bad)).is_ok())
    .collect();
    assert!(
        accepted.is_empty(),
        "non-canonical equivocation WADs accepted: {accepted:?}"
    );
}

#[test]
fn magnitudes_must_be_decimal_strings_that_fit_in_64_bits() {
    let with = |m: &str| {
        format!(
            r#"{{"type":"modifyAllocations","params":[{{"avs":"{A3}","operatorSetId":1,"strategies":["{A1}"],"newMagnitudes":[{m}]}}]}}"#
        )
    };
    let max = parse(&with(&format!("\"{}\"", u64::MAX)));
    let Action::ModifyAllocations { params, .. } = max else {
        panic!("wrong action");
    };
    assert_eq!(params[0].new_magnitudes, vec![u64::MAX]);
    for bad in [
        r#""18446744073709551616""#,
        r#""340282366920938463463374607431768211456""#,
        "500000000000000000",
        r#""-1""#,
        r#""0x1""#,
        r#""01""#,
    ] {
        refuse(&with(bad));
    }
}

#[test]
fn small_integers_must_be_json_numbers_in_range() {
    let set_id = |id: &str| {
        format!(r#"{{"type":"registerForOperatorSets","avs":"{A3}","operatorSetIds":[{id}]}}"#)
    };
    assert!(serde_json::from_str::<Action>(&set_id("4294967295")).is_ok());
    for bad in ["4294967296", "-1", "1.5", "\"1\"", "null", "1e3"] {
        refuse(&set_id(bad));
    }
    let decimals = |d: &str| {
        format!(r#"{{"type":"registerToken","symbol":"EIGEN","decimals":{d},"minter":"{A1}"}}"#)
    };
    assert!(serde_json::from_str::<Action>(&decimals("255")).is_ok());
    for bad in ["256", "-1", "\"18\""] {
        refuse(&decimals(bad));
    }
    // Pause bitmaps use all 64 bits, beyond what JavaScript numbers hold: decimal strings.
    let status =
        |s: &str| format!(r#"{{"type":"pause","target":"tokenManager","newPausedStatus":{s}}}"#);
    assert!(serde_json::from_str::<Action>(&status("\"18446744073709551615\"")).is_ok());
    for bad in ["\"18446744073709551616\"", "\"-1\"", "1", "\"01\""] {
        refuse(&status(bad));
    }
    let flag = |b: &str| {
        format!(
            r#"{{"type":"completeQueuedWithdrawal","withdrawalRoot":"{SALT}","receiveAsTokens":{b}}}"#
        )
    };
    for bad in ["\"true\"", "1", "null"] {
        refuse(&flag(bad));
    }
    refuse(r#"{"type":"pause","target":"everything","newPausedStatus":1}"#);
    refuse(r#"{"type":"pause","target":{"pool":"0x12"},"newPausedStatus":1}"#);
}

#[test]
fn malformed_addresses_and_hashes_are_refused() {
    let undelegate = |s: &str| format!(r#"{{"type":"undelegate","staker":{s}}}"#);
    assert_eq!(
        parse(&undelegate(&format!("\"{A1}\""))),
        Action::Undelegate { staker: a(0x11) }
    );
    for bad in [
        r#""0x""#,
        r#""""#,
        r#""0x111111111111111111111111111111111111111""#,
        r#""0x11111111111111111111111111111111111111111""#,
        r#""0x111111111111111111111111111111111111111111""#,
        r#""0xzz11111111111111111111111111111111111111""#,
        r#""0x 111111111111111111111111111111111111111""#,
        r#""0x1111111111111111111111111111111111111111 ""#,
        "1234",
        "null",
        "{}",
        "[17,17,17]",
    ] {
        refuse(&undelegate(bad));
    }
    let root = |s: &str| {
        format!(
            r#"{{"type":"completeQueuedWithdrawal","withdrawalRoot":{s},"receiveAsTokens":false}}"#
        )
    };
    for bad in [
        format!("\"{A1}\""),
        format!("\"{SALT}42\""),
        "\"0x42\"".to_string(),
        "null".to_string(),
    ] {
        refuse(&root(&bad));
    }
    // Signatures are hex bytes: odd lengths and non-hex digits are refused.
    let sig = |s: &str| {
        format!(
            r#"{{"type":"delegateTo","operator":"{A2}","approverSignature":{s},"approverExpiry":0,"approverSalt":"{SALT}"}}"#
        )
    };
    assert!(serde_json::from_str::<Action>(&sig(r#""0x1234""#)).is_ok());
    for bad in [r#""0x123""#, r#""0xgg""#, r#""0x12 ""#, "12", "{}"] {
        refuse(&sig(bad));
    }
}

#[test]
fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    refuse(&nested);
    let in_field = format!(
        r#"{{"type":"queueWithdrawals","params":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    refuse(&in_field);
    let objects = format!("{}{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    refuse(&objects);
}

// ---------------------------------------------------------------------------------------------
// JSON: fuzzing the decoder
// ---------------------------------------------------------------------------------------------

const FIELD_NAMES: &[&str] = &[
    "type",
    "token",
    "to",
    "amount",
    "symbol",
    "decimals",
    "minter",
    "strategy",
    "strategies",
    "staker",
    "expiry",
    "signature",
    "operator",
    "avs",
    "operatorSetId",
    "operatorSetIds",
    "delegationApprover",
    "allocationDelay",
    "metadataUri",
    "approverSignature",
    "approverExpiry",
    "approverSalt",
    "params",
    "depositShares",
    "withdrawalRoot",
    "withdrawalRoots",
    "receiveAsTokens",
    "redistributionRecipient",
    "slasher",
    "registrationPolicy",
    "equivocationWadToSlash",
    "newMagnitudes",
    "wadsToSlash",
    "description",
    "numToClear",
    "target",
    "newPausedStatus",
    "account",
    "admin",
    "appointee",
    "selector",
    "policy",
    "operators",
    "allowed",
    "approval",
    "salt",
    "height",
    "first",
    "second",
    "payloadHash",
    "slashId",
    "delay",
    "newOperator",
    "pool",
];

fn action_names() -> Vec<&'static str> {
    // Every wire name, taken from the enum itself so the list cannot drift.
    let z = Address::ZERO;
    let samples = [
        Action::Transfer {
            token: z,
            to: z,
            amount: U256::ZERO,
        },
        Action::Mint {
            token: z,
            to: z,
            amount: U256::ZERO,
        },
        Action::Burn {
            token: z,
            amount: U256::ZERO,
        },
        Action::CreateStrategy { token: z },
        Action::DepositIntoStrategy {
            strategy: z,
            token: z,
            amount: U256::ZERO,
        },
        Action::Undelegate { staker: z },
        Action::QueueWithdrawals { params: vec![] },
        Action::ModifyAllocations {
            operator: None,
            params: vec![],
        },
        Action::SlashOperator {
            avs: None,
            operator: z,
            operator_set_id: 0,
            strategies: vec![],
            wads_to_slash: vec![],
            description: String::new(),
        },
        Action::PauseAll {},
    ];
    let mut names: Vec<&'static str> = samples.iter().map(Action::name).collect();
    names.extend([
        "registerToken",
        "addStrategiesToDepositWhitelist",
        "removeStrategiesFromDepositWhitelist",
        "setStrategyWhitelister",
        "setTvlLimits",
        "depositIntoStrategyWithSignature",
        "clearBurnOrRedistributableShares",
        "clearBurnOrRedistributableSharesByStrategy",
        "registerAsOperator",
        "modifyOperatorDetails",
        "updateOperatorMetadataUri",
        "delegateTo",
        "redelegate",
        "completeQueuedWithdrawal",
        "completeQueuedWithdrawals",
        "updateAvsMetadataUri",
        "createOperatorSets",
        "addStrategiesToOperatorSet",
        "removeStrategiesFromOperatorSet",
        "updateSlasher",
        "setRegistrationPolicy",
        "updateAllowlist",
        "registerForOperatorSets",
        "deregisterFromOperatorSets",
        "setAllocationDelay",
        "clearDeallocationQueue",
        "slashWithEquivocationProof",
        "addPendingAdmin",
        "removePendingAdmin",
        "acceptAdmin",
        "removeAdmin",
        "setAppointee",
        "removeAppointee",
        "pause",
        "unpause",
        "configureOperatorSet",
        "registerKey",
        "deregisterKey",
        "setOperatorTableCalculator",
        "updateOperatorTable",
        "createTask",
        "respondToTask",
        "expireTask",
        "slashWithConflictingResponses",
    ]);
    names
}

/// Raw JSON text for a scalar that is often almost right.
fn json_leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("\"\"".to_string()),
        "-?[0-9]{1,80}(\\.[0-9]{1,3})?([eE][-+]?[0-9]{1,3})?",
        "\"[0-9]{0,80}\"",
        "\"-?0[xX][0-9a-fA-F]{0,70}\"",
        "\"[a-zA-Z]{1,30}\"",
        prop::sample::select(action_names()).prop_map(|n| format!("\"{n}\"")),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
    ]
}

/// JSON-ish text: values nested in arrays and objects whose keys are mostly real field names.
fn json_value() -> impl Strategy<Value = String> {
    json_leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(
                (
                    prop_oneof![
                        3 => prop::sample::select(FIELD_NAMES.to_vec()).prop_map(str::to_string),
                        1 => "[a-zA-Z_]{0,12}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|fields| {
                let body: Vec<String> = fields
                    .into_iter()
                    .map(|(k, v)| format!("{}:{v}", serde_json::to_string(&k).unwrap()))
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

/// An object with a real action name as its `type` and a few plausible fields.
fn json_action() -> impl Strategy<Value = String> {
    (
        prop::sample::select(action_names()),
        prop::collection::vec(
            (prop::sample::select(FIELD_NAMES.to_vec()), json_value()),
            0..7,
        ),
    )
        .prop_map(|(name, fields)| {
            let mut body = vec![format!("\"type\":\"{name}\"")];
            body.extend(fields.into_iter().map(|(k, v)| format!("\"{k}\":{v}")));
            format!("{{{}}}", body.join(","))
        })
}

/// The public shapes with real devnet addresses, to mutate.
fn valid_templates() -> Vec<String> {
    let c = Chain::new();
    let st = c.strategy("stETH");
    let tok = c.token("stETH");
    vec![
        format!(
            r#"{{"type":"depositIntoStrategy","strategy":"{st}","token":"{tok}","amount":"1000000"}}"#
        ),
        format!(
            r#"{{"type":"registerAsOperator","delegationApprover":"{}","allocationDelay":0,"metadataUri":"m"}}"#,
            Address::ZERO
        ),
        format!(
            r#"{{"type":"delegateTo","operator":"{A2}","approverSignature":null,"approverExpiry":0,"approverSalt":"{SALT}"}}"#
        ),
        format!(r#"{{"type":"undelegate","staker":"{A1}"}}"#),
        format!(
            r#"{{"type":"queueWithdrawals","params":[{{"strategies":["{st}"],"depositShares":["1"]}}]}}"#
        ),
        format!(
            r#"{{"type":"completeQueuedWithdrawal","withdrawalRoot":"{SALT}","receiveAsTokens":true}}"#
        ),
        format!(
            r#"{{"type":"createOperatorSets","params":[{{"operatorSetId":1,"strategies":["{st}"],"redistributionRecipient":null}}]}}"#
        ),
        format!(r#"{{"type":"registerForOperatorSets","avs":"{A3}","operatorSetIds":[1]}}"#),
        format!(
            r#"{{"type":"modifyAllocations","params":[{{"avs":"{A3}","operatorSetId":1,"strategies":["{st}"],"newMagnitudes":["7"]}}]}}"#
        ),
        format!(
            r#"{{"type":"slashOperator","operator":"{A2}","operatorSetId":1,"strategies":["{st}"],"wadsToSlash":["1"],"description":"x"}}"#
        ),
        format!(r#"{{"type":"mint","token":"{tok}","to":"{A1}","amount":"5"}}"#),
        format!(r#"{{"type":"transfer","token":"{tok}","to":"{A1}","amount":"5"}}"#),
        r#"{"type":"pause","target":"allocationManager","newPausedStatus":"3"}"#.to_string(),
    ]
}

/// A few byte-level edits (replace, insert, delete) of a valid template.
fn mutated_template() -> impl Strategy<Value = String> {
    let templates = valid_templates();
    (
        prop::sample::select(templates),
        prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..5),
    )
        .prop_map(|(t, edits)| {
            let mut bytes = t.into_bytes();
            for (at, kind, byte) in edits {
                let byte = if byte.is_ascii() {
                    byte
                } else {
                    b'0' + byte % 10
                };
                if bytes.is_empty() {
                    bytes.push(byte);
                    continue;
                }
                let i = at.index(bytes.len());
                match kind {
                    0 => bytes[i] = byte,
                    1 => bytes.insert(i, byte),
                    _ => {
                        bytes.remove(i);
                    }
                }
            }
            String::from_utf8(bytes).unwrap()
        })
}

/// Action shapes with typed holes: `$A` an address, `$N` an amount, `$I` a small integer, `$M` a
/// magnitude, `$B` a flag. Filled with edge values, they parse far more often than random text
/// and drive the handlers with hostile but well-formed input.
const TYPED_TEMPLATES: &[&str] = &[
    r#"{"type":"depositIntoStrategy","strategy":$A,"token":$A,"amount":$N}"#,
    r#"{"type":"transfer","token":$A,"to":$A,"amount":$N}"#,
    r#"{"type":"mint","token":$A,"to":$A,"amount":$N}"#,
    r#"{"type":"burn","token":$A,"amount":$N}"#,
    r#"{"type":"setTvlLimits","strategy":$A,"maxPerDeposit":$N,"maxTotalDeposits":$N}"#,
    r#"{"type":"undelegate","staker":$A}"#,
    r#"{"type":"delegateTo","operator":$A}"#,
    r#"{"type":"redelegate","newOperator":$A}"#,
    r#"{"type":"queueWithdrawals","params":[{"strategies":[$A],"depositShares":[$N]}]}"#,
    r#"{"type":"queueWithdrawals","params":[{"strategies":[$A,$A],"depositShares":[$N,$N]}]}"#,
    r#"{"type":"completeQueuedWithdrawals","withdrawalRoots":[],"receiveAsTokens":[$B]}"#,
    r#"{"type":"createOperatorSets","params":[{"operatorSetId":$I,"strategies":[$A,$A],"redistributionRecipient":$A,"equivocationWadToSlash":$N}]}"#,
    r#"{"type":"createOperatorSets","params":[{"operatorSetId":$I,"strategies":[$A],"slasher":$A}]}"#,
    r#"{"type":"registerForOperatorSets","avs":$A,"operatorSetIds":[$I,$I]}"#,
    r#"{"type":"deregisterFromOperatorSets","operator":$A,"avs":$A,"operatorSetIds":[$I]}"#,
    r#"{"type":"modifyAllocations","params":[{"avs":$A,"operatorSetId":$I,"strategies":[$A],"newMagnitudes":[$M]}]}"#,
    r#"{"type":"modifyAllocations","params":[{"avs":$A,"operatorSetId":$I,"strategies":[$A,$A],"newMagnitudes":[$M,$M]}]}"#,
    r#"{"type":"slashOperator","operator":$A,"operatorSetId":$I,"strategies":[$A],"wadsToSlash":[$N],"description":""}"#,
    r#"{"type":"slashOperator","avs":$A,"operator":$A,"operatorSetId":$I,"strategies":[$A,$A],"wadsToSlash":[$N,$N],"description":""}"#,
    r#"{"type":"clearDeallocationQueue","operator":$A,"strategies":[$A],"numToClear":[$I]}"#,
    r#"{"type":"clearBurnOrRedistributableShares","avs":$A,"operatorSetId":$I,"slashId":$I}"#,
    r#"{"type":"updateSlasher","operatorSetId":$I,"slasher":$A}"#,
    r#"{"type":"addStrategiesToOperatorSet","operatorSetId":$I,"strategies":[$A]}"#,
    r#"{"type":"removeStrategiesFromOperatorSet","avs":$A,"operatorSetId":$I,"strategies":[$A]}"#,
    r#"{"type":"updateAllowlist","operatorSetId":$I,"operators":[$A],"allowed":$B}"#,
    r#"{"type":"setAllocationDelay","operator":$A,"delay":$I}"#,
    r#"{"type":"setAppointee","account":$A,"appointee":$A,"selector":"modifyAllocations"}"#,
    r#"{"type":"addPendingAdmin","account":$A,"admin":$A}"#,
    r#"{"type":"removeAdmin","account":$A,"admin":$A}"#,
    r#"{"type":"pause","target":{"pool":$A},"newPausedStatus":$M}"#,
    r#"{"type":"unpause","target":"allocationManager","newPausedStatus":$M}"#,
];

fn quoted(x: impl std::fmt::Display) -> String {
    format!("\"{x}\"")
}

fn typed_action() -> impl Strategy<Value = String> {
    let c = Chain::new();
    let addresses: Vec<String> = [
        c.strategy("stETH"),
        c.strategy("rETH"),
        c.strategy("cbETH"),
        c.token("stETH"),
        c.token("rETH"),
        Address::ZERO,
        STAKER,
        OP,
        AVS,
        STRANGER,
        NOWHERE,
        DEFAULT_BURN_ADDRESS,
    ]
    .iter()
    .map(quoted)
    .chain(["null".to_string()])
    .collect();
    let amounts: Vec<String> = [
        U256::ZERO,
        U256::from(1),
        U256::from(999),
        wad(1, 2),
        WAD,
        WAD + U256::from(1),
        eth(100),
        eth(1_000_000),
        MAX_TOTAL_SHARES,
        U256::MAX,
    ]
    .iter()
    .map(quoted)
    .collect();
    let ints: Vec<String> = ["0", "1", "2", "42", "65535", "4294967295"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mags: Vec<String> = [0, 1, HALF, WAD_U64, WAD_U64 + 1, u64::MAX]
        .iter()
        .map(quoted)
        .collect();
    (
        prop::sample::select(TYPED_TEMPLATES),
        prop::collection::vec(prop::sample::select(addresses), 8),
        prop::collection::vec(prop::sample::select(amounts), 8),
        prop::collection::vec(prop::sample::select(ints), 8),
        prop::collection::vec(prop::sample::select(mags), 8),
        prop::collection::vec(any::<bool>(), 8),
    )
        .prop_map(|(t, a, n, i, m, b)| {
            let mut out = t.to_string();
            let bools: Vec<String> = b.iter().map(bool::to_string).collect();
            for (marker, values) in [("$A", a), ("$N", n), ("$I", i), ("$M", m), ("$B", bools)] {
                for v in values {
                    out = out.replacen(marker, &v, 1);
                }
            }
            out
        })
}

/// Decodes; whatever decodes must re-encode and decode to the same action, and executing it
/// from any of the roles must either succeed or fail leaving the state untouched.
fn decode_and_run(text: &str, make_chain: fn() -> Chain) {
    let Ok(action) = serde_json::from_str::<Action>(text) else {
        return;
    };
    let again = serde_json::to_string(&action).unwrap();
    assert_eq!(serde_json::from_str::<Action>(&again).unwrap(), action);
    let chain = make_chain();
    for sender in [STAKER, OP, AVS, OWNER, MINTER, PAUSER, UNPAUSER] {
        let mut state = chain.state.clone();
        if restake_core::app::execute(&mut state, &chain.block, sender, &action).is_err() {
            assert!(
                state == chain.state,
                "a failed {} by {sender} changed the state",
                action.name()
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_never_panic_the_action_decoder(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = serde_json::from_slice::<Action>(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        let _ = serde_json::from_str::<Action>(&text);
    }

    #[test]
    fn random_json_values_never_panic_the_action_decoder(text in json_value()) {
        decode_and_run(&text, Chain::new);
    }

    #[test]
    fn random_json_actions_never_panic_the_decoder_or_the_state_machine(text in json_action()) {
        decode_and_run(&text, Chain::new);
    }

    #[test]
    fn mutated_public_shapes_never_panic_the_decoder_or_the_state_machine(text in mutated_template()) {
        decode_and_run(&text, world);
    }

    #[test]
    fn well_formed_actions_with_edge_values_never_panic_the_state_machine(text in typed_action()) {
        decode_and_run(&text, world);
    }
}

#[test]
fn the_fuzz_templates_are_valid_actions() {
    // If the templates did not parse, the mutation fuzz would only exercise error paths.
    for t in valid_templates() {
        parse(&t);
    }
}
