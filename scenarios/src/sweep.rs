//! Parameter sweeps: any value in a scenario file may be written as
//! `{"sweep": [v1, v2, ...]}` (optionally with `"name": "rtt"`). The
//! scenario then stands for the cartesian product of all swept values; each
//! combination is a *point*, numbered from 0 with the last parameter varying
//! fastest. Sweeps are expanded before a point is parsed, so each point is
//! checked exactly like a plain scenario.
//!
//! The number of points is checked against [`MAX_SWEEP_POINTS`] as soon as
//! the sweeps are found, from the number of values of each alone, so no
//! command enumerates the points of a sweep too large to run.

use serde_json::Value;

use crate::error::InputError;
use crate::limits::MAX_SWEEP_POINTS;

/// One swept value.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name given, or the JSON path of the value.
    pub name: String,
    /// Where in the document it sits.
    pub path: Vec<PathStep>,
    /// The values it takes.
    pub values: Vec<Value>,
}

/// A step into a JSON document.
#[derive(Debug, Clone, PartialEq)]
pub enum PathStep {
    /// A key of an object.
    Key(String),
    /// An index of an array.
    Index(usize),
}

/// A scenario document with its sweeps.
#[derive(Debug, Clone)]
pub struct Sweep {
    doc: Value,
    /// The swept parameters, in document order.
    pub params: Vec<Param>,
}

fn path_text(path: &[PathStep]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            PathStep::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            PathStep::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn find(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Param>) -> Result<(), InputError> {
    match v {
        Value::Object(map) => {
            if let Some(values) = map.get("sweep") {
                let here = path_text(path);
                let extra: Vec<&String> = map
                    .keys()
                    .filter(|k| *k != "sweep" && *k != "name")
                    .collect();
                if !extra.is_empty() {
                    return Err(InputError::at(
                        here,
                        format!("a sweep has only \"sweep\" and \"name\", not {extra:?}"),
                    ));
                }
                let Some(values) = values.as_array().filter(|a| !a.is_empty()) else {
                    return Err(InputError::at(
                        format!("{here}.sweep"),
                        "must be a non-empty list of values",
                    ));
                };
                let name = match map.get("name") {
                    None => here.clone(),
                    Some(Value::String(n)) if !n.is_empty() => n.clone(),
                    Some(_) => {
                        return Err(InputError::at(
                            format!("{here}.name"),
                            "must be a non-empty string",
                        ));
                    }
                };
                if out.iter().any(|p| p.name == name) {
                    return Err(InputError::at(
                        here,
                        format!("two sweeps are named {name:?}"),
                    ));
                }
                out.push(Param {
                    name,
                    path: path.clone(),
                    values: values.clone(),
                });
                return Ok(());
            }
            for (k, child) in map {
                path.push(PathStep::Key(k.clone()));
                find(child, path, out)?;
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                find(child, path, out)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

/// Refuses sweeps whose product of value counts exceeds
/// [`MAX_SWEEP_POINTS`], naming the sweep that takes the product over.
fn check_points(params: &[Param]) -> Result<(), InputError> {
    let mut product: Option<u128> = Some(1);
    let mut over = None;
    for p in params {
        product = product.and_then(|x| x.checked_mul(p.values.len() as u128));
        if over.is_none() && product.is_none_or(|x| x > u128::from(MAX_SWEEP_POINTS)) {
            over = Some(p);
        }
    }
    let Some(p) = over else {
        return Ok(());
    };
    let points = product.map_or_else(|| "more than 2^128".to_string(), |x| x.to_string());
    let counts = if params.len() <= 8 {
        let c: Vec<String> = params.iter().map(|p| p.values.len().to_string()).collect();
        format!(" ({} values)", c.join(" x "))
    } else {
        format!(" (from {} sweeps)", params.len())
    };
    Err(InputError::at(
        path_text(&p.path),
        format!(
            "the sweeps make {points} points{counts}; a scenario may have at most {MAX_SWEEP_POINTS} sweep points"
        ),
    ))
}

impl Sweep {
    /// Reads a scenario document and finds its sweeps.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let doc: Value =
            serde_json::from_str(text).map_err(|e| InputError::at("", e.to_string()))?;
        let mut params = Vec::new();
        find(&doc, &mut Vec::new(), &mut params)?;
        check_points(&params)?;
        Ok(Sweep { doc, params })
    }

    /// Number of points (1 without sweeps; at most [`MAX_SWEEP_POINTS`]).
    pub fn points(&self) -> usize {
        self.params.iter().map(|p| p.values.len()).product()
    }

    /// The value index of each parameter at `point`.
    pub fn indices(&self, point: usize) -> Vec<usize> {
        let mut rest = point;
        let mut idx = vec![0; self.params.len()];
        for (i, p) in self.params.iter().enumerate().rev() {
            idx[i] = rest % p.values.len();
            rest /= p.values.len();
        }
        idx
    }

    /// (name, value) of each parameter at `point`.
    pub fn values(&self, point: usize) -> Vec<(String, Value)> {
        self.indices(point)
            .into_iter()
            .zip(&self.params)
            .map(|(i, p)| (p.name.clone(), p.values[i].clone()))
            .collect()
    }

    /// The plain scenario document of `point`.
    pub fn document(&self, point: usize) -> Value {
        let mut doc = self.doc.clone();
        for (i, p) in self.indices(point).into_iter().zip(&self.params) {
            let mut at = &mut doc;
            for step in &p.path {
                at = match step {
                    PathStep::Key(k) => at.get_mut(k.as_str()).expect("path from the document"),
                    PathStep::Index(n) => at.get_mut(*n).expect("path from the document"),
                };
            }
            *at = p.values[i].clone();
        }
        doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"a": {"sweep": [1, 2]}, "b": [{"c": {"sweep": ["x", "y", "z"], "name": "letter"}}], "d": 5}"#;

    #[test]
    fn points_are_the_cartesian_product_last_fastest() {
        let s = Sweep::parse(DOC).unwrap();
        assert_eq!(s.points(), 6);
        assert_eq!(s.params[0].name, "a");
        assert_eq!(s.params[1].name, "letter");
        let doc = s.document(4);
        assert_eq!(doc, serde_json::json!({"a": 2, "b": [{"c": "y"}], "d": 5}));
        assert_eq!(
            s.values(2),
            vec![
                ("a".to_string(), serde_json::json!(1)),
                ("letter".to_string(), serde_json::json!("z"))
            ]
        );
    }

    #[test]
    fn no_sweep_is_one_point() {
        let s = Sweep::parse(r#"{"a": 1}"#).unwrap();
        assert_eq!(s.points(), 1);
        assert_eq!(s.document(0), serde_json::json!({"a": 1}));
    }

    #[test]
    fn too_many_points_are_refused_at_the_sweep_that_crosses_the_limit() {
        let values = |n: usize| serde_json::to_string(&(0..n).collect::<Vec<_>>()).unwrap();
        let doc = format!(
            r#"{{"a": {{"sweep": {}}}, "b": {{"sweep": {}}}, "c": [{{"sweep": {}}}]}}"#,
            values(10),
            values(20_000),
            values(3)
        );
        let e = Sweep::parse(&doc).unwrap_err();
        assert_eq!(e.path, "b");
        assert_eq!(
            e.message,
            "the sweeps make 600000 points (10 x 20000 x 3 values); a scenario may have at most 100000 sweep points"
        );
        // Exactly at the limit is fine.
        let doc = format!(
            r#"{{"a": {{"sweep": {}}}, "b": {{"sweep": {}}}}}"#,
            values(10),
            values(10_000)
        );
        assert_eq!(Sweep::parse(&doc).unwrap().points(), 100_000);
    }

    #[test]
    fn a_product_past_u128_is_still_refused() {
        let one = r#"{"sweep": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]}"#;
        let doc = format!("[{}]", vec![one; 40].join(", "));
        let e = Sweep::parse(&doc).unwrap_err();
        assert_eq!(e.path, "[4]");
        assert!(
            e.message
                .starts_with("the sweeps make more than 2^128 points (from 40 sweeps)"),
            "{e}"
        );
    }

    #[test]
    fn bad_sweeps_are_named() {
        let e = Sweep::parse(r#"{"x": [{"sweep": []}]}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x[0].sweep: must be a non-empty list of values"
        );
        let e = Sweep::parse(r#"{"x": {"sweep": [1], "step": 2}}"#).unwrap_err();
        assert!(e.to_string().starts_with("x: a sweep has only"));
    }
}
