//! The devnet genesis: the nine liquid staking tokens of the design article, each with a
//! whitelisted pool, and the well-known Ethereum development accounts (the ones anvil and
//! hardhat derive from the mnemonic "test test ... junk") funded with every token.
//! Their keys are public: never use them for anything of value.

use alloy_primitives::{Address, U256, address, keccak256};
use restake_core::app::{Genesis, GenesisBalance, GenesisToken};
use restake_core::beacon_oracle::OracleConfig;
use restake_core::config::{Params, Roles};
use restake_core::validators::GenesisValidator;
use restake_primitives::ed25519::SecretKey;

/// The devnet's single validator key: its seed is `keccak256("restake devnet validator")`, so
/// it is public like the development accounts. `restake dev` signs its blocks' certificates
/// with it.
pub fn validator_key() -> SecretKey {
    SecretKey::from_seed(&keccak256(b"restake devnet validator").0)
}

/// The nine liquid staking tokens the devnet starts with.
pub const TOKENS: [&str; 9] = [
    "stETH", "rETH", "cbETH", "ETHx", "ankrETH", "OETH", "osETH", "swETH", "wBETH",
];

/// The first ten development accounts and their private keys.
pub const DEV_ACCOUNTS: [(Address, &str); 10] = [
    (
        address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    ),
    (
        address!("70997970C51812dc3A010C7d01b50e0d17dc79C8"),
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    ),
    (
        address!("3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
        "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    ),
    (
        address!("90F79bf6EB2c4f870365E785982E1f101E93b906"),
        "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    ),
    (
        address!("15d34AAf54267DB7D7c367839AAf71A00a2C6A65"),
        "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    ),
    (
        address!("9965507D1a55bcC2695C58ba16FB37d819B0A4dc"),
        "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    ),
    (
        address!("976EA74026E726554dB657fA54763abd0C3a0aa9"),
        "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    ),
    (
        address!("14dC79964da2C08b23698B3D3cc7Ca32193d9955"),
        "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    ),
    (
        address!("23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"),
        "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    ),
    (
        address!("a0Ee7A142d267C1f36714E4a8F75612F20a79720"),
        "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
    ),
];

/// The devnet chain id (the one local Ethereum devnets use).
pub const CHAIN_ID: u64 = 31337;

/// Genesis for `restake dev`: account 0 governs (owner, whitelister, pauser, unpauser) and mints
/// (it stands in for the bridge); every account holds 10,000 of each token; accounts 7, 8 and 9
/// are the beacon oracle, two of them must agree; [`validator_key`] is the one validator.
pub fn genesis() -> Genesis {
    let (admin, _) = DEV_ACCOUNTS[0];
    // 10,000 tokens of 18 decimals.
    let amount = U256::from(10_000_000_000_000_000_000_000u128);
    let tokens = TOKENS
        .iter()
        .map(|symbol| GenesisToken {
            symbol: (*symbol).into(),
            decimals: 18,
            minter: admin,
            pool: true,
            balances: DEV_ACCOUNTS
                .iter()
                .map(|(a, _)| GenesisBalance {
                    account: *a,
                    amount,
                })
                .collect(),
        })
        .collect();
    Genesis {
        validators: vec![GenesisValidator {
            consensus_key: validator_key().public(),
            power: 1,
            operator: None,
        }],
        params: Params::devnet(),
        roles: Roles {
            owner: admin,
            strategy_whitelister: admin,
            pausers: vec![admin],
            unpauser: admin,
        },
        tokens,
        beacon_oracle: OracleConfig {
            members: ORACLE_ACCOUNTS
                .iter()
                .filter_map(|i| DEV_ACCOUNTS.get(*i).map(|(a, _)| *a))
                .collect(),
            quorum: 2,
        },
    }
}

/// Development accounts (indices) that form the devnet's beacon oracle.
pub const ORACLE_ACCOUNTS: [usize; 3] = [7, 8, 9];
