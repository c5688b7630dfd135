//! Placeholder replaced by the rewards epoch benchmark.
fn main() {}
