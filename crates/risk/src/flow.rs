//! Maximum flow (Dinic) with exact 256-bit capacities, for the maximum-weight closure that
//! solves the unanimous-threshold (`α = 1`) case in polynomial time.

use alloy_primitives::U256;
use std::collections::VecDeque;

struct Edge {
    to: usize,
    cap: U256,
}

/// A flow network.
pub struct Network {
    edges: Vec<Edge>,
    adj: Vec<Vec<usize>>,
}

impl Network {
    /// `n` nodes, no edges.
    pub fn new(n: usize) -> Self {
        Self {
            edges: Vec::new(),
            adj: vec![Vec::new(); n],
        }
    }

    /// An edge `from → to` with capacity `cap` (and its residual twin).
    pub fn add(&mut self, from: usize, to: usize, cap: U256) {
        let id = self.edges.len();
        self.edges.push(Edge { to, cap });
        self.edges.push(Edge {
            to: from,
            cap: U256::ZERO,
        });
        if let Some(a) = self.adj.get_mut(from) {
            a.push(id);
        }
        if let Some(a) = self.adj.get_mut(to) {
            a.push(id ^ 1);
        }
    }

    fn levels(&self, s: usize) -> Vec<Option<u32>> {
        let mut level = vec![None; self.adj.len()];
        let mut q = VecDeque::new();
        if let Some(l) = level.get_mut(s) {
            *l = Some(0);
        }
        q.push_back(s);
        while let Some(u) = q.pop_front() {
            let lu: u32 = level.get(u).copied().flatten().unwrap_or(0);
            for &e in self.adj.get(u).map(Vec::as_slice).unwrap_or(&[]) {
                let Some(edge) = self.edges.get(e) else {
                    continue;
                };
                if !edge.cap.is_zero() && level.get(edge.to).copied().flatten().is_none() {
                    if let Some(l) = level.get_mut(edge.to) {
                        *l = Some(lu.saturating_add(1));
                    }
                    q.push_back(edge.to);
                }
            }
        }
        level
    }

    fn push(
        &mut self,
        u: usize,
        t: usize,
        f: U256,
        level: &[Option<u32>],
        it: &mut [usize],
    ) -> U256 {
        if u == t {
            return f;
        }
        let lu = level.get(u).copied().flatten();
        while let Some(&e) = it
            .get(u)
            .and_then(|i| self.adj.get(u).and_then(|a| a.get(*i)))
        {
            let (to, cap) = match self.edges.get(e) {
                Some(edge) => (edge.to, edge.cap),
                None => break,
            };
            let next = level.get(to).copied().flatten();
            if !cap.is_zero() && lu.is_some() && next == lu.map(|l| l.saturating_add(1)) {
                let d = self.push(to, t, f.min(cap), level, it);
                if !d.is_zero() {
                    if let Some(edge) = self.edges.get_mut(e) {
                        edge.cap = edge.cap.saturating_sub(d);
                    }
                    if let Some(back) = self.edges.get_mut(e ^ 1) {
                        back.cap = back.cap.saturating_add(d);
                    }
                    return d;
                }
            }
            if let Some(i) = it.get_mut(u) {
                *i = i.saturating_add(1);
            }
        }
        U256::ZERO
    }

    /// The maximum flow from `s` to `t`.
    pub fn max_flow(&mut self, s: usize, t: usize) -> U256 {
        let mut total = U256::ZERO;
        loop {
            let level = self.levels(s);
            if level.get(t).copied().flatten().is_none() {
                return total;
            }
            let mut it = vec![0usize; self.adj.len()];
            loop {
                let f = self.push(s, t, U256::MAX, &level, &mut it);
                if f.is_zero() {
                    break;
                }
                total = total.saturating_add(f);
            }
        }
    }

    /// After `max_flow`: the nodes reachable from `s` in the residual graph (the source side of
    /// a minimum cut).
    pub fn source_side(&self, s: usize) -> Vec<bool> {
        self.levels(s).iter().map(Option::is_some).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_flow_of_a_small_network_is_its_min_cut() {
        let mut n = Network::new(4);
        let u = U256::from;
        n.add(0, 1, u(3));
        n.add(0, 2, u(2));
        n.add(1, 2, u(1));
        n.add(1, 3, u(2));
        n.add(2, 3, u(3));
        assert_eq!(n.max_flow(0, 3), u(5));
        let side = n.source_side(0);
        assert!(side[0] && !side[3]);
    }
}
