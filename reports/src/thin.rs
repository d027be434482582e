//! A time series thinned as it grows to what a plot can show.
//!
//! Points arrive in time order. Time is cut into equal buckets; each bucket
//! keeps its first, lowest, highest and last point, so a step function's
//! level changes and a scatter's extremes survive. When the buckets would
//! exceed [`MAX_BUCKETS`], their width doubles and neighbours merge. At most
//! `4 * MAX_BUCKETS` points are held, however long the run; the result
//! depends only on the points, so it is deterministic.

/// Most buckets kept (each holds up to four points).
pub const MAX_BUCKETS: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq)]
struct P {
    t: u64,
    y: f64,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    index: u64,
    first: P,
    min: P,
    max: P,
    last: P,
}

impl Bucket {
    fn merge(&mut self, o: &Bucket) {
        if o.min.y < self.min.y {
            self.min = o.min;
        }
        if o.max.y > self.max.y {
            self.max = o.max;
        }
        self.last = o.last;
    }
}

/// A thinned series of `(time in ns, value)` points.
#[derive(Debug, Clone)]
pub struct Thinned {
    t0: u64,
    width: u64,
    buckets: Vec<Bucket>,
    limit: usize,
    /// Points pushed, thinned or not.
    seen: u64,
}

impl Default for Thinned {
    fn default() -> Self {
        Thinned::with_limit(MAX_BUCKETS)
    }
}

impl Thinned {
    /// An empty series of at most [`MAX_BUCKETS`] buckets.
    pub fn new() -> Self {
        Thinned::default()
    }

    /// An empty series of at most `limit` buckets (at least 2).
    pub fn with_limit(limit: usize) -> Self {
        Thinned {
            t0: 0,
            width: 1,
            buckets: Vec::new(),
            limit: limit.max(2),
            seen: 0,
        }
    }

    /// Allows up to `limit` buckets from now on (points already merged stay
    /// merged).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.max(2);
    }

    /// Adds a point; times must not go backwards.
    pub fn push(&mut self, t: u64, y: f64) {
        if !y.is_finite() {
            return;
        }
        self.seen += 1;
        let p = P { t, y };
        if self.buckets.is_empty() {
            self.t0 = t;
        }
        let t = t.max(self.t0);
        let mut index = (t - self.t0) / self.width;
        while index >= self.limit as u64 {
            self.coarsen();
            index = (t - self.t0) / self.width;
        }
        match self.buckets.last_mut() {
            Some(b) if b.index == index => b.merge(&Bucket {
                index,
                first: p,
                min: p,
                max: p,
                last: p,
            }),
            _ => self.buckets.push(Bucket {
                index,
                first: p,
                min: p,
                max: p,
                last: p,
            }),
        }
    }

    fn coarsen(&mut self) {
        self.width *= 2;
        let mut out: Vec<Bucket> = Vec::with_capacity(self.buckets.len() / 2 + 1);
        for mut b in self.buckets.drain(..) {
            b.index /= 2;
            match out.last_mut() {
                Some(o) if o.index == b.index => o.merge(&b),
                _ => out.push(b),
            }
        }
        self.buckets = out;
    }

    /// Whether no point was pushed.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// How many points were pushed.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The kept points in time order.
    pub fn points(&self) -> Vec<(u64, f64)> {
        let mut v = Vec::with_capacity(self.buckets.len() * 4);
        for b in &self.buckets {
            let mut four = [b.first, b.min, b.max, b.last];
            // Stable: equal times keep first, min, max, last order.
            four.sort_by_key(|p| p.t);
            for p in four {
                if v.last() != Some(&(p.t, p.y)) {
                    v.push((p.t, p.y));
                }
            }
        }
        v
    }

    /// The last value pushed.
    pub fn last(&self) -> Option<(u64, f64)> {
        self.buckets.last().map(|b| (b.last.t, b.last.y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_series_are_kept_whole() {
        let mut s = Thinned::new();
        for i in 0..100u64 {
            s.push(i * 10, i as f64);
        }
        assert_eq!(s.points().len(), 100);
    }

    #[test]
    fn long_series_stay_bounded_and_keep_extremes() {
        let mut s = Thinned::new();
        for i in 0..1_000_000u64 {
            let y = if i == 500_123 { 1e9 } else { (i % 97) as f64 };
            s.push(i * 1000, y);
        }
        let p = s.points();
        assert!(p.len() <= 4 * MAX_BUCKETS, "{}", p.len());
        assert!(p.iter().any(|q| q.1 == 1e9));
        assert_eq!(p.first().unwrap().0, 0);
        assert_eq!(p.last().unwrap().0, 999_999_000);
        assert!(p.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}
