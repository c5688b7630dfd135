//! Restake on the Malachite BFT engine.
